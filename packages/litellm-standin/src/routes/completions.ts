import { createHash, randomUUID } from 'node:crypto';
import {
  asObject,
  type Reply,
  type RequestCtx,
  type RouteDef,
  type StandInApp,
} from '../http';
import {
  badRequest,
  type CallSpec,
  countTokens,
  preCall,
  runModelCall,
} from '../modelCall';
import { allowedModels, costOf, providerOf } from '../models';
import type { StandInModel } from '../options';
import { SseStream } from '../sse';

/**
 * OpenAI-compatible model routes. The "LLM" is deterministic: the reply echoes the last user
 * message or the prompt (or `mock_response`), and token counts are derived from text length
 * (≈ 4 characters per token, plus for chat 3 tokens per message and 3 for reply priming, like
 * tiktoken's chat overhead).
 */

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map(part => {
        const p = asObject(part);
        return typeof p.text === 'string' ? p.text : '';
      })
      .join('');
  }
  return content === null || content === undefined
    ? ''
    : JSON.stringify(content);
}

function promptTokensOf(messages: Record<string, unknown>[]): number {
  return messages.reduce(
    (n, m) => n + 3 + countTokens(contentText(m.content)),
    3,
  );
}

const MAX_MOCK_STREAM_CHUNKS = 100_000;

/**
 * Canned reply text, first match wins: request `mock_response`; request `mock_stream_chunks` or
 * the `mockStreamChunks` switch (`chunk-1 chunk-2 … chunk-N`, one SSE content chunk per word);
 * the model's `litellm_params.mock_response`. `undefined` = echo.
 */
function mockText(
  app: StandInApp,
  model: StandInModel,
  body: Record<string, unknown>,
): string | undefined {
  if (typeof body.mock_response === 'string') return body.mock_response;
  const requested = body.mock_stream_chunks;
  if (
    requested !== undefined &&
    !(
      Number.isInteger(requested) &&
      (requested as number) > 0 &&
      (requested as number) <= MAX_MOCK_STREAM_CHUNKS
    )
  ) {
    throw badRequest(
      `Invalid 'mock_stream_chunks': expected an integer from 1 to ${MAX_MOCK_STREAM_CHUNKS}.`,
    );
  }
  const chunks = Math.floor(
    (requested as number | undefined) ?? app.options.mockStreamChunks,
  );
  if (chunks > 0) {
    return Array.from({ length: chunks }, (_, i) => `chunk-${i + 1}`).join(' ');
  }
  return model.litellm_params?.mock_response;
}

interface FakeChoice {
  text: string;
  completionTokens: number;
  finishReason: 'stop' | 'length';
}

/** One reply: the canned text or `echo`, cut to `max_tokens` (`finish_reason: "length"`). */
function fakeChoice(
  app: StandInApp,
  model: StandInModel,
  body: Record<string, unknown>,
  echo: string,
): FakeChoice {
  let text =
    mockText(app, model, body) ??
    `Stand-in reply from ${model.model_name}: ${echo}`.trimEnd();
  let completionTokens = countTokens(text);
  let finishReason: FakeChoice['finishReason'] = 'stop';
  const maxTokens = Number(body.max_completion_tokens ?? body.max_tokens);
  if (
    Number.isFinite(maxTokens) &&
    maxTokens > 0 &&
    completionTokens > maxTokens
  ) {
    text = text.slice(0, maxTokens * 4);
    completionTokens = maxTokens;
    finishReason = 'length';
  }
  return { text, completionTokens, finishReason };
}

/** What one response or chunk is about. */
interface CompletionHeader {
  id: string;
  created: number;
  model: string;
}

/** Chat and text completions differ only in their call type and JSON shapes. */
interface CompletionFormat {
  callType: 'acompletion' | 'atext_completion';
  idPrefix: string;
  /** The non-stream response. */
  response(
    h: CompletionHeader,
    choices: FakeChoice[],
    usage: Record<string, number>,
  ): unknown;
  /** A content chunk, or the closing chunk of a choice when `finish` is set (`text` = ''). */
  chunk(
    h: CompletionHeader,
    index: number,
    text: string,
    finish: string | null,
  ): unknown;
  /** Sent before the content (chat: the `role: "assistant"` delta). */
  opening?(h: CompletionHeader): unknown;
  /** The `choices: []` chunk carrying `usage`. */
  usageChunk(h: CompletionHeader, usage: Record<string, number>): unknown;
}

/**
 * Non-stream: one JSON reply. Stream: SSE, one content chunk per word (`streamChunkDelayMs` before
 * each), a closing chunk per choice, the usage chunk when `stream_options.include_usage` or
 * `always_include_stream_usage`, then `[DONE]`. A stream the client abandons is not charged.
 */
