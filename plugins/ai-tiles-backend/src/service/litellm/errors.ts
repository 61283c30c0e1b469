import { CustomErrorBase, ServiceUnavailableError } from '@backstage/errors';

/**
 * Removes secrets from text that may reach a log line or a browser: LiteLLM
 * keys (`sk-…`), bearer tokens and long hex hashes. LiteLLM echoes keys in
 * some messages (e.g. `Budget has been exceeded! Key=… (sk-...abcd)`).
 */
export function sanitize(text: string): string {
  return text
    .replace(/\bBearer\s+[A-Za-z0-9._~+/=-]+/gi, 'Bearer [redacted]')
    .replace(/\bsk-(?!\.\.\.)[A-Za-z0-9_-]+/g, 'sk-[redacted]')
    .replace(/\b[0-9a-f]{40,}\b/gi, '[hash]');
}

/** Where a LiteLLM call went, for messages: `POST /key/generate`. */
export interface LiteLlmCall {
  method: string;
  path: string;
}

const describe = (call: LiteLlmCall) => `${call.method} ${call.path}`;

/**
 * LiteLLM answered with something the portal cannot use: an unexpected
 * status, a malformed body, or a refusal of the master key. Reaches the
 * browser as **502**: never 401/403, which Backstage's fetch layer would take
 * for an expired session.
 */
export class LiteLlmBadGatewayError extends CustomErrorBase {
  name = 'LiteLlmBadGatewayError';
  readonly statusCode = 502;
  /** The HTTP status LiteLLM answered, when there was an answer. */
  readonly upstreamStatus?: number;
  /** LiteLLM's `error.type`, when there was one. */
  readonly upstreamType?: string;

  constructor(
    message: string,
    options?: { upstreamStatus?: number; upstreamType?: string },
  ) {
    super(sanitize(message));
    this.upstreamStatus = options?.upstreamStatus;
    this.upstreamType = options?.upstreamType;
  }
}

/** LiteLLM answered 404 (unknown user or key). Callers usually handle it. */
export class LiteLlmNotFoundError extends LiteLlmBadGatewayError {
  name = 'LiteLlmNotFoundError';
}

/**
 * LiteLLM says the thing already exists: 409 (newer releases) or 400 with
 * "already exists" (older releases, duplicate e-mail; duplicate key alias).
 */
export class LiteLlmAlreadyExistsError extends LiteLlmBadGatewayError {
  name = 'LiteLlmAlreadyExistsError';
  /** `param` of LiteLLM's error envelope, e.g. `key_alias`. */
  readonly param?: string;

  constructor(
    message: string,
    options: { upstreamStatus: number; upstreamType?: string; param?: string },
  ) {
    super(message, options);
    this.param = options.param;
  }
}

/**
 * LiteLLM refused a call because a budget is spent (`error.type ===
 * 'budget_exceeded'`, HTTP 400 on older and 429 on newer releases). 429 to
 * the caller, with LiteLLM's (sanitised) message.
 */
export class BudgetExceededError extends CustomErrorBase {
  name = 'BudgetExceededError';
  readonly statusCode = 429;
  readonly upstreamStatus: number;

  constructor(message: string, upstreamStatus: number) {
    super(sanitize(message));
    this.upstreamStatus = upstreamStatus;
  }
}

/** A 503 from {@link liteLlmUnavailable} (or any Backstage `ServiceUnavailableError`). */
export function isServiceUnavailable(error: unknown): error is Error {
  return (error as Error | undefined)?.name === 'ServiceUnavailableError';
}

/**
 * Failures that say LiteLLM itself cannot be used (rather than something
 * about one user): unreachable, too slow or a proxy answering for it (all
 * {@link liteLlmUnavailable}), the master key refused, or a wrong base URL
 * (a 404 that is not {@link LiteLlmNotFoundError}).
 */
export function isLiteLlmUnusable(error: unknown): boolean {
  if (isServiceUnavailable(error)) return true;
  if (
    !(error instanceof LiteLlmBadGatewayError) ||
    error instanceof LiteLlmNotFoundError
  ) {
    return false;
  }
  return [401, 403, 404].includes(error.upstreamStatus ?? 0);
}

/** LiteLLM could not be reached or did not answer in time: 503. */
export function liteLlmUnavailable(
  call: LiteLlmCall,
  reason: string,
): ServiceUnavailableError {
  return new ServiceUnavailableError(
    sanitize(
      `LiteLLM ${reason} (${describe(
        call,
      )}); AI access is temporarily unavailable, try again later`,
    ),
  );
}

/** The message used for an unexpected LiteLLM answer. */
export function describeCall(call: LiteLlmCall): string {
  return describe(call);
}
