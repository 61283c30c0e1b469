import { ServerResponse } from 'node:http';

/**
 * An error the gateway answers in OpenAI's shape, which chat windows and
 * SDKs know how to show: `{"error":{"message","type","param","code"}}`.
 */
export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  /** Answers the request with this error (plain Node response: both mounts). */
  send(res: ServerResponse): void {
    const json = JSON.stringify(this.body);
    res.writeHead(this.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(json),
    });
    res.end(json);
  }

  get body() {
    return {
      error: {
        message: this.message,
        type: this.type,
        param: null,
        code: this.code,
      },
    };
  }
}

export const invalidRequest = (message: string, code: string | null = null) =>
  new GatewayError(400, 'invalid_request_error', message, code);