async function complete(
  ctx: RequestCtx,
  model: StandInModel,
  body: Record<string, unknown>,
  promptTokens: number,
  choices: FakeChoice[],
  format: CompletionFormat,
): Promise<Reply | void> {
  const { app } = ctx;
  const completionTokens = choices.reduce((n, c) => n + c.completionTokens, 0);
  const spec: CallSpec = {
    callType: format.callType,
    requestId: `${format.idPrefix}-${randomUUID()}`,
    promptTokens,
    completionTokens,
    cost: costOf(model, promptTokens, completionTokens),
  };
  const usage = {
    completion_tokens: completionTokens,
    prompt_tokens: promptTokens,
    total_tokens: promptTokens + completionTokens,
  };
  return runModelCall(ctx, model, body, spec, async call => {
    const h: CompletionHeader = {
      id: spec.requestId,
      created: Math.floor(app.clock.now().getTime() / 1000),
      model: call.providerModel,
    };
    if (body.stream !== true) {
      if (call.failure) throw call.fail();
      call.succeed();
      return {
        body: format.response(h, choices, usage),
        headers: call.headers(),
      };
    }

    // Streaming: headers go out first, so the key spend header is the spend after this call.
    const includeUsage =
      asObject(body.stream_options).include_usage === true ||
      app.options.alwaysIncludeStreamUsage;
    const sse = new SseStream(ctx.res, app.state.streams, call.headers(true));
    if (format.opening) sse.send(format.opening(h));
    const firstTokenAt = app.clock.now();
    let sent = 0;
    for (let index = 0; index < choices.length; index++) {
      const text = choices[index].text;
      for (const piece of text.match(/\s*\S+\s*/g) ?? [text]) {
        if (!sse.open) return undefined;
        if (call.failure && sent >= (call.failure.afterChunks ?? 0)) {
          call.fail();
          sse.fail();
          return undefined;
        }
        await sse.pause(app.options.streamChunkDelayMs);
        sse.send(format.chunk(h, index, piece, null));
        sent += 1;
      }
    }
    if (!sse.open) return undefined;
    choices.forEach((c, index) =>
      sse.send(format.chunk(h, index, '', c.finishReason)),
    );
    if (includeUsage) sse.send(format.usageChunk(h, usage));
    call.succeed(firstTokenAt);
    sse.end();
    return undefined;
  });
}

/** Chat usage carries the (empty) token detail objects. */
function chatUsage(usage: Record<string, number>) {
  return {
    ...usage,
    completion_tokens_details: null,
    prompt_tokens_details: null,
  };
}

function chatChunk(
  h: CompletionHeader,
  delta: Record<string, unknown>,
  finish: string | null,
) {
  return {
    ...h,
    object: 'chat.completion.chunk',
    system_fingerprint: null,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  };
}

const CHAT: CompletionFormat = {
  callType: 'acompletion',
  idPrefix: 'chatcmpl',
  response: (h, [c], usage) => ({
    ...h,
    object: 'chat.completion',
    system_fingerprint: null,
    choices: [
      {
        finish_reason: c.finishReason,
        index: 0,
        message: {
          content: c.text,
          role: 'assistant',
          tool_calls: null,
          function_call: null,
        },
      },
    ],
    usage: chatUsage(usage),
  }),
  opening: h => chatChunk(h, { role: 'assistant', content: '' }, null),
  chunk: (h, _index, text, finish) =>
    chatChunk(h, finish === null ? { content: text } : {}, finish),
  usageChunk: (h, usage) => ({
    ...h,
    object: 'chat.completion.chunk',
    system_fingerprint: null,
    choices: [],
    usage: chatUsage(usage),
  }),
};

const TEXT: CompletionFormat = {
  callType: 'atext_completion',
  idPrefix: 'cmpl',
  response: (h, choices, usage) => ({
    ...h,
    object: 'text_completion',
    system_fingerprint: null,
    choices: choices.map((c, index) => ({
      text: c.text,
      index,
      logprobs: null,
      finish_reason: c.finishReason,
    })),
    usage,
  }),
  chunk: (h, index, text, finish) => ({
    ...h,
    object: 'text_completion',
    choices: [{ text, index, logprobs: null, finish_reason: finish }],
  }),
  usageChunk: (h, usage) => ({
    ...h,
    object: 'text_completion',
    choices: [],
    usage,
  }),
};

async function chatCompletions(ctx: RequestCtx): Promise<Reply | void> {
  const { body, model } = preCall(ctx);
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw badRequest(
      "Invalid 'messages': expected a non-empty array of messages.",
    );
  }
  const messages = body.messages.map(m => asObject(m));
  const lastUser = [...messages].reverse().find(m => m.role === 'user');
  const choice = fakeChoice(
    ctx.app,
    model,
    body,
    contentText(lastUser?.content ?? ''),
  );
  return complete(ctx, model, body, promptTokensOf(messages), [choice], CHAT);
}

/**
 * Legacy `/completions`: `prompt` is a string or a list of strings (one choice per prompt, like
 * OpenAI). Prompt tokens ≈ `ceil(chars / 4)` per prompt, no message overhead.
 */
async function textCompletions(ctx: RequestCtx): Promise<Reply | void> {
  const { body, model } = preCall(ctx);
  const prompt = body.prompt;
  let prompts: string[];
  if (typeof prompt === 'string') prompts = [prompt];
  else if (
    Array.isArray(prompt) &&
    prompt.length > 0 &&
    prompt.every(p => typeof p === 'string')
  )
    prompts = prompt as string[];
  else
    throw badRequest(
      "Invalid 'prompt': expected a string or a non-empty array of strings.",
    );
  const choices = prompts.map(p => fakeChoice(ctx.app, model, body, p));
  return complete(
    ctx,
    model,
    body,
    prompts.reduce((n, p) => n + countTokens(p), 0),
    choices,
    TEXT,
  );
}

