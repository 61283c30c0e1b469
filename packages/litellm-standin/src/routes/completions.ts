import { createHash, randomUUID } from 'node:crypto';
import { ProxyError } from '../errors';
import {
  asObject,
  delay,
  type Reply,
  type RequestCtx,
  type RouteDef,
  type StandInApp,
} from '../http';
import {
  acquireRateLimits,
  checkKeyBudget,
  checkOwnerBudget,
  isFreeModel,
} from '../limits';
import {
  allowedModels,
  checkModelAccess,
  costOf,
  findModel,
  providerOf,
  unknownModel,
} from '../models';
import type { StandInModel } from '../options';
import { recordSpend } from '../spend';

/**
 * OpenAI-compatible model routes. The "LLM" is deterministic: the reply echoes the last user
 * message (or `mock_response`), and token counts are derived from text length (≈ 4 characters per
 * token, plus 3 tokens per message and 3 for reply priming, like tiktoken's chat overhead).
 */

export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

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

function requestTags(ctx: RequestCtx, body: Record<string, unknown>): string[] {
  const tags: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && v && !tags.includes(v)) tags.push(v);
  };
  const metadataTags = asObject(body.metadata).tags;
  if (Array.isArray(metadataTags)) metadataTags.forEach(add);
  const headerTags = ctx.req.headers['x-litellm-tags'];
  if (typeof headerTags === 'string')
    headerTags
      .split(',')
      .map(t => t.trim())
      .forEach(add);
  const keyTags = ctx.principal.key?.metadata?.tags;
  if (Array.isArray(keyTags)) keyTags.forEach(add);
  // LiteLLM adds User-Agent tags unless `disable_add_user_agent_to_request_tags`.
  const ua = ctx.req.headers['user-agent'];
  if (typeof ua === 'string' && ua) {
    add(`User-Agent: ${ua.split('/')[0]}`);
    add(`User-Agent: ${ua}`);
  }
  return tags;
}

function litellmHeaders(
  app: StandInApp,
  model: StandInModel,
  callId: string,
  cost: number,
  keySpend: number,
  startedAt: Date,
): Record<string, string> {
  const duration = Math.max(0, app.clock.now().getTime() - startedAt.getTime());
  return {
    'x-litellm-call-id': callId,
    'x-litellm-response-cost': String(cost),
    'x-litellm-key-spend': String(keySpend),
    'x-litellm-model-group': model.model_name,
    'x-litellm-model-id': model.model_info?.id ?? model.model_name,
    'x-litellm-model-api-base':
      model.litellm_params?.api_base ?? 'https://stand-in.invalid/v1',
    'x-litellm-version': app.options.version,
    'x-litellm-response-duration-ms': String(duration),
    'x-litellm-overhead-duration-ms': '0',
    'x-litellm-attempted-retries': '0',
    'x-litellm-attempted-fallbacks': '0',
  };
}

function currentKeySpend(ctx: RequestCtx): number {
  const { principal, app } = ctx;
  if (principal.key)
    return (
      app.state.keys.get(principal.key.token)?.spend ?? principal.key.spend
    );
  return app.state.masterSpend;
}

function badRequest(message: string): ProxyError {
  return new ProxyError(
    400,
    `litellm.BadRequestError: ${message}`,
    'invalid_request_error',
    'None',
  );
}

/** Model resolution plus the pre-call checks every model call gets. */
function preCall(ctx: RequestCtx, route: string) {
  const { app, principal } = ctx;
  const body = asObject(ctx.body);
  const model = findModel(app, body.model);
  if (!model) throw unknownModel(route, body.model);
  checkModelAccess(app, principal, model.model_name);
  // A model priced at exactly 0 skips the key, team and user budget checks (≈1.96).
  if (principal.kind === 'key' && !isFreeModel(model)) {
    checkKeyBudget(app, principal);
    checkOwnerBudget(app, principal);
  }
  return { body, model };
}

