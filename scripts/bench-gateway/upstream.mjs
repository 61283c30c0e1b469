/*
 * The benchmark's fast upstream: an OpenAI-compatible server that answers at
 * once, so that the benchmark measures the gateway and not a model. Plain
 * node:http with keep-alive; validates no keys. Runs as a child process of
 * scripts/bench-gateway.mjs (reports its port over IPC), or standalone:
 *
 *   BENCH_UPSTREAM_PORT=4300 node scripts/bench-gateway/upstream.mjs
 *
 * Routes (with or without the /v1 prefix):
 *   POST /chat/completions  JSON, or SSE when `stream: true`: a role chunk,
 *                           three content chunks, a finish chunk, a usage
 *                           chunk (`choices: []`) when
 *                           `stream_options.include_usage`, `data: [DONE]`
 *   POST /completions, POST /embeddings, GET /models, GET /health/*
 * Holding a stream open (the 200-open-streams memory test): after the first
 * chunk, wait N ms before the rest. N comes from the `x-bench-hold-ms` header,
 * a model name containing `hold-<N>`, or the default set with
 * POST /__bench/hold {"ms": N} (applies to every stream until reset to 0).
 * GET /__bench/stats: requests served, open and peak open streams, distinct
 * bearer tokens seen (counted, never printed).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';

const PORT = Number(process.env.BENCH_UPSTREAM_PORT ?? 0);
const HOST = process.env.BENCH_UPSTREAM_HOST ?? '127.0.0.1';
const CREATED = Math.floor(Date.now() / 1000);
const MODELS = ['gpt-4o-mini', 'claude-haiku', 'text-embedding-3-small'];
const USAGE = { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 };
const REPLY = ['Hello', ' from the', ' bench upstream.'];

const stats = {
  requests: 0,
  byRoute: {},
  streams: 0,
  openStreams: 0,
  peakOpenStreams: 0,
  bearerTokens: new Set(),
};
let defaultHoldMs = 0;

const stripV1 = path => (path.startsWith('/v1/') ? path.slice(3) : path);

function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

const modelHeaders = (model, cost) => ({
  'x-litellm-call-id': randomUUID(),
  'x-litellm-model-group': model,
  ...(cost ? { 'x-litellm-response-cost': cost } : {}),
});

function holdMsOf(req, body) {
  const header = Number(req.headers['x-bench-hold-ms']);
  if (header > 0) return header;
  const match = /hold-(\d+)/.exec(String(body.model ?? ''));
  if (match) return Number(match[1]);
  return defaultHoldMs;
}

function chatCompletion(res, body) {
  const model = String(body.model ?? 'gpt-4o-mini');
  send(
    res,
    200,
    {
      id: `chatcmpl-bench-${stats.requests}`,
      object: 'chat.completion',
      created: CREATED,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: REPLY.join('') },
          finish_reason: 'stop',
        },
      ],
      usage: USAGE,
    },
    modelHeaders(model, '0.0000071'),
  );
}

function chatStream(req, res, body) {
  const model = String(body.model ?? 'gpt-4o-mini');
  const id = `chatcmpl-bench-${stats.requests}`;
  const chunk = (choices, extra) =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created: CREATED,
      model,
      choices,
      ...extra,
    })}\n\n`;
  const delta = (d, finish = null) => [
    { index: 0, delta: d, finish_reason: finish },
  ];
  const rest = [
    ...REPLY.map(content => chunk(delta({ content }))),
    chunk(delta({}, 'stop')),
    ...(body.stream_options?.include_usage
      ? [chunk([], { usage: USAGE })]
      : []),
    'data: [DONE]\n\n',
  ].join('');

  stats.streams++;
  stats.openStreams++;
  stats.peakOpenStreams = Math.max(stats.peakOpenStreams, stats.openStreams);
  let timer;
  res.on('close', () => {
    stats.openStreams--;
    clearTimeout(timer);
  });
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    ...modelHeaders(model),
  });
  const first = chunk(delta({ role: 'assistant', content: '' }));
  const hold = holdMsOf(req, body);
  if (hold > 0) {
    res.write(first);
    timer = setTimeout(() => res.end(rest), hold);
  } else {
    res.end(first + rest);
  }
}

function textCompletion(res, body) {
  const model = String(body.model ?? 'gpt-4o-mini');
  send(
    res,
    200,
    {
      id: `cmpl-bench-${stats.requests}`,
      object: 'text_completion',
      created: CREATED,
      model,
      choices: [
        {
          index: 0,
          text: REPLY.join(''),
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage: USAGE,
    },
    modelHeaders(model, '0.0000071'),
  );
}

function embeddings(res, body) {
  const model = String(body.model ?? 'text-embedding-3-small');
  const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ''];
  send(
    res,
    200,
    {
      object: 'list',
      model,
      data: inputs.map((_, index) => ({
        object: 'embedding',
        index,
        embedding: [0.25, -0.5, 0.75, 0.125, 0, -0.25, 0.5, -0.75],
      })),
      usage: {
        prompt_tokens: 4 * inputs.length,
        total_tokens: 4 * inputs.length,
      },
    },
    modelHeaders(model, '0.00000008'),
  );
}

function route(req, res, raw) {
  const path = stripV1((req.url ?? '/').split('?')[0]);
  let body = {};
  if (raw.length) {
    try {
      body = JSON.parse(raw);
    } catch {
      send(res, 400, {
        error: { message: 'invalid JSON', type: 'bad_request' },
      });
      return;
    }
  }
  if (req.method === 'POST' && path === '/chat/completions') {
    if (body.stream) chatStream(req, res, body);
    else chatCompletion(res, body);
  } else if (req.method === 'POST' && path === '/completions') {
    textCompletion(res, body);
  } else if (req.method === 'POST' && path === '/embeddings') {
    embeddings(res, body);
  } else if (req.method === 'GET' && path === '/models') {
    send(res, 200, {
      object: 'list',
      data: MODELS.map(id => ({
        id,
        object: 'model',
        created: CREATED,
        owned_by: 'bench',
      })),
    });
  } else if (req.method === 'GET' && path.startsWith('/health')) {
    send(res, 200, { status: 'healthy' });
  } else if (req.method === 'GET' && path === '/__bench/stats') {
    const { bearerTokens, ...rest } = stats;
    send(res, 200, { ...rest, bearerTokens: bearerTokens.size, defaultHoldMs });
  } else if (req.method === 'POST' && path === '/__bench/hold') {
    defaultHoldMs = Math.max(0, Number(body.ms) || 0);
    send(res, 200, { defaultHoldMs });
  } else {
    send(res, 404, {
      error: { message: `no route ${req.method} ${path}`, type: 'not_found' },
    });
  }
}

const server = http.createServer(
  { keepAliveTimeout: 120_000, requestTimeout: 0 },
  (req, res) => {
    const path = stripV1((req.url ?? '/').split('?')[0]);
    if (!path.startsWith('/__bench/')) {
      stats.requests++;
      stats.byRoute[path] = (stats.byRoute[path] ?? 0) + 1;
      const auth = req.headers.authorization;
      if (auth && stats.bearerTokens.size < 10_000)
        stats.bearerTokens.add(auth);
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      req.resume();
      route(req, res, '');
      return;
    }
    const chunks = [];
    req.on('data', c => chunks.push(c));
    req.on('end', () => route(req, res, Buffer.concat(chunks).toString()));
  },
);
server.keepAliveTimeout = 120_000;
server.headersTimeout = 130_000;

server.listen(PORT, HOST, () => {
  const { port } = server.address();
  if (process.send) process.send({ type: 'ready', port });
  else console.log(`bench upstream listening on http://${HOST}:${port}`);
});
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