/** Deterministic unit vector from the text (same input → same vector). */
function fakeEmbedding(
  modelName: string,
  text: string,
  dims: number,
): number[] {
  const values: number[] = [];
  let counter = 0;
  while (values.length < dims) {
    const digest = createHash('sha256')
      .update(`${modelName}\u0000${counter++}\u0000${text}`)
      .digest();
    for (let i = 0; i + 1 < digest.length && values.length < dims; i += 2) {
      values.push(digest.readUInt16BE(i) / 32767.5 - 1);
    }
  }
  const norm = Math.sqrt(values.reduce((s, v) => s + v * v, 0)) || 1;
  return values.map(v => Number((v / norm).toFixed(8)));
}

async function embeddings(ctx: RequestCtx): Promise<Reply> {
  const { body, model } = preCall(ctx);
  const input = body.input;
  let texts: string[];
  if (typeof input === 'string') texts = [input];
  else if (Array.isArray(input) && input.length > 0) {
    texts = input.map(i => (typeof i === 'string' ? i : JSON.stringify(i)));
  } else
    throw badRequest(
      "Invalid 'input': expected a string or a non-empty array.",
    );
  const dims =
    Number.isInteger(body.dimensions) && (body.dimensions as number) > 0
      ? Math.min(body.dimensions as number, 4096)
      : 16;
  const promptTokens = texts.reduce((n, t) => n + countTokens(t), 0);
  const spec: CallSpec = {
    callType: 'aembedding',
    requestId: randomUUID(),
    promptTokens,
    completionTokens: 0,
    cost: costOf(model, promptTokens, 0),
  };
  return runModelCall(ctx, model, body, spec, call => {
    if (call.failure) throw call.fail();
    call.succeed();
    const asBase64 = body.encoding_format === 'base64';
    return {
      body: {
        object: 'list',
        data: texts.map((t, index) => {
          const vector = fakeEmbedding(model.model_name, t, dims);
          return {
            object: 'embedding',
            index,
            embedding: asBase64
              ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
              : vector,
          };
        }),
        model: call.providerModel,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      },
      headers: call.headers(),
    };
  });
}

function listModels(ctx: RequestCtx): Reply {
  const models = allowedModels(ctx.app, ctx.principal);
  return {
    body: {
      data: models.map(m => ({
        id: m.model_name,
        object: 'model',
        created: 1677610602,
        owned_by: 'openai',
      })),
      object: 'list',
    },
  };
}

function modelInfo(ctx: RequestCtx): Reply {
  const { app, principal } = ctx;
  const models = allowedModels(app, principal);
  const wanted = ctx.query.get('litellm_model_id');
  return {
    body: {
      data: models
        .filter(m => !wanted || m.model_info?.id === wanted)
        .map(m => {
          const { provider, providerModel } = providerOf(m);
          const info = m.model_info ?? {};
          return {
            model_name: m.model_name,
            litellm_params: {
              model: m.litellm_params?.model ?? `openai/${m.model_name}`,
              ...(m.litellm_params?.api_base
                ? { api_base: m.litellm_params.api_base }
                : {}),
            },
            model_info: {
              ...info,
              id: info.id ?? m.model_name,
              db_model: false,
              key: providerModel,
              litellm_provider: provider,
              mode: info.mode ?? 'chat',
              input_cost_per_token: info.input_cost_per_token ?? 0,
              output_cost_per_token: info.output_cost_per_token ?? 0,
              max_tokens: info.max_tokens ?? null,
              max_input_tokens: info.max_input_tokens ?? null,
              max_output_tokens: info.max_output_tokens ?? null,
              access_groups: info.access_groups ?? [],
            },
          };
        }),
    },
  };
}

export const completionRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: '/chat/completions',
    access: 'llm',
    handler: chatCompletions,
  },
  {
    method: 'POST',
    path: '/v1/chat/completions',
    access: 'llm',
    handler: chatCompletions,
  },
  {
    method: 'POST',
    path: '/completions',
    access: 'llm',
    handler: textCompletions,
  },
  {
    method: 'POST',
    path: '/v1/completions',
    access: 'llm',
    handler: textCompletions,
  },
  { method: 'POST', path: '/embeddings', access: 'llm', handler: embeddings },
  {
    method: 'POST',
    path: '/v1/embeddings',
    access: 'llm',
    handler: embeddings,
  },
  { method: 'GET', path: '/models', access: 'llm-info', handler: listModels },
  {
    method: 'GET',
    path: '/v1/models',
    access: 'llm-info',
    handler: listModels,
  },
  {
    method: 'GET',
    path: '/model/info',
    access: 'llm-info',
    handler: modelInfo,
  },
  {
    method: 'GET',
    path: '/v1/model/info',
    access: 'llm-info',
    handler: modelInfo,
  },
];
