import { TestDatabases } from '@backstage/backend-test-utils';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import {
  JANE,
  JOHN,
  LEE,
  MASTER_KEY,
  SOLO,
  aiTilesConfig,
  asUser,
  deferred,
  deleteKeyAsAdmin,
  recordAcceptance,
  startAiTiles,
  usePolicyFile,
  useStandInAndDatabase,
  watchLiteLlm,
} from '../__testUtils__/access';
import { AiTilesPluginOptions } from '../plugin';

jest.setTimeout(60_000);

// The gateway against the LiteLLM stand-in, on SQLite and a real Postgres.
const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const OPENWEBUI_TOKEN = 'owui-token-'.padEnd(40, 'x');
const DIFY_TOKEN = 'dify-token-'.padEnd(40, 'y');
const DIFY_APP = 'component:default/legal-notice-check';
const CHAT_APP = 'component:default/open-chat';
const GATEWAY = '/api/ai-tiles/gateway/v1';
const JANE_UUID = '7f1c2a9e-0000-4000-8000-00000000jane'.replace(
  'jane',
  'aaaa',
);
const BROWSER_UUID = '7f1c2a9e-0000-4000-8000-00000000bbbb';

const chatBody = (extra: object = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Summarise the contract' }],
  ...extra,
});

/** A port nothing listens on right now. */
const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });

const waitFor = async <T>(fn: () => Promise<T | undefined>, ms = 5000) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise(r => setTimeout(r, 25));
  }
};

