import { createHash } from 'node:crypto';
import { Dispatcher, request } from 'undici';
import { z } from 'zod';
import {
  BudgetExceededError,
  LiteLlmAlreadyExistsError,
  LiteLlmBadGatewayError,
  LiteLlmCall,
  LiteLlmNotFoundError,
  describeCall,
  liteLlmUnavailable,
  sanitize,
} from './errors';

/* ------------------------------------------------------------------------ */
/* Response schemas: only the fields the portal reads are checked; the rest  */
/* passes through, so a newer LiteLLM adding fields does not break us.       */
/* ------------------------------------------------------------------------ */

const num = z.number().finite();
const optionalString = z.string().nullable().optional();

export const liteLlmUserRowSchema = z
  .object({
    user_id: z.string().nullable().optional(),
    user_email: optionalString,
    user_alias: optionalString,
    user_role: optionalString,
    spend: num.nullable().optional(),
    max_budget: num.nullable().optional(),
    budget_duration: optionalString,
    budget_reset_at: optionalString,
    metadata: z.record(z.unknown()).nullable().optional(),
  })
  .passthrough();
export type LiteLlmUserRow = z.infer<typeof liteLlmUserRowSchema>;

const keyRowSchema = z
  .object({
    token: optionalString,
    key_alias: optionalString,
    key_name: optionalString,
    user_id: optionalString,
    spend: num.nullable().optional(),
    max_budget: num.nullable().optional(),
  })
  .passthrough();
export type LiteLlmKeyRow = z.infer<typeof keyRowSchema>;

const userInfoSchema = z
  .object({
    user_id: z.string().nullable().optional(),
    user_info: liteLlmUserRowSchema.nullable().optional(),
    keys: z.array(keyRowSchema).nullable().optional(),
  })
  .passthrough();

export interface LiteLlmUserInfo {
  userId: string;
  user: LiteLlmUserRow;
  /** Null when LiteLLM did not list the user's keys. */
  keys: LiteLlmKeyRow[] | null;
}

const newUserSchema = z
  .object({
    user_id: z.string(),
    key: z.string().nullable().optional(),
    max_budget: num.nullable().optional(),
    budget_duration: optionalString,
  })
  .passthrough();
export type LiteLlmNewUserResponse = z.infer<typeof newUserSchema>;

const generateKeySchema = z
  .object({
    key: z.string().startsWith('sk-'),
    token: optionalString,
    token_id: optionalString,
    key_alias: optionalString,
    key_name: optionalString,
    user_id: optionalString,
    expires: optionalString,
  })
  .passthrough();

export interface LiteLlmGeneratedKey {
  /** The raw key: returned once, never logged. */
  key: string;
  /** SHA-256 hex of the key, LiteLLM's `token`. */
  tokenHash: string;
  keyAlias?: string;
  expires?: string | null;
}

const keyInfoSchema = z
  .object({ key: z.string().optional(), info: keyRowSchema.passthrough() })
  .passthrough();

const deleteKeysSchema = z
  .object({ deleted_keys: z.array(z.unknown()) })
  .passthrough();

const listKeysSchema = z
  .object({
    keys: z.array(z.union([z.string(), keyRowSchema])),
    total_count: num.nullable().optional(),
    current_page: num.nullable().optional(),
    total_pages: num.nullable().optional(),
  })
  .passthrough();
export type LiteLlmKeyList = z.infer<typeof listKeysSchema>;

const modelInfoSchema = z
  .object({
    data: z.array(
      z
        .object({
          model_name: z.string(),
          model_info: z.record(z.unknown()).nullable().optional(),
        })
        .passthrough(),
    ),
  })
  .passthrough();
export type LiteLlmModelInfo = z.infer<typeof modelInfoSchema>;

const metricsSchema = z
  .object({
    spend: num.optional(),
    prompt_tokens: num.optional(),
    completion_tokens: num.optional(),
    total_tokens: num.optional(),
    api_requests: num.optional(),
    successful_requests: num.optional(),
    failed_requests: num.optional(),
  })
  .passthrough();

