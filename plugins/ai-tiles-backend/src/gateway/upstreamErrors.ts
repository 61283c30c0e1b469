import { LoggerService } from '@backstage/backend-plugin-api';
import { errors as undiciErrors } from 'undici';
import { isServiceUnavailable } from '../service/litellm/errors';
import { GatewayError } from './errors';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/**
 * What a failure of a gateway call means to its caller, in OpenAI's shape;
 * undefined when the caller went away (nothing to answer).
 */
export function toGatewayError(
  error: unknown,
  context: {
    /** The response was closed or ended (the caller disconnected). */
    responseGone: boolean;
    timeoutMs: number;
    logger: LoggerService;
  },
): GatewayError | undefined {
  if (error instanceof GatewayError) return error;
  if (
    (error instanceof undiciErrors.RequestAbortedError ||
      (error as Error)?.name === 'AbortError') &&
    context.responseGone
  ) {
    return undefined;
  }
  if (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError
  ) {
    return new GatewayError(
      504,
      'timeout_error',
      `LiteLLM did not answer within ${Math.round(
        context.timeoutMs / 1000,
      )} s (aiTiles.gateway.limits.timeoutMs)`,
      'upstream_timeout',
    );
  }
  const code = (error as { code?: string })?.code;
  if (
    error instanceof undiciErrors.ConnectTimeoutError ||
    error instanceof undiciErrors.SocketError ||
    (code && UNREACHABLE_CODES.has(code))
  ) {
    return new GatewayError(
      502,
      'api_connection_error',
      'The AI service (LiteLLM) cannot be reached; try again in a moment',
      'upstream_unreachable',
    );
  }
  // Provisioning errors (LiteLLM's admin API down or answering nonsense,
  // the master key missing): their messages are written for employees.
  const message = (error as Error)?.message ?? String(error);
  if (isServiceUnavailable(error)) {
    return new GatewayError(503, 'service_unavailable', message);
  }
  if ((error as { statusCode?: number })?.statusCode === 502) {
    return new GatewayError(502, 'api_error', message);
  }
  context.logger.error(`AI gateway: unexpected error: ${message}`);
  return new GatewayError(
    500,
    'internal_error',
    'The AI gateway failed unexpectedly; the error is logged',
  );
}
