/**
 * LiteLLM's two error shapes.
 *
 * - `ProxyError` → `{"error":{"message","type","param","code":"<status>"}}` (LiteLLM's `ProxyException`,
 *   `litellm/proxy/_types.py`; `code` is always the status as a *string*).
 * - `DetailError` → FastAPI's default `{"detail": …}` body, used by handlers that raise a bare
 *   `HTTPException` without `handle_exception_on_proxy` and for 422 validation errors.
 */

/** `ProxyErrorTypes` values the stand-in emits. */
export type ProxyErrorType =
  | 'auth_error'
  | 'token_not_found_in_db'
  | 'expired_key'
  | 'internal_server_error'
  | 'bad_request_error'
  | 'bad_request'
  | 'not_found_error'
  | 'not_found'
  | 'budget_exceeded'
  | 'key_model_access_denied'
  | 'user_model_access_denied'
  | 'team_model_access_denied'
  | 'invalid_request_error'
  | 'None';

export class ProxyError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: ProxyErrorType | null,
    // LiteLLM passes `getattr(e, "param", "None")`, i.e. the *string* "None" in most places.
    readonly param: string | null = 'None',
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody() {
    return {
      error: {
        message: this.message,
        type: this.type,
        param: this.param,
        code: String(this.status),
      },
    };
  }
}

export class DetailError extends Error {
  constructor(readonly status: number, readonly detail: unknown) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
  }

  toBody() {
    return { detail: this.detail };
  }
}

/**
 * Python `repr()` of a JSON-ish value. `ProxyException` does `str(message)`, so an HTTPException whose
 * detail is a dict surfaces as e.g. `{'error': 'User with id x already exists'}` inside `message`.
 */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return pyFloat(value);
  if (typeof value === 'string') {
    return value.includes("'") && !value.includes('"')
      ? `"${value}"`
      : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  }
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`,
    );
    return `{${entries.join(', ')}}`;
  }
  return String(value);
}

/** Python's `str(float)`: integers keep a trailing `.0` (LiteLLM budgets are floats). */
export function pyFloat(n: number): string {
  if (Number.isInteger(n)) return `${n}.0`;
  return String(n);
}

/**
 * `handle_exception_on_proxy` (`litellm/proxy/utils.py`): an HTTPException keeps its status, becomes
 * `type: "internal_server_error"`, and its detail is stringified into `message`.
 */
export function httpException(status: number, detail: unknown): ProxyError {
  const message = typeof detail === 'string' ? detail : pyRepr(detail);
  return new ProxyError(status, message, 'internal_server_error', 'None');
}

/** Any non-HTTP exception (e.g. a `ValueError` from a licence check) becomes HTTP 500 there. */
export function valueError(message: string): ProxyError {
  return new ProxyError(500, message, 'internal_server_error', 'None');
}

/** One entry of FastAPI/pydantic v2's 422 `detail` list. */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input?: unknown;
}

export function validationError(issues: ValidationIssue[]): DetailError {
  return new DetailError(422, issues);
}

export const PREMIUM_REQUIRED =
  'You must be a LiteLLM Enterprise user to use this feature. If you have a license please set `LITELLM_LICENSE` in your env. Get a 7 day trial key here: https://www.litellm.ai/enterprise#trial. \nPricing: https://www.litellm.ai/#pricing';

/**
 * A FastAPI `HTTPException` raised by shared helpers. The route that catches it decides how it is
 * rendered, because LiteLLM's handlers wrap the same exception differently (see `ErrorStyle`).
 */
export class HttpException extends Error {
  constructor(readonly status: number, readonly detail: unknown) {
    super(typeof detail === 'string' ? detail : pyRepr(detail));
  }
}

/**
 * How a route renders errors, mirroring the handler's `except` block in LiteLLM:
 * - `proxy`: `raise handle_exception_on_proxy(e)` (most management routes);
 * - `auth`: `/user/update` re-raises as `ProxyException(type=auth_error)`, non-HTTP errors as 400;
 * - `detail`: no wrapper, FastAPI's `{"detail": …}` (`/user/delete`, `/user/list`,
 *   `/user/daily/activity`, `/global/spend/report`, confirmed against ≈1.96).
 */
export type ErrorStyle = 'proxy' | 'auth' | 'detail';

export function renderError(
  err: unknown,
  style: ErrorStyle,
): ProxyError | DetailError {
  if (err instanceof ProxyError || err instanceof DetailError) return err;
  if (err instanceof HttpException) {
    if (style === 'detail') return new DetailError(err.status, err.detail);
    const message =
      typeof err.detail === 'string' ? err.detail : pyRepr(err.detail);
    return new ProxyError(
      err.status,
      message,
      style === 'auth' ? 'auth_error' : 'internal_server_error',
      'None',
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  if (style === 'auth') {
    return new ProxyError(
      400,
      `Authentication Error, ${message}`,
      'auth_error',
      'None',
    );
  }
  if (style === 'detail') return new DetailError(500, message);
  return valueError(message);
}
