import { randomUUID } from 'node:crypto';
import { ProxyError } from './errors';
import { asObject, delay, type RequestCtx } from './http';
import {
  acquireRateLimits,
  checkKeyBudget,
  checkOwnerBudget,
  type RateLease,
} from './limits';
import {
  checkModelAccess,
  findModel,
  isFreeModel,
  providerOf,
  unknownModel,
} from './models';
import type { FailureMode, StandInModel } from './options';
import { type CallType, recordSpend, type SpendEvent } from './spend';

/**
 * What every model route shares (chat and text completions, embeddings, images, audio): model
 * resolution and pre-call checks, the rate-limit lease and latency, injected upstream failures,
 * the SpendLogs row and LiteLLM's response headers.
 */

export function countTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function parseIfString(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

export function requestTags(
  ctx: RequestCtx,
  body: Record<string, unknown>,
): string[] {
  const tags: string[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string' && v && !tags.includes(v)) tags.push(v);
  };
  // As LiteLLM reads them: body `tags`, and `tags` of `litellm_metadata` when
  // the body has that field, else of `metadata`; either may be a JSON string.
  if (Array.isArray(body.tags)) body.tags.forEach(add);
  const metadataTags = asObject(
    parseIfString(
      'litellm_metadata' in body ? body.litellm_metadata : body.metadata,
    ),
  ).tags;
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
  ctx: RequestCtx,
  model: StandInModel,
  callId: string,
  /** Undefined: not known yet (streams), so no header. */
  cost: number | undefined,
  keySpend: number,
): Record<string, string> {
  const { app, startedAt } = ctx;
  const duration = Math.max(0, app.clock.now().getTime() - startedAt.getTime());
  return {
    'x-litellm-call-id': callId,
    ...(cost === undefined ? {} : { 'x-litellm-response-cost': String(cost) }),
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

export function badRequest(message: string): ProxyError {
  return new ProxyError(
    400,
    `litellm.BadRequestError: ${message}`,
    'invalid_request_error',
    'None',
  );
}

/**
 * Model resolution plus the pre-call checks every model call gets. `body` defaults to the JSON
 * body; multipart routes pass their form fields.
 */
export function preCall(
  ctx: RequestCtx,
  body: Record<string, unknown> = asObject(ctx.body),
) {
  const { app, principal } = ctx;
  const model = findModel(app, body.model);
  if (!model) throw unknownModel(ctx.path, body.model);
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

/** What one call is billed: the figures of its SpendLogs row. */
export interface CallSpec {
  callType: CallType;
  requestId: string;
  promptTokens: number;
  completionTokens: number;
  cost: { input: number; output: number; total: number };
}

export type UpstreamFailure = Extract<FailureMode, { mode: 'upstream-error' }>;

export interface ModelCall {
  model: StandInModel;
  spec: CallSpec;
  /** `x-litellm-call-id`. */
  callId: string;
  providerModel: string;
  lease: RateLease;
  /** The `upstream-error` failure injected for this call (already consumed), if any. */
  failure: UpstreamFailure | null;
  /** Writes a `status: "failure"` SpendLogs row (no spend) and returns the error to answer. */
  fail(): ProxyError;
  /** Records the spend and its SpendLogs row, and counts the tokens against `tpm_limit`. */
  succeed(completionStartTime?: Date): void;
  /**
   * Rate-limit and `x-litellm-*` headers. `x-litellm-key-spend` is the key spend after the call,
   * also when the headers go out before `succeed()` (`streaming`). A stream's headers carry no
   * `x-litellm-response-cost`: LiteLLM sends them before the cost is known and drops the empty
   * value.
   */
  headers(streaming?: boolean): Record<string, string>;
}

/**
 * Runs one billed model call: takes the rate-limit lease (released when `run` settles, so a
 * stream holds it until it ends or the client goes away), waits `latencyMs`, and consumes an
 * injected `upstream-error` failure for this route.
 */
export async function runModelCall<T>(
  ctx: RequestCtx,
  model: StandInModel,
  body: Record<string, unknown>,
  spec: CallSpec,
  run: (call: ModelCall) => Promise<T> | T,
): Promise<T> {
  const { app, principal } = ctx;
  const lease = acquireRateLimits(app, principal);
  try {
    await delay(app.options.latencyMs);
    const { provider, providerModel } = providerOf(model);
    const event: Omit<SpendEvent, 'endTime' | 'status'> = {
      principal,
      model,
      callType: spec.callType,
      requestId: spec.requestId,
      promptTokens: spec.promptTokens,
      completionTokens: spec.completionTokens,
      cost: spec.cost.total,
      inputCost: spec.cost.input,
      outputCost: spec.cost.output,
      endUser: ctx.endUser,
      tags: requestTags(ctx, body),
      startTime: ctx.startedAt,
      requesterIp: ctx.req.socket.remoteAddress ?? null,
      spendLogsMetadata: asObject(body.metadata).spend_logs_metadata,
      sessionId:
        typeof body.litellm_session_id === 'string'
          ? body.litellm_session_id
          : null,
    };
    const failure = app.takeFailure(ctx.path, ['upstream-error']);
    const callId = randomUUID();
    return await run({
      model,
      spec,
      callId,
      providerModel,
      lease,
      failure: failure?.mode === 'upstream-error' ? failure : null,
      fail() {
        const f = failure?.mode === 'upstream-error' ? failure : undefined;
        const err = upstreamError(f?.status ?? 500, f?.message, provider);
        recordSpend(app, {
          ...event,
          promptTokens: 0,
          completionTokens: 0,
          cost: 0,
          inputCost: 0,
          outputCost: 0,
          endTime: app.clock.now(),
          status: 'failure',
          error: {
            code: String(err.status),
            message: err.message,
            class: 'InternalServerError',
          },
        });
        return err;
      },
      succeed(completionStartTime) {
        recordSpend(app, {
          ...event,
          endTime: app.clock.now(),
          completionStartTime,
          status: 'success',
        });
        lease.addTokens(spec.promptTokens + spec.completionTokens);
      },
      headers(streaming = false) {
        return {
          ...lease.headers,
          ...litellmHeaders(
            ctx,
            model,
            callId,
            streaming ? undefined : spec.cost.total,
            currentKeySpend(ctx) + (streaming ? spec.cost.total : 0),
          ),
        };
      },
    });
  } finally {
    lease.release();
  }
}
