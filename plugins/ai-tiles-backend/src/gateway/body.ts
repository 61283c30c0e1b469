import { IncomingMessage } from 'node:http';
import { Readable, Transform } from 'node:stream';
import { GatewayError } from './errors';

function bodyTooLarge(limit: number): GatewayError {
  return new GatewayError(
    413,
    'invalid_request_error',
    `The request body is larger than ${limit} bytes (aiTiles.gateway.limits.maxBodyBytes)`,
    'request_too_large',
  );
}

/** A declared length over the limit is refused before anything is read. */
function declaredOverLimit(req: IncomingMessage, limit: number): boolean {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > limit;
}

/** Thrown when the caller goes away before its body arrived. */
export class BodyAbortedError extends Error {
  constructor() {
    super('The client closed the request before its body arrived');
    this.name = 'BodyAbortedError';
  }
}

/**
 * Reads a JSON request body whole, up to `limit` bytes: a declared length
 * over the limit is refused before reading, a body that grows past it as
 * soon as it does. Only identity encoding: OpenAI clients do not compress
 * request bodies, and inflating would make the limit meaningless.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (req.readableEnded || req.destroyed) {
    // Read by something else first (a parser mounted before the gateway).
    return Promise.reject(new Error('The request body was already read'));
  }
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') {
    return Promise.reject(
      new GatewayError(
        415,
        'invalid_request_error',
        `Unsupported Content-Encoding '${encoding}': send the body uncompressed`,
        'unsupported_content_encoding',
      ),
    );
  }
  if (declaredOverLimit(req, limit)) return Promise.reject(bodyTooLarge(limit));
  return collect(req, limit);
}

/**
 * A body streamed on as it arrives (multipart uploads, never held whole),
 * failing with 413 once it grows past `limit` bytes.
 */
export function limitedStream(req: IncomingMessage, limit: number): Readable {
  if (declaredOverLimit(req, limit)) throw bodyTooLarge(limit);
  let size = 0;
  const counter = new Transform({
    transform: (chunk: Buffer, _enc, done) => {
      size += chunk.length;
      done(size > limit ? bodyTooLarge(limit) : null, chunk);
    },
  });
  req.on('error', error => counter.destroy(error));
  return req.pipe(counter);
}

/** Listens for errors after a body is settled: one must not crash the process. */
function ignoreLateError(): void {}

/**
 * Reads a request body whole, up to `limit` bytes (413 past it). Plain
 * listeners rather than `for await`: the async iterator and its
 * end-of-stream watcher cost several objects per call that tend to outlive
 * a young-generation collection, and this runs for every gateway call.
 *
 * The listeners are removed once the body is settled. V8 may decide to
 * allocate streams' listener tables in the old generation (allocation-site
 * pretenuring, after a phase in which most streams lived long), and a dead
 * table there still pointing at these closures keeps the whole call alive
 * (chunks, promise, the awaiting handler with its request and response)
 * through every young-generation collection until the next full one: under
 * load, that is most of what the gateway allocates, promoted.
 */
function collect(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const onData = (chunk: Buffer) => {
      // An emit already under way still reaches a listener just removed.
      if (settled) return;
      size += chunk.length;
      if (size > limit) {
        settle(bodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => settle();
    const onError = () => settle(new BodyAbortedError());
    // The caller went away before the end (a complete body ends first).
    const onClose = () => {
      if (!req.complete) settle(new BodyAbortedError());
    };
    function settle(error?: Error) {
      if (settled) return;
      settled = true;
      req
        .off('data', onData)
        .off('end', onEnd)
        .off('error', onError)
        .off('close', onClose)
        .on('error', ignoreLateError);
      if (error) reject(error);
      else resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
    }
    req
      .on('data', onData)
      .on('end', onEnd)
      .on('error', onError)
      .on('close', onClose);
  });
}

/**
 * Reads the rest of a refused body into the void, so that clients that send
 * the whole body before reading the answer (most HTTP clients) get the error
 * rather than a reset connection. At most `maxBytes` more or `timeoutMs`:
 * false when the body did not end within them (then close the connection).
 */
export function discardBody(
  req: IncomingMessage,
  maxBytes: number,
  timeoutMs = 5_000,
): Promise<boolean> {
  if (req.complete || req.readableEnded || req.destroyed) {
    return Promise.resolve(req.complete);
  }
  return new Promise(resolve => {
    let size = 0;
    let settled = false;
    const settle = (ended: boolean) => {
      if (settled) return;
      settled = true;
      if (!ended) req.pause();
      resolve(ended);
    };
    const timer = setTimeout(() => settle(false), timeoutMs);
    const finish = (ended: boolean) => {
      clearTimeout(timer);
      settle(ended);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(false);
    });
    req.on('end', () => finish(true));
    req.on('close', () => finish(req.complete));
    req.resume();
  });
}