describe.each(databases.eachSupportedId())('AI gateway on %s', databaseId => {
  const policy = usePolicyFile();
  const env = useStandInAndDatabase(databases, databaseId);

  const gatewayConfig = (extra: object = {}, limits: object = {}) =>
    aiTilesConfig({
      baseUrl: env.standIn.url,
      policyPath: policy.path,
      budgets: {
        default: 20,
        users: [
          { user: SOLO, maxBudget: 0 },
          // Less than one call costs: the first call overshoots it.
          { user: LEE, maxBudget: 0.000001 },
        ],
      },
      gateway: {
        clients: [
          {
            id: 'open-webui',
            kind: 'openwebui',
            token: OPENWEBUI_TOKEN,
            entityRef: CHAT_APP,
          },
          {
            id: 'legal-notice-check',
            kind: 'dify',
            token: DIFY_TOKEN,
            entityRef: DIFY_APP,
          },
        ],
        limits: { maxConcurrentPerEmployee: 2, ...limits },
        ...extra,
      },
    });

  async function start(
    extra: object = {},
    limits: object = {},
    difyBaseUrl?: string,
    plugin: AiTilesPluginOptions = {},
  ) {
    const config = gatewayConfig(extra, limits) as any;
    if (difyBaseUrl) config.aiTiles.dify = { baseUrl: difyBaseUrl };
    const started = await startAiTiles({
      knex: env.knex,
      config,
      plugin: { ledger: { flushIntervalMs: 1 }, ...plugin },
    });
    const { port } = started.server.address() as AddressInfo;
    return { ...started, base: `http://127.0.0.1:${port}${GATEWAY}` };
  }

  const accept = (server: Server, userRef: string) =>
    request(server)
      .post('/api/ai-tiles/me/policy/accept')
      .set('Authorization', asUser(userRef))
      .send({ version: '2026-11' })
      .expect(200);

  const asOpenWebUi = (email?: string) => ({
    authorization: `Bearer ${OPENWEBUI_TOKEN}`,
    'content-type': 'application/json',
    ...(email ? { 'x-openwebui-user-email': email } : {}),
  });
  const asDify = () => ({
    authorization: `Bearer ${DIFY_TOKEN}`,
    'content-type': 'application/json',
  });
  /** Jane chats through Open WebUI; `extra` goes into the request body. */
  const chatAsJane = (
    base: string,
    extra: object = {},
    init: RequestInit = {},
  ) =>
    fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: asOpenWebUi('jane.doe@example.com'),
      body: JSON.stringify(chatBody(extra)),
      ...init,
    });
  /** Jane sends an audio file for transcription through Open WebUI (multipart). */
  const transcribe = (base: string, audio: Buffer, name = 'a.wav') => {
    const form = new FormData();
    form.append('model', 'whisper-1');
    form.append('file', new Blob([audio]), name);
    return fetch(`${base}/audio/transcriptions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${OPENWEBUI_TOKEN}`,
        'x-openwebui-user-email': 'jane.doe@example.com',
      },
      body: form,
    });
  };

  const keyOwner = (hash: string) =>
    env.standIn.keys().find(k => k.token === hash)?.user_id;
  const ledger = () => env.knex('ai_gateway_calls').orderBy('id');
  const ledgerRows = (n: number) =>
    waitFor(async () => {
      const rows = await ledger();
      return rows.length >= n ? rows : undefined;
    });

  it("charges Open WebUI calls of two employees to each one's own key", async () => {
    const { server, base } = await start();
    await accept(server, JANE);
    await accept(server, JOHN);

    // Tags are the gateway's: the caller's own are dropped, wherever LiteLLM
    // would read them.
    const forged = ['charged:app', 'app:forged'];
    const claims = [
      {
        tags: forged,
        metadata: { tags: forged, trace: 'kept' },
        litellm_metadata: { tags: forged },
      },
      { metadata: JSON.stringify({ tags: forged, trace: 'kept' }) },
    ];
    for (const [i, email] of [
      'Jane.Doe@example.com',
      'john.smith@example.com',
    ].entries()) {
      const res = await fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: asOpenWebUi(email),
        body: JSON.stringify(chatBody(claims[i])),
      });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.choices[0].message.content).toContain('Summarise');
      expect(body.usage.total_tokens).toBeGreaterThan(0);
    }

    const logs = env.standIn.spendLogs();
    expect(logs).toHaveLength(2);
    expect(logs.map(l => l.user)).toEqual([JANE, JOHN]);
    expect(logs.map(l => keyOwner(l.api_key))).toEqual([JANE, JOHN]);
    expect(logs[0].request_tags).toEqual(
      expect.arrayContaining([
        'channel:openwebui',
        `app:${CHAT_APP}`,
        'charged:employee',
      ]),
    );
    for (const log of logs) {
      expect(log.request_tags).not.toContain('charged:app');
      expect(log.request_tags).not.toContain('app:forged');
    }

    const rows = await ledgerRows(2);
    expect(rows.map(r => [r.user_ref, r.charged_to, r.channel])).toEqual([
      [JANE, 'employee', 'openwebui'],
      [JOHN, 'employee', 'openwebui'],
    ]);
    expect(rows[0]).toMatchObject({
      app_ref: CHAT_APP,
      client_id: 'open-webui',
      route: 'chat/completions',
      model: 'gpt-4o-mini',
      status: 200,
      prompt_tokens: logs[0].prompt_tokens,
      completion_tokens: logs[0].completion_tokens,
      request_id: logs[0].request_id,
      cost_source: 'header',
    });
  });

  it('charges Dify calls to the mapped employee, unknown end users to the app service key', async () => {
    const { server, base } = await start();
    await accept(server, JANE);
    await env.knex('ai_dify_end_users').insert({
      app_ref: DIFY_APP,
      end_user_id: JANE_UUID,
      user_ref: JANE,
      created_at: new Date(),
    });

    const mapped = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      // An e-mail header from a Dify client is not an identity: ignored.
      headers: {
        ...asDify(),
        'x-openwebui-user-email': 'john.smith@example.com',
      },
      body: JSON.stringify(chatBody({ user: JANE_UUID })),
    });
    expect(mapped.status).toBe(200);
    const unknown = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: asDify(),
      body: JSON.stringify(chatBody({ user: 'unknown' })),
    });
    expect(await unknown.text()).toContain('chat.completion');
    expect(unknown.status).toBe(200);

    const [first, second] = env.standIn.spendLogs();
    expect(keyOwner(first.api_key)).toBe(JANE);
    expect(keyOwner(second.api_key)).toBe(DIFY_APP);
    expect(second.request_tags).toContain('charged:app');
    expect(env.standIn.users().find(u => u.user_id === DIFY_APP)).toMatchObject(
      {
        max_budget: 10,
      },
    );
    const rows = await ledgerRows(2);
    expect(
      rows.map(r => [
        r.user_ref,
        r.charged_ref,
        r.charged_to,
        r.unresolved_reason,
      ]),
    ).toEqual([
      [JANE, JANE, 'employee', null],
      [null, DIFY_APP, 'app', 'unknown-employee'],
    ]);
  });

  it("resolves a Dify end user through Dify's end-user lookup and remembers it", async () => {
    const lookups: string[] = [];
    const dify: Server = createServer((req, res) => {
      lookups.push(`${req.url} ${req.headers.authorization}`);
      const endUsers: Record<string, object> = {
        [`/v1/end-users/${JANE_UUID}`]: {
          id: JANE_UUID,
          session_id: JANE,
          type: 'service-api',
          is_anonymous: false,
        },
        // A share-URL visitor who claimed John's ref (`sys.user_id`).
        [`/v1/end-users/${BROWSER_UUID}`]: {
          id: BROWSER_UUID,
          session_id: JOHN,
          type: 'browser',
          is_anonymous: true,
        },
      };
      const known = endUsers[req.url ?? ''];
      res.writeHead(known ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(known ?? { code: 'end_user_not_found' }));
    });
    await new Promise<void>(r => dify.listen(0, '127.0.0.1', r));
    try {
      const difyUrl = `http://127.0.0.1:${
        (dify.address() as AddressInfo).port
      }`;
      const { server, base } = await start(
        {
          clients: [
            {
              id: 'legal-notice-check',
              kind: 'dify',
              token: DIFY_TOKEN,
              entityRef: DIFY_APP,
              difyApiKey: 'app-dify-key',
            },
          ],
        },
        {},
        difyUrl,
      );
      await accept(server, JANE);
      await accept(server, JOHN);
      const res = await fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: asDify(),
        body: JSON.stringify(chatBody({ user: JANE_UUID })),
      });
      expect(res.status).toBe(200);
      // A browser end user's session id is not an identity: the app pays.
      const spoofed = await fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: asDify(),
        body: JSON.stringify(chatBody({ user: BROWSER_UUID })),
      });
      expect(spoofed.status).toBe(200);
      const [janeCall, spoofedCall] = env.standIn.spendLogs();
      expect(keyOwner(janeCall.api_key)).toBe(JANE);
      expect(keyOwner(spoofedCall.api_key)).toBe(DIFY_APP);
      expect(lookups).toEqual([
        `/v1/end-users/${JANE_UUID} Bearer app-dify-key`,
        `/v1/end-users/${BROWSER_UUID} Bearer app-dify-key`,
      ]);
      expect(
        await env.knex('ai_dify_end_users').where({ end_user_id: JANE_UUID }),
      ).toEqual([
        expect.objectContaining({ app_ref: DIFY_APP, user_ref: JANE }),
      ]);
    } finally {
      dify.close();
    }
  });

  /** Reads an SSE response, timing each chunk's arrival. */
  async function readStream(res: Response) {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const arrivals: number[] = [];
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push(performance.now());
      text += decoder.decode(value, { stream: true });
    }
    return { text, arrivals };
  }

  it('streams chunk by chunk, hides the usage chunk it asked for, and records usage', async () => {
    const { server, base } = await start();
    await accept(server, JANE);
    env.standIn.configure({ streamChunkDelayMs: 80 });

    const sent = performance.now();
    const res = await chatAsJane(base, { stream: true, mock_stream_chunks: 6 });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const { text, arrivals } = await readStream(res);
    const finished = arrivals[arrivals.length - 1];
    // The first chunk arrives while the stand-in is still producing the rest.
    expect(arrivals[0] - sent).toBeLessThan(finished - sent - 250);
    expect(text).toContain('chunk-1');
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    expect(text).not.toContain('"usage":{');

    const [row] = await ledgerRows(1);
    const [log] = env.standIn.spendLogs();
    expect(row).toMatchObject({
      stream: databaseId === 'SQLITE_3' ? 1 : true,
      prompt_tokens: log.prompt_tokens,
      completion_tokens: log.completion_tokens,
      cost_source: 'usage',
      request_id: log.request_id,
    });
    expect(Number(row.cost)).toBeCloseTo(log.spend, 10);

    // A client that asks for usage gets it.
    env.standIn.configure({ streamChunkDelayMs: 0 });
    const withUsage = await chatAsJane(base, {
      stream: true,
      stream_options: { include_usage: true },
    });
    expect((await readStream(withUsage)).text).toContain('"usage":{');
  });

  it('aborts the upstream call when the client goes away', async () => {
    const { server, base } = await start();
    await accept(server, JANE);
    env.standIn.configure({ streamChunkDelayMs: 100 });
    const abort = new AbortController();
    const res = await chatAsJane(
      base,
      { stream: true, mock_stream_chunks: 50 },
      { signal: abort.signal },
    );
    const reader = res.body!.getReader();
    await reader.read();
    abort.abort();
    await waitFor(async () =>
      env.standIn.streams().aborted === 1 ? true : undefined,
    );
    expect(env.standIn.streams()).toMatchObject({ completed: 0, aborted: 1 });
    const [row] = await ledgerRows(1);
    expect(row).toMatchObject({
      status: 499,
      error_type: 'client_closed_request',
    });
  });

  it('matches LiteLLM spend to the cent, streamed and not', async () => {
    const { server, base } = await start();
    await accept(server, JANE);
    const calls = [
      chatBody(),
      chatBody({ stream: true }),
      chatBody({ stream: true, stream_options: { include_usage: true } }),
      chatBody({ messages: [{ role: 'user', content: 'x'.repeat(4000) }] }),
      { model: 'gpt-4o-mini', prompt: 'Once upon a time', stream: true },
    ];
    for (const [i, body] of calls.entries()) {
      const res = await fetch(
        `${base}/${i === 4 ? 'completions' : 'chat/completions'}`,
        {
          method: 'POST',
          headers: asOpenWebUi('jane.doe@example.com'),
          body: JSON.stringify(body),
        },
      );
      expect(res.status).toBe(200);
      await res.text();
    }
    const rows = await ledgerRows(calls.length);
    const ledgerTotal = rows.reduce((sum, r) => sum + Number(r.cost), 0);
    const litellmTotal = env.standIn
      .spendLogs()
      .reduce((sum, l) => sum + l.spend, 0);
    expect(litellmTotal).toBeGreaterThan(0);
    expect(Math.round(ledgerTotal * 100)).toBe(Math.round(litellmTotal * 100));
    expect(ledgerTotal).toBeCloseTo(litellmTotal, 9);
  });

  it.each([429, 400])(
    'answers an exhausted budget (LiteLLM answering %i) with 429 and a message a chat window can show',
    async litellmStatus => {
      env.standIn.configure({
        budgetExceededStatus: litellmStatus as 400 | 429,
      });
      const { server, base } = await start();
      await accept(server, LEE);
      const call = () =>
        fetch(`${base}/chat/completions`, {
          method: 'POST',
          headers: asOpenWebUi('lee@example.com'),
          body: JSON.stringify(chatBody()),
        });
      // LiteLLM checks a user budget before the call: the first overshoots.
      expect((await call()).status).toBe(200);
      const refused = await call();
      expect(refused.status).toBe(429);
      const body = await refused.json();
      expect(body.error).toMatchObject({
        type: 'budget_exceeded',
        code: 'budget_exceeded',
      });
      expect(body.error.message).toMatch(
        /^Your monthly AI budget of \$0\.00 is used up; it resets on 1 \w+ \d{4}\.$/,
      );
      const rows = await ledgerRows(2);
      expect(rows[1]).toMatchObject({
        status: 429,
        error_type: 'budget_exceeded',
      });
    },
  );

  it('refuses every call of an employee whose budget is zero, the first one included', async () => {
    const { server, base } = await start();
    await accept(server, SOLO);
    for (let i = 0; i < 2; i++) {
      const refused = await fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: asOpenWebUi('solo@example.com'),
        body: JSON.stringify(chatBody()),
      });
      expect(refused.status).toBe(429);
      expect((await refused.json()).error).toMatchObject({
        code: 'budget_exceeded',
        message:
          'Your AI budget is $0.00, so no model calls are allowed; ask your portal administrator for a budget.',
      });
    }
    expect(env.standIn.spendLogs()).toHaveLength(0);
  });

  it('refuses callers without a client token, even with an identity header', async () => {
    const { base } = await start();
    for (const authorization of [undefined, 'Bearer not-a-client-token']) {
      const res = await fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-openwebui-user-email': 'jane.doe@example.com',
          ...(authorization ? { authorization } : {}),
        },
        body: JSON.stringify(chatBody()),
      });
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('invalid_api_key');
    }
    expect(env.standIn.spendLogs()).toHaveLength(0);
    expect(env.standIn.users()).toHaveLength(0);
  });

  it('asks employees to accept the policy first, and charges Open WebUI calls without an e-mail to the app', async () => {
    const { base } = await start();
    const refused = await chatAsJane(base);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.message).toContain(
      'https://portal.example.com/ai/policy',
    );
    // An upload refused before it streamed on is read to its end (into the
    // void) before the 403: the connection stays open for the next call.
    const upload = await transcribe(base, Buffer.alloc(8 * 1024 * 1024));
    expect(upload.status).toBe(403);
    expect(upload.headers.get('connection')).not.toBe('close');
    expect((await upload.json()).error.code).toBe('policy_not_accepted');
    expect(env.standIn.users()).toHaveLength(0);
    expect(env.standIn.uploads()).toHaveLength(0);

    const anonymous = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: asOpenWebUi(),
      body: JSON.stringify(chatBody()),
    });
    expect(anonymous.status).toBe(200);
    expect(keyOwner(env.standIn.spendLogs()[0].api_key)).toBe(CHAT_APP);
    const rows = await ledgerRows(3);
    // The refusals are on record too: whose key would have paid, nothing spent.
    const refusal = {
      user_ref: JANE,
      charged_ref: JANE,
      charged_to: 'employee',
      status: 403,
      error_type: 'permission_error',
      cost_source: 'none',
      prompt_tokens: null,
    };
    expect(rows).toMatchObject([
      { ...refusal, route: 'chat/completions' },
      { ...refusal, route: 'audio/transcriptions' },
      {
        user_ref: null,
        charged_ref: CHAT_APP,
        charged_to: 'app',
        unresolved_reason: 'no-identity',
        status: 200,
      },
    ]);
    expect(rows.slice(0, 2).map(r => Number(r.cost))).toEqual([0, 0]);
  });

  it("lists only the models the employee's key may use", async () => {
    const { server, base } = await start();
    await accept(server, JANE);
    const list = async () => {
      const res = await fetch(`${base}/models`, {
        headers: asOpenWebUi('jane.doe@example.com'),
      });
      expect(res.status).toBe(200);
      return (await res.json()).data.map((m: { id: string }) => m.id);
    };
    expect((await list()).length).toBeGreaterThan(1);
    // An admin narrows Jane's key in LiteLLM: the gateway shows just that.
    const key = env.standIn.keys().find(k => k.user_id === JANE)!;
    const update = await fetch(`${env.standIn.url}/key/update`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${MASTER_KEY}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ key: key.token, models: ['gpt-4o-mini'] }),
    });
    expect(update.status).toBe(200);
    expect(await list()).toEqual(['gpt-4o-mini']);
  });

  it('streams a multipart upload through whole, and speech back as bytes', async () => {
    const { server, base } = await start();
    await accept(server, JANE);
    const audio = Buffer.alloc(3 * 1024 * 1024 + 7, 1);
    const res = await transcribe(base, audio, 'meeting.wav');
    expect(res.status).toBe(200);
    expect((await res.json()).text).toContain(`(${audio.length} bytes)`);
    expect(env.standIn.uploads()[0].bytes).toBe(audio.length);

    const speech = await fetch(`${base}/audio/speech`, {
      method: 'POST',
      headers: asOpenWebUi('jane.doe@example.com'),
      body: JSON.stringify({
        model: 'tts-1',
        input: 'Hello there',
        voice: 'alloy',
      }),
    });
    expect(speech.status).toBe(200);
    expect(speech.headers.get('content-type')).toContain('audio/mpeg');
    expect((await speech.arrayBuffer()).byteLength).toBe(11_000);

    const rows = await ledgerRows(2);
    expect(rows.map(r => [r.route, r.user_ref, r.cost_source])).toEqual([
      ['audio/transcriptions', JANE, 'header'],
      ['audio/speech', JANE, 'header'],
    ]);
    const logs = env.standIn.spendLogs();
    expect(rows.map(r => Number(r.cost))).toEqual(logs.map(l => l.spend));
  });

  it('refuses bodies over the limit with 413 and extra concurrent calls with 429', async () => {
    const { server, base } = await start({}, { maxBodyBytes: 2048 });
    await accept(server, JANE);
    const big = await chatAsJane(base, {
      messages: [{ role: 'user', content: 'x'.repeat(4096) }],
    });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('request_too_large');
    // The caller is checked before its body is read: an unknown one gets 401.
    const anonymous = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: { ...asOpenWebUi(), authorization: 'Bearer not-a-client' },
      body: 'x'.repeat(4096),
    });
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json()).error.code).toBe('invalid_api_key');
    const upload = await transcribe(base, Buffer.alloc(10_000));
    expect(upload.status).toBe(413);

    env.standIn.configure({ streamChunkDelayMs: 100 });
    const open = await Promise.all(
      [1, 2].map(() =>
        chatAsJane(base, { stream: true, mock_stream_chunks: 5 }),
      ),
    );
    const third = await chatAsJane(base);
    expect(third.status).toBe(429);
    expect((await third.json()).error.code).toBe('concurrency_limit');
    await Promise.all(open.map(r => r.text()));
    // Slots are given back when calls end.
    env.standIn.configure({ streamChunkDelayMs: 0 });
    const after = await chatAsJane(base);
    expect(after.status).toBe(200);

    // JSON bodies refused before they were read name no caller and get no
    // row; the upload (refused as it streamed) and the third call do, and
    // cost nothing.
    const rows = await ledgerRows(5);
    expect(
      rows
        .filter(r => r.status !== 200)
        .map(r => [
          r.user_ref,
          r.route,
          r.status,
          r.error_type,
          Number(r.cost),
        ]),
    ).toEqual([
      [JANE, 'audio/transcriptions', 413, 'invalid_request_error', 0],
      [JANE, 'chat/completions', 429, 'rate_limit_error', 0],
    ]);
  });

  it('makes no model call for a caller that left while its key was set up, and frees its slots at once', async () => {
    // Key generation waits until the test lets it go.
    const generating = deferred();
    const proceed = deferred();
    const litellmDispatcher = watchLiteLlm(async ({ path }) => {
      if (path === '/key/generate') {
        generating.resolve();
        await proceed.promise;
      }
    });
    const { base } = await start({}, {}, undefined, { litellmDispatcher });
    await recordAcceptance(env.knex, JANE);
    const leave = [1, 2].map(() => new AbortController());
    const left = leave.map(abort =>
      chatAsJane(base, { stream: true }, { signal: abort.signal }).catch(
        error => error.name,
      ),
    );
    await generating.promise;
    leave.forEach(abort => abort.abort());
    expect(await Promise.all(left)).toEqual(['AbortError', 'AbortError']);
    // Let the server see both connections close before the key arrives.
    await new Promise(r => setTimeout(r, 200));
    // Their slots are free at once (the limit is 2), while the key is still
    // being made: two new calls are taken, and wait for that key.
    const waiting = [1, 2].map(() => chatAsJane(base));
    await new Promise(r => setTimeout(r, 100));
    proceed.resolve();
    expect((await Promise.all(waiting)).map(r => r.status)).toEqual([200, 200]);

    const rows = await ledgerRows(4);
    expect(
      rows.map(r => [r.user_ref, r.status, r.error_type, Boolean(r.stream)]),
    ).toEqual(
      expect.arrayContaining([
        [JANE, 499, 'client_closed_request', true],
        [JANE, 499, 'client_closed_request', true],
        [JANE, 200, null, false],
        [JANE, 200, null, false],
      ]),
    );
    // The two that left made no model call.
    expect(env.standIn.spendLogs()).toHaveLength(2);
    expect(env.standIn.streams()).toMatchObject({ completed: 0, aborted: 0 });
    // Both slots are free again (the limit is 2): two calls at once pass.
    const next = await Promise.all([1, 2].map(() => chatAsJane(base)));
    expect(next.map(r => r.status)).toEqual([200, 200]);
  });

  it('answers 504 when LiteLLM is too slow, and 502 at once when it is down', async () => {
    const { server, base } = await start({}, { timeoutMs: 300 });
    await accept(server, JANE);
    // Provision first, so only the model call meets the failures.
    await (await chatAsJane(base)).text();
    env.standIn.setFailureMode({
      mode: 'hang',
      routes: ['/v1/chat/completions'],
    } as any);
    const slow = await chatAsJane(base);
    expect(slow.status).toBe(504);
    expect((await slow.json()).error.type).toBe('timeout_error');
    env.standIn.setFailureMode(null);

    await env.standIn.close();
    const started = performance.now();
    const down = await chatAsJane(base);
    expect(down.status).toBe(502);
    expect((await down.json()).error.type).toBe('api_connection_error');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("passes LiteLLM's own errors through with their status and body", async () => {
    const { server, base } = await start();
    await accept(server, JANE);
    const res = await chatAsJane(base, { model: 'no-such-model' });
    const direct = await fetch(`${env.standIn.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${MASTER_KEY}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify(chatBody({ model: 'no-such-model' })),
    });
    expect(res.status).toBe(direct.status);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(await res.json()).toEqual(await direct.json());
  });

  it('retries a refused key: rotated on another replica, or lost by LiteLLM and replaced', async () => {
    const keyInfoCalls: string[] = [];
    const a = await start({}, {}, undefined, {
      litellmDispatcher: watchLiteLlm(({ path, url }) => {
        if (path === '/key/info') keyInfoCalls.push(String(url));
      }),
    });
    const b = await start();
    await accept(a.server, JANE);
    const chat = () => chatAsJane(a.base);
    const janeKeys = () => env.standIn.keys().filter(k => k.user_id === JANE);
    const stored = async () =>
      (await env.knex('ai_user_keys').where({ user_ref: JANE }).first())
        .key_hash;
    expect((await chat()).status).toBe(200); // replica a caches the key
    const first = await stored();

    // Rotated through replica b: a's cached key is refused, the stored one works.
    await request(b.server)
      .post('/api/ai-tiles/me/key/rotate')
      .set('Authorization', asUser(JANE))
      .expect(200);
    const rotated = await stored();
    expect(rotated).not.toBe(first);
    expect((await chat()).status).toBe(200);
    expect(janeKeys().map(k => k.token)).toEqual([rotated]);

    // Deleted in LiteLLM by an admin: replaced, like "My AI access" would.
    await deleteKeyAsAdmin(env.standIn.url, rotated);
    expect((await chat()).status).toBe(200);
    const repaired = await stored();
    expect(repaired).not.toBe(rotated);
    expect(janeKeys().map(k => k.token)).toEqual([repaired]);
    expect(keyOwner(env.standIn.spendLogs().at(-1)!.api_key)).toBe(JANE);

    // A 401 about something else: passed through, the key is kept, and
    // LiteLLM is asked about the key once, not on every such 401.
    keyInfoCalls.length = 0;
    env.standIn.setFailureMode({
      mode: 'error',
      status: 401,
      message: 'key blocked',
      routes: ['/v1/chat/completions'],
      times: 2,
    });
    for (let i = 0; i < 2; i++) {
      const refused = await chat();
      expect(refused.status).toBe(401);
      expect(JSON.stringify(await refused.json())).toContain('key blocked');
    }
    expect(keyInfoCalls).toHaveLength(1);
    expect(await stored()).toBe(repaired);
    expect(janeKeys().map(k => k.token)).toEqual([repaired]);
    expect((await chat()).status).toBe(200);
  });

  it('serves the same gateway on its own port (aiTiles.gateway.listen)', async () => {
    const port = await freePort();
    const { server, base, backend } = await start(
      { listen: { host: '127.0.0.1', port } },
      { maxBodyBytes: 4096 },
    );
    await accept(server, JANE);
    const own = `http://127.0.0.1:${port}${GATEWAY}`;

    const plain = await chatAsJane(own);
    expect(plain.status).toBe(200);
    expect((await plain.json()).choices[0].message.content).toContain(
      'Summarise',
    );
    const streamed = await chatAsJane(own, {
      stream: true,
      mock_stream_chunks: 3,
    });
    const { text } = await readStream(streamed);
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    expect(text).not.toContain('"usage":{');
    // Backstage's mount serves the same gateway at the same time.
    const viaBackstage = await chatAsJane(base);
    expect(viaBackstage.status).toBe(200);

    const logs = env.standIn.spendLogs();
    expect(logs.map(l => keyOwner(l.api_key))).toEqual([JANE, JANE, JANE]);
    const rows = await ledgerRows(3);
    expect(rows.map(r => [r.user_ref, r.status, r.request_id])).toEqual(
      logs.map(l => [JANE, 200, l.request_id]),
    );

    // Errors in OpenAI's shape, as on Backstage's mount.
    const noToken = await fetch(`${own}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody()),
    });
    expect(noToken.status).toBe(401);
    expect((await noToken.json()).error.code).toBe('invalid_api_key');
    const big = await chatAsJane(own, {
      messages: [{ role: 'user', content: 'x'.repeat(8192) }],
    });
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe('request_too_large');
    const unknown = await fetch(`${own}/chat/nonsense`, {
      method: 'POST',
      headers: asOpenWebUi('jane.doe@example.com'),
      body: '{}',
    });
    expect(unknown.status).toBe(404);
    const outside = await fetch(
      `http://127.0.0.1:${port}/api/catalog/entities`,
    );
    expect(outside.status).toBe(404);
    expect((await outside.json()).error.message).toContain(
      'only the AI gateway',
    );

    // Stopping the backend closes the port.
    await backend.stop();
    await expect(fetch(`${own}/models`)).rejects.toThrow();
  });

  it("stops cleanly: open calls through Backstage's router finish and are recorded, new ones get 503", async () => {
    const { server, base, backend } = await start();
    await accept(server, JANE);
    env.standIn.configure({ streamChunkDelayMs: 100 });
    const open = await chatAsJane(base, {
      stream: true,
      mock_stream_chunks: 5,
    });
    expect(open.status).toBe(200);
    const stopped = backend.stop();
    await new Promise(r => setTimeout(r, 50));
    const late = await chatAsJane(base);
    // Backstage itself refuses calls to a plugin that is stopping.
    expect(late.status).toBe(503);
    expect(await open.text()).toContain('data: [DONE]');
    await stopped;
    const rows = await env.knex('ai_gateway_calls');
    expect(rows.map(r => [r.user_ref, r.status, Boolean(r.stream)])).toEqual([
      [JANE, 200, true],
    ]);
    expect(env.standIn.spendLogs()).toHaveLength(1);
  });

  it('cuts calls still open at the end of the shutdown grace, and records them', async () => {
    const { server, base, backend } = await start({}, {}, undefined, {
      gatewayShutdownGraceMs: 300,
    });
    await accept(server, JANE);
    env.standIn.configure({ streamChunkDelayMs: 100 });
    const open = await chatAsJane(base, {
      stream: true,
      mock_stream_chunks: 50,
    });
    expect(open.status).toBe(200);
    const started = Date.now();
    await backend.stop();
    expect(Date.now() - started).toBeLessThan(3_000);
    // The stream ends early, without its last event.
    const text = await open.text().catch(() => '');
    expect(text).not.toContain('[DONE]');
    const rows = await env.knex('ai_gateway_calls');
    expect(rows.map(r => [r.user_ref, r.status, r.error_type])).toEqual([
      [JANE, 503, 'service_unavailable'],
    ]);
    await waitFor(async () => env.standIn.streams().aborted === 1 || undefined);
  });

  it('answers 503 in OpenAI shape when the gateway is not configured', async () => {
    const { server } = await startAiTiles({
      knex: env.knex,
      config: aiTilesConfig({
        baseUrl: env.standIn.url,
        policyPath: policy.path,
      }),
    });
    const res = await request(server)
      .post(`${GATEWAY}/chat/completions`)
      .set('authorization', `Bearer ${OPENWEBUI_TOKEN}`)
      .send(chatBody());
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain('aiTiles.gateway');
  });

  it("answers 503 with LiteLLM's admin API down while the first key is provisioned, and writes nothing", async () => {
    const { base } = await start();
    // Accepted, but never visited the portal: the gateway provisions the key.
    await recordAcceptance(env.knex, JANE);
    env.standIn.setFailureMode({
      mode: 'disconnect',
      routes: ['/user/new', '/user/info'],
      times: 10,
    });
    const res = await chatAsJane(base);
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body.error.type).toBe('service_unavailable');
    expect(body.error.message).toContain('LiteLLM');
    expect(await env.knex('ai_user_keys')).toEqual([]);
    expect(env.standIn.users()).toEqual([]);
    const [row] = await ledgerRows(1);
    expect(row).toMatchObject({
      user_ref: JANE,
      charged_to: 'employee',
      status: 503,
      error_type: 'service_unavailable',
      cost_source: 'none',
    });

    env.standIn.setFailureMode(null);
    const retry = await chatAsJane(base);
    expect(retry.status).toBe(200);
    expect(keyOwner(env.standIn.spendLogs()[0].api_key)).toBe(JANE);
  });
});
