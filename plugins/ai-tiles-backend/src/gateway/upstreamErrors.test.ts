import { mockServices } from '@backstage/backend-test-utils';
import { ServiceUnavailableError } from '@backstage/errors';
import { errors } from 'undici';
import { LiteLlmBadGatewayError } from '../service/litellm/errors';
import { GatewayError } from './errors';
import { toGatewayError } from './upstreamErrors';

const context = (responseGone = false) => ({
  responseGone,
  timeoutMs: 300_000,
  logger: mockServices.logger.mock(),
});

describe('toGatewayError', () => {
  it('keeps gateway errors as they are', () => {
    const error = new GatewayError(413, 'invalid_request_error', 'too big');
    expect(toGatewayError(error, context())).toBe(error);
  });

  it('answers nothing when the caller went away', () => {
    expect(
      toGatewayError(new errors.RequestAbortedError(), context(true)),
    ).toBeUndefined();
  });

  it.each([
    [new errors.HeadersTimeoutError(), 504, 'timeout_error', /within 300 s/],
    [new errors.BodyTimeoutError(), 504, 'timeout_error', /timeoutMs/],
    [
      new errors.ConnectTimeoutError(),
      502,
      'api_connection_error',
      /cannot be reached/,
    ],
    [
      Object.assign(new Error('connect ECONNREFUSED'), {
        code: 'ECONNREFUSED',
      }),
      502,
      'api_connection_error',
      /cannot be reached/,
    ],
    [
      new ServiceUnavailableError(
        'AI access is unavailable: aiTiles.litellm.masterKey is not set',
      ),
      503,
      'service_unavailable',
      /masterKey is not set/,
    ],
    [
      new LiteLlmBadGatewayError(
        'LiteLLM answered malformed JSON (POST /key/generate)',
      ),
      502,
      'api_error',
      /malformed JSON/,
    ],
  ])('maps %p', (error, status, type, message) => {
    const mapped = toGatewayError(error, context())!;
    expect(mapped).toMatchObject({ status, type });
    expect(mapped.message).toMatch(message);
  });

  it('hides unexpected errors behind a 500 and logs them', () => {
    const ctx = context();
    const mapped = toGatewayError(new TypeError('x is undefined'), ctx)!;
    expect(mapped).toMatchObject({ status: 500, type: 'internal_error' });
    expect(mapped.message).not.toContain('x is undefined');
    expect(ctx.logger.error).toHaveBeenCalledWith(
      'AI gateway: unexpected error: x is undefined',
    );
  });
});