function upstreamError(
  status: number,
  message: string | undefined,
  provider: string,
) {
  return new ProxyError(
    status,
    message ??
      `litellm.InternalServerError: ${
        provider === 'anthropic' ? 'AnthropicException' : 'OpenAIException'
      } - stand-in upstream failure`,
    null,
    null,
  );
}

async function chatCompletions(ctx: RequestCtx): Promise<Reply | void> {
  const { app, principal } = ctx;
  const { body, model } = preCall(ctx, ctx.path);
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    throw badRequest(
      "Invalid 'messages': expected a non-empty array of messages.",
    );
  }
  const messages = body.messages.map(m => asObject(m));
  const lease = acquireRateLimits(app, principal);
  let handedOff = false;
  try {
    await delay(app.options.latencyMs);
    const { provider, providerModel } = providerOf(model);
    const lastUser = [...messages].reverse().find(m => m.role === 'user');
    const mock =
      typeof body.mock_response === 'string'
        ? body.mock_response
        : model.litellm_params?.mock_response;
    let text =
      mock ??
      `Stand-in reply from ${model.model_name}: ${contentText(
        lastUser?.content ?? '',
      )}`.trimEnd();
    let completionTokens = countTokens(text);
    let finishReason = 'stop';
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
    const promptTokens = promptTokensOf(messages);
    const cost = costOf(model, promptTokens, completionTokens);
    const callId = randomUUID();
    const requestId = `chatcmpl-${randomUUID()}`;
    const created = Math.floor(app.clock.now().getTime() / 1000);
    const tags = requestTags(ctx, body);
    const spendEvent = {
      principal,
      model,
      callType: 'acompletion' as const,
      requestId,
      promptTokens,
      completionTokens,
      cost: cost.total,
      inputCost: cost.input,
      outputCost: cost.output,
      endUser: ctx.endUser,
      tags,
      startTime: ctx.startedAt,
      requesterIp: ctx.req.socket.remoteAddress ?? null,
      spendLogsMetadata: asObject(body.metadata).spend_logs_metadata,
      sessionId:
        typeof body.litellm_session_id === 'string'
          ? body.litellm_session_id
          : null,
    };
    const failure = app.takeFailure(ctx.path, ['upstream-error']);
    const usage = {
      completion_tokens: completionTokens,
      prompt_tokens: promptTokens,
      total_tokens: promptTokens + completionTokens,
      completion_tokens_details: null,
      prompt_tokens_details: null,
    };
    const failWith = (f: NonNullable<typeof failure>) => {
      const status = f.mode === 'upstream-error' ? f.status ?? 500 : 500;
      const err = upstreamError(
        status,
        f.mode === 'upstream-error' ? f.message : undefined,
        provider,
      );
      recordSpend(app, {
        ...spendEvent,
        promptTokens: 0,
        completionTokens: 0,
        cost: 0,
        inputCost: 0,
        outputCost: 0,
        endTime: app.clock.now(),
        status: 'failure',
        error: {
          code: String(status),
          message: err.message,
          class: 'InternalServerError',
        },
      });
      return err;
    };

    if (body.stream !== true) {
      if (failure && failure.mode === 'upstream-error') throw failWith(failure);
      recordSpend(app, {
        ...spendEvent,
        endTime: app.clock.now(),
        status: 'success',
      });
      lease.addTokens(usage.total_tokens);
      return {
        body: {
          id: requestId,
          created,
          model: providerModel,
          object: 'chat.completion',
          system_fingerprint: null,
          choices: [
            {
              finish_reason: finishReason,
              index: 0,
              message: {
                content: text,
                role: 'assistant',
                tool_calls: null,
                function_call: null,
              },
            },
          ],
          usage,
        },
        headers: {
          ...lease.headers,
          ...litellmHeaders(
            app,
            model,
            callId,
            cost.total,
            currentKeySpend(ctx),
            ctx.startedAt,
          ),
        },
      };
    }

    // Streaming: headers go out first, so the key spend header is the spend after this call.
    const includeUsage =
      asObject(body.stream_options).include_usage === true ||
      app.options.alwaysIncludeStreamUsage;
    const res = ctx.res;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...lease.headers,
      ...litellmHeaders(
        app,
        model,
        callId,
        cost.total,
        currentKeySpend(ctx) + cost.total,
        ctx.startedAt,
      ),
    });
    res.flushHeaders();
    handedOff = true;
    let closed = false;
    res.on('close', () => {
      closed = true;
      lease.release();
    });
    const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
      id: requestId,
      created,
      model: providerModel,
      object: 'chat.completion.chunk',
      system_fingerprint: null,
      choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
    });
    const send = (obj: unknown) => {
      if (!closed) res.write(`data: ${JSON.stringify(obj)}\n\n`);
    };
    const pieces = text.match(/\s*\S+\s*/g) ?? [text];
    send(chunk({ role: 'assistant', content: '' }, null));
    const firstTokenAt = app.clock.now();
    for (let i = 0; i < pieces.length; i++) {
      if (closed) return undefined;
      if (
        failure?.mode === 'upstream-error' &&
        i >= (failure.afterChunks ?? 0)
      ) {
        failWith(failure);
        res.destroy();
        return undefined;
      }
      await delay(app.options.streamChunkDelayMs);
      send(chunk({ content: pieces[i] }, null));
    }
    if (closed) return undefined;
    send(chunk({}, finishReason));
    if (includeUsage) {
      send({
        id: requestId,
        created,
        model: providerModel,
        object: 'chat.completion.chunk',
        system_fingerprint: null,
        choices: [],
        usage,
      });
    }
    recordSpend(app, {
      ...spendEvent,
      endTime: app.clock.now(),
      completionStartTime: firstTokenAt,
      status: 'success',
    });
    lease.addTokens(usage.total_tokens);
    res.end('data: [DONE]\n\n');
    return undefined;
  } finally {
    if (!handedOff) lease.release();
  }
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
  const { app, principal } = ctx;
  const { body, model } = preCall(ctx, ctx.path);
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
  const lease = acquireRateLimits(app, principal);
  try {
    await delay(app.options.latencyMs);
    const { provider, providerModel } = providerOf(model);
    const promptTokens = texts.reduce((n, t) => n + countTokens(t), 0);
    const cost = costOf(model, promptTokens, 0);
    const requestId = randomUUID();
    const event = {
      principal,
      model,
      callType: 'aembedding' as const,
      requestId,
      promptTokens,
      completionTokens: 0,
      cost: cost.total,
      inputCost: cost.input,
      outputCost: 0,
      endUser: ctx.endUser,
      tags: requestTags(ctx, body),
      startTime: ctx.startedAt,
      requesterIp: ctx.req.socket.remoteAddress ?? null,
    };
    const failure = app.takeFailure(ctx.path, ['upstream-error']);
    if (failure?.mode === 'upstream-error') {
      const err = upstreamError(
        failure.status ?? 500,
        failure.message,
        provider,
      );
      recordSpend(app, {
        ...event,
        promptTokens: 0,
        cost: 0,
        inputCost: 0,
        endTime: app.clock.now(),
        status: 'failure',
        error: {
          code: String(err.status),
          message: err.message,
          class: 'InternalServerError',
        },
      });
      throw err;
    }
    recordSpend(app, { ...event, endTime: app.clock.now(), status: 'success' });
    lease.addTokens(promptTokens);
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
        model: providerModel,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      },
      headers: {
        ...lease.headers,
        ...litellmHeaders(
          app,
          model,
          randomUUID(),
          cost.total,
          currentKeySpend(ctx),
          ctx.startedAt,
        ),
      },
    };
  } finally {
    lease.release();
  }
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