const dailyActivitySchema = z
  .object({
    results: z.array(
      z
        .object({
          date: z.string(),
          metrics: metricsSchema,
          breakdown: z.record(z.unknown()).optional(),
        })
        .passthrough(),
    ),
    metadata: z
      .object({
        total_spend: num.optional(),
        page: num.optional(),
        total_pages: num.optional(),
        has_more: z.boolean().optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();
export type LiteLlmDailyActivity = z.infer<typeof dailyActivitySchema>;

const spendLogsSchema = z
  .object({
    data: z.array(
      z
        .object({
          request_id: z.string(),
          api_key: optionalString,
          spend: num.nullable().optional(),
          model: optionalString,
          user: optionalString,
          startTime: optionalString,
        })
        .passthrough(),
    ),
    total: num.optional(),
    page: num.optional(),
    page_size: num.optional(),
    total_pages: num.optional(),
  })
  .passthrough();
export type LiteLlmSpendLogs = z.infer<typeof spendLogsSchema>;

/* ------------------------------------------------------------------------ */

/** The SHA-256 hex digest LiteLLM uses to identify a key (`token`). */
export function hashLiteLlmKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface LiteLlmClientOptions {
  /** Admin API base URL, e.g. `http://litellm:4000`. */
  baseUrl: string;
  /** The master key. Sent only in `x-litellm-api-key`, never logged. */
  masterKey: string;
  /** Per-attempt timeout; default 10 s. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls (GET); default 2. */
  retries?: number;
  /** First backoff delay; doubled per attempt (with jitter). Default 200 ms. */
  retryBaseDelayMs?: number;
  /**
   * The undici dispatcher the calls go through; default undici's global one
   * (the one `fetch` uses, so a proxy agent set with `setGlobalDispatcher`
   * applies). Tests compose it with interceptors or script it (MockAgent).
   */
  dispatcher?: Dispatcher;
}

interface RequestOptions<T> {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  signal?: AbortSignal;
}

const MAX_MESSAGE = 300;

/**
 * Statuses of a proxy in front of LiteLLM answering for it (or LiteLLM
 * overloaded): retried for idempotent calls, then "unavailable" (503).
 */
const PROXY_FAILURE_STATUS: ReadonlySet<number> = new Set([502, 503, 504]);

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

function networkReason(error: unknown): string {
  // The socket's error code: on the error itself, or on its cause.
  const failure = error as { code?: string; cause?: { code?: string } };
  const code = failure?.code ?? failure?.cause?.code;
  if (code === 'ECONNREFUSED') return 'refused the connection';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return 'could not be found (DNS)';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')
    return 'closed the connection';
  return `could not be reached${code ? ` (${code})` : ''}`;
}

/**
 * LiteLLM's error envelope, `{detail}` (FastAPI) or a bare string.
 * `missingRoute`: FastAPI's body for a path without a route,
 * `{"detail":"Not Found"}`, not LiteLLM saying "no such user or key".
 */
function parseErrorBody(text: string): {
  message: string;
  type?: string;
  param?: string;
  missingRoute?: boolean;
} {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, MAX_MESSAGE) || '(empty body)' };
  }
  const stringify = (v: unknown) =>
    typeof v === 'string' ? v : JSON.stringify(v);
  if (body && typeof body === 'object') {
    const { error, detail } = body as { error?: unknown; detail?: unknown };
    if (error && typeof error === 'object') {
      const e = error as { message?: unknown; type?: unknown; param?: unknown };
      return {
        message: stringify(e.message ?? error),
        type: typeof e.type === 'string' ? e.type : undefined,
        param:
          typeof e.param === 'string' && e.param !== 'None'
            ? e.param
            : undefined,
      };
    }
    if (error !== undefined) return { message: stringify(error) };
    if (detail === 'Not Found' && Object.keys(body).length === 1) {
      return { message: detail, missingRoute: true };
    }
    if (detail !== undefined) {
      if (detail && typeof detail === 'object' && 'error' in detail) {
        return { message: stringify((detail as { error: unknown }).error) };
      }
      return { message: stringify(detail) };
    }
  }
  return { message: stringify(body) };
}

/**
 * Typed client for the LiteLLM admin API (reference/litellm.md). Every call
 * authenticates with the master key; failures become errors the Backstage
 * error handler maps to sensible statuses (503 unreachable/slow, 502
 * anything unexpected, 429 budget exceeded) with key material removed.
 */
export class LiteLlmClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  private readonly masterKey: string;
  private readonly retries: number;
  private readonly retryBaseDelayMs: number;
  private readonly dispatcher?: Dispatcher;

  constructor(options: LiteLlmClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.masterKey = options.masterKey;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = Math.max(0, options.retries ?? 2);
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 200;
    this.dispatcher = options.dispatcher;
  }

  /* ----------------------------- users ---------------------------------- */

  /** `GET /user/info`; undefined when LiteLLM does not know the user. */
  async getUserInfo(userId: string): Promise<LiteLlmUserInfo | undefined> {
    try {
      const res = await this.request({
        method: 'GET',
        path: '/user/info',
        query: { user_id: userId },
        schema: userInfoSchema,
      });
      // Some releases answer 200 with user_info null for an unknown id.
      if (!res.user_info) return undefined;
      return {
        userId: res.user_info.user_id ?? res.user_id ?? userId,
        user: res.user_info,
        keys: res.keys ?? null,
      };
    } catch (error) {
      if (error instanceof LiteLlmNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * `POST /user/new`. A duplicate id or e-mail rejects with
   * {@link LiteLlmAlreadyExistsError} (409, or 400 on older releases). Older
   * releases answer a duplicate id with a silent 200 that leaves the row
   * unchanged: callers re-read with {@link getUserInfo}.
   */
  async newUser(body: {
    user_id: string;
    user_email?: string;
    user_alias?: string;
    user_role?: 'internal_user';
    max_budget?: number;
    budget_duration?: string;
    auto_create_key: false;
    metadata?: Record<string, unknown>;
  }): Promise<LiteLlmNewUserResponse> {
    return this.request({
      method: 'POST',
      path: '/user/new',
      body,
      schema: newUserSchema,
    });
  }

  /**
   * `POST /user/update`. LiteLLM skips `null`, `[]`, `{}`, `0` and `false`,
   * so a budget of 0 cannot be written here (see KeyProvisioner).
   */
  async updateUser(body: {
    user_id: string;
    max_budget?: number;
    budget_duration?: string;
    user_email?: string;
    user_alias?: string;
  }): Promise<void> {
    await this.request({
      method: 'POST',
      path: '/user/update',
      body,
      schema: z.unknown(),
    });
  }

  /* ------------------------------ keys ---------------------------------- */

  /**
   * `POST /key/generate`. Never send top-level `tags` (Enterprise only: 500
   * on OSS); tags go in `metadata.tags`. A duplicate alias rejects with
   * {@link LiteLlmAlreadyExistsError} (`param: 'key_alias'`).
   */
  async generateKey(body: {
    key_alias: string;
    user_id: string;
    max_budget?: number;
    metadata?: Record<string, unknown>;
    models?: string[];
    duration?: string | null;
  }): Promise<LiteLlmGeneratedKey> {
    const res = await this.request({
      method: 'POST',
      path: '/key/generate',
      body,
      schema: generateKeySchema,
    });
    return {
      key: res.key,
      tokenHash: res.token || res.token_id || hashLiteLlmKey(res.key),
      keyAlias: res.key_alias ?? undefined,
      expires: res.expires,
    };
  }

  /**
   * `POST /key/update` of the key with this alias. Unlike `/user/update`,
   * LiteLLM applies what is sent, `0` and `null` included.
   */
  async updateKey(body: {
    key_alias: string;
    max_budget: number | null;
  }): Promise<void> {
    await this.request({
      method: 'POST',
      path: '/key/update',
      body,
      schema: z.unknown(),
    });
  }

  /** `GET /key/info`; undefined for an unknown key. `key` may be the hash. */
  async getKeyInfo(key: string): Promise<LiteLlmKeyRow | undefined> {
    try {
      const res = await this.request({
        method: 'GET',
        path: '/key/info',
        query: { key },
        schema: keyInfoSchema,
      });
      return res.info;
    } catch (error) {
      if (error instanceof LiteLlmNotFoundError) return undefined;
      throw error;
    }
  }

  /**
   * `POST /key/delete` by keys (raw or hash) or by aliases. Returns what
   * LiteLLM deleted; "No keys found" (404) is an empty list, not an error.
   */
  async deleteKeys(
    selector: { keys: string[] } | { key_aliases: string[] },
  ): Promise<unknown[]> {
    try {
      const res = await this.request({
        method: 'POST',
        path: '/key/delete',
        body: selector,
        schema: deleteKeysSchema,
      });
      return res.deleted_keys;
    } catch (error) {
      if (error instanceof LiteLlmNotFoundError) return [];
      throw error;
    }
  }

  /** `GET /key/list` (one page; `size` ≤ 100). */
  async listKeys(query: {
    user_id?: string;
    key_alias?: string;
    page?: number;
    size?: number;
    return_full_object?: boolean;
  }): Promise<LiteLlmKeyList> {
    return this.request({
      method: 'GET',
      path: '/key/list',
      query,
      schema: listKeysSchema,
    });
  }

  /* --------------------------- models, spend ---------------------------- */

  /** `GET /model/info`. */
  async getModelInfo(): Promise<LiteLlmModelInfo> {
    return this.request({
      method: 'GET',
      path: '/model/info',
      schema: modelInfoSchema,
    });
  }

  /**
   * `GET /user/daily/activity` (dates `YYYY-MM-DD`, both required). A page
   * is a slice of LiteLLM's daily rows (one per date, user, key, model, …;
   * newest date first): one date can continue on the next page, and
   * `metadata.total_*` cover this page only. Sum over every page.
   */
  async getUserDailyActivity(query: {
    start_date: string;
    end_date: string;
    user_id?: string;
    page?: number;
    page_size?: number;
  }): Promise<LiteLlmDailyActivity> {
    return this.request({
      method: 'GET',
      path: '/user/daily/activity',
      query,
      schema: dailyActivitySchema,
    });
  }

  /** `GET /spend/logs/v2` (both dates required; `api_key` is the hash). */
  async getSpendLogs(query: {
    start_date: string;
    end_date: string;
    user_id?: string;
    api_key?: string;
    end_user?: string;
    page?: number;
    page_size?: number;
  }): Promise<LiteLlmSpendLogs> {
    return this.request({
      method: 'GET',
      path: '/spend/logs/v2',
      query,
      schema: spendLogsSchema,
    });
  }

  /* ----------------------------- transport ------------------------------ */

  private async request<T>(options: RequestOptions<T>): Promise<T> {
    const call: LiteLlmCall = { method: options.method, path: options.path };
    const url = new URL(`${this.baseUrl}${options.path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    // Only idempotent reads are retried: a POST that timed out may still
    // have been applied (callers repair that through deterministic aliases).
    const attempts = options.method === 'GET' ? this.retries + 1 : 1;

    const body =
      options.body !== undefined ? JSON.stringify(options.body) : undefined;
    const headers = {
      'x-litellm-api-key': `Bearer ${this.masterKey}`,
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    };

    // undici's request, not fetch: a fraction of the CPU per call (no
    // WHATWG Request, Response or stream objects), which is what a burst of
    // first-time employees queues on.
    for (let attempt = 1; ; attempt++) {
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const signal = options.signal
        ? AbortSignal.any([timeout, options.signal])
        : timeout;
      let response: Dispatcher.ResponseData;
      try {
        response = await request(url, {
          method: options.method,
          headers,
          body,
          signal,
          dispatcher: this.dispatcher,
        });
      } catch (error) {
        const name = (error as Error)?.name;
        if (name === 'TimeoutError') {
          // Not retried: a server that is too slow once is likely to be slow
          // again, and retrying would multiply the wait in the browser.
          throw liteLlmUnavailable(
            call,
            `did not answer within ${formatSeconds(this.timeoutMs)}`,
          );
        }
        if (name === 'AbortError') throw error;
        if (attempt < attempts) {
          await this.backoff(attempt);
          continue;
        }
        throw liteLlmUnavailable(call, networkReason(error));
      }

      let text: string;
      try {
        text = await response.body.text();
      } catch (error) {
        if ((error as Error)?.name === 'TimeoutError') {
          throw liteLlmUnavailable(
            call,
            `did not answer within ${formatSeconds(this.timeoutMs)}`,
          );
        }
        throw liteLlmUnavailable(call, networkReason(error));
      }

      const status = response.statusCode;
      if (status < 200 || status >= 300) {
        if (PROXY_FAILURE_STATUS.has(status) && attempt < attempts) {
          await this.backoff(attempt);
          continue;
        }
        throw this.toError(call, response, text);
      }
      return this.parse(call, text, options.schema);
    }
  }

  private parse<T>(
    call: LiteLlmCall,
    text: string,
    schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  ): T {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new LiteLlmBadGatewayError(
        `LiteLLM sent a malformed response to ${describeCall(call)}: not JSON`,
      );
    }
    const result = schema.safeParse(json);
    if (!result.success) {
      // Field paths only: values may hold a key.
      const fields = [
        ...new Set(result.error.issues.map(i => i.path.join('.') || '(body)')),
      ].slice(0, 5);
      throw new LiteLlmBadGatewayError(
        `LiteLLM sent a malformed response to ${describeCall(
          call,
        )}: unexpected ${fields.join(', ')}`,
      );
    }
    return result.data;
  }

  private toError(
    call: LiteLlmCall,
    { statusCode: status, headers }: Dispatcher.ResponseData,
    text: string,
  ): Error {
    if (status >= 300 && status < 400) {
      // Not followed: a redirected POST would be resent as a GET, and the
      // master key would go wherever the redirect points.
      const { location } = headers;
      return new LiteLlmBadGatewayError(
        `LiteLLM redirected ${describeCall(
          call,
        )} (${status}): set aiTiles.litellm.baseUrl to the URL LiteLLM answers on${
          typeof location === 'string'
            ? ` (it pointed to ${sanitize(location)})`
            : ''
        }`,
        { upstreamStatus: status },
      );
    }
    const {
      message: raw,
      type,
      param,
      missingRoute,
    } = parseErrorBody(text.split(this.masterKey).join('[redacted]'));
    const message = sanitize(raw).slice(0, MAX_MESSAGE);
    const where = describeCall(call);
    if (type === 'budget_exceeded') {
      return new BudgetExceededError(message, status);
    }
    if (status === 401) {
      return new LiteLlmBadGatewayError(
        `LiteLLM rejected the portal's credentials (401 on ${where}): check aiTiles.litellm.masterKey`,
        { upstreamStatus: status, upstreamType: type },
      );
    }
    if (status === 403) {
      return new LiteLlmBadGatewayError(
        `LiteLLM refused ${where} (403): ${message}`,
        { upstreamStatus: status, upstreamType: type },
      );
    }
    if (status === 404 && missingRoute) {
      // Most likely a base URL with a path (`/v1`).
      return new LiteLlmBadGatewayError(
        `LiteLLM has no route for ${where} (404 Not Found): check aiTiles.litellm.baseUrl, the proxy's root URL without a path such as /v1`,
        { upstreamStatus: status },
      );
    }
    if (status === 404) {
      return new LiteLlmNotFoundError(
        `LiteLLM answered 404 on ${where}: ${message}`,
        { upstreamStatus: status, upstreamType: type },
      );
    }
    if (PROXY_FAILURE_STATUS.has(status)) {
      // LiteLLM down behind a proxy, or LiteLLM overloaded: unavailable, as
      // when it cannot be reached. The body is the proxy's, often HTML.
      return liteLlmUnavailable(call, `answered ${status}`);
    }
    if (status === 409 || (status === 400 && /already exists/i.test(raw))) {
      return new LiteLlmAlreadyExistsError(
        `LiteLLM answered ${status} on ${where}: ${message}`,
        { upstreamStatus: status, upstreamType: type, param },
      );
    }
    return new LiteLlmBadGatewayError(
      `LiteLLM answered ${status} on ${where}: ${message}`,
      { upstreamStatus: status, upstreamType: type },
    );
  }

  private async backoff(attempt: number): Promise<void> {
    const base = this.retryBaseDelayMs * 2 ** (attempt - 1);
    const delay = base / 2 + Math.random() * base;
    await new Promise(resolve => setTimeout(resolve, delay));
  }
}
