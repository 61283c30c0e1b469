import { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { Dispatcher, errors as undiciErrors } from 'undici';

/** The caller closed its connection: answered by nobody, recorded as 499. */
export function clientGone(): Error {
  return new DOMException('The client closed the connection', 'AbortError');
}

/** LiteLLM's answer: status and headers at once, the body when asked for. */
export interface UpstreamResponse {
  statusCode: number;
  headers: IncomingHttpHeaders;
  /** The body whole; past `limit` bytes the rest is dropped (the call is cut). */
  read(limit?: number): Promise<Buffer>;
  /**
   * Copies the body to `res` as it arrives, with back-pressure (LiteLLM is
   * read no faster than the caller takes it), optionally transforming each
   * chunk (undefined = send nothing), and ends `res`.
   */
  relay(
    res: ServerResponse,
    transform?: (chunk: Buffer) => Buffer | string | undefined,
  ): Promise<void>;
  /**
   * Drops the body (an answer not passed on); past 64 KiB the call is cut
   * rather than read on. Never fails.
   */
  dump(): Promise<void>;
}

const abortReason = (signal: AbortSignal): Error =>
  signal.reason ?? new undiciErrors.RequestAbortedError();

/** Bytes of an unwanted body read to keep its connection; past them it is cut. */
const MAX_DUMPED = 64 * 1024;

/** Where the body goes once someone asked for it. */
interface BodySink {
  data(chunk: Buffer): void;
  end(): void;
  error(error: Error): void;
}

/**
 * One call to LiteLLM on undici's dispatch API. `Pool.request` would wrap
 * each answer in a body stream, an async resource and a promise; this keeps
 * one handler per call and delivers the body straight to its consumer.
 * Fewer objects per call, and none left in a stream's listener table: V8
 * may allocate those tables in the old generation (allocation-site
 * pretenuring), where a dead one keeps what its listeners reach alive
 * through young-generation collections (the whole call, otherwise).
 *
 * The body is paused at the headers until `read`, `relay` or `dump` asks
 * for it; every answer must be consumed by one of them, or its connection
 * stays taken. `signal` cuts the call at any point.
 */
class UpstreamCall implements Dispatcher.DispatchHandler, UpstreamResponse {
  statusCode = 0;
  headers: IncomingHttpHeaders = {};
  private controller?: Dispatcher.DispatchController;
  private sink?: BodySink;
  /** Ended or failed before a sink was attached. */
  private outcome?: { error?: Error };

  constructor(
    private readonly signal: AbortSignal,
    private readonly started: {
      resolve(response: UpstreamResponse): void;
      reject(error: Error): void;
    },
  ) {
    signal.addEventListener('abort', this.onAbort);
  }

  private readonly onAbort = () => {
    this.controller?.abort(abortReason(this.signal));
  };

  // --- undici's side ---

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.signal.aborted) controller.abort(abortReason(this.signal));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (statusCode < 200) return; // informational (100 Continue)
    this.statusCode = statusCode;
    this.headers = headers;
    controller.pause();
    this.started.resolve(this);
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer) {
    this.sink?.data(chunk);
  }

  onResponseEnd(): void {
    this.finish();
    if (this.sink) this.sink.end();
    else this.outcome = {};
  }

  onResponseError(
    _controller: Dispatcher.DispatchController | undefined,
    error: Error,
  ): void {
    this.finish();
    if (!this.statusCode) this.started.reject(error);
    else if (this.sink) this.sink.error(error);
    else this.outcome = { error };
  }

  /** The call is over: nothing is left listening on the caller's signal. */
  private finish() {
    this.signal.removeEventListener('abort', this.onAbort);
  }

  // --- the gateway's side ---

  /** Attaches the body's consumer and lets the body flow. */
  private consume(sink: BodySink) {
    if (this.sink) throw new Error('The upstream body is already consumed');
    this.sink = sink;
    if (this.outcome) {
      if (this.outcome.error) sink.error(this.outcome.error);
      else sink.end();
      return;
    }
    this.controller!.resume();
  }

  read(limit = Number.MAX_SAFE_INTEGER): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let done = false;
      this.consume({
        data: chunk => {
          if (done) return;
          size += chunk.length;
          if (size > limit) {
            done = true;
            resolve(Buffer.concat(chunks));
            this.controller!.abort(new Error('upstream body over its limit'));
            return;
          }
          chunks.push(chunk);
        },
        end: () => {
          if (done) return;
          done = true;
          resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
        },
        error: error => {
          if (done) return;
          done = true;
          reject(error);
        },
      });
    });
  }

  relay(
    res: ServerResponse,
    transform: (chunk: Buffer) => Buffer | string | undefined = c => c,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const controller = this.controller!;
      const resume = () => controller.resume();
      const stop = () => res.off('drain', resume);
      this.consume({
        data: chunk => {
          const out = transform(chunk);
          if (out === undefined) return;
          if (!res.write(out)) {
            // A destroyed response never drains: the call is cut instead.
            if (res.destroyed) controller.abort(clientGone());
            else {
              controller.pause();
              res.once('drain', resume);
            }
          }
        },
        end: () => {
          stop();
          res.end();
          resolve();
        },
        error: error => {
          stop();
          reject(error);
        },
      });
      if (res.destroyed) controller.abort(clientGone());
    });
  }

  dump(): Promise<void> {
    return this.read(MAX_DUMPED).then(
      () => {},
      () => {},
    );
  }
}

/**
 * Sends one call to LiteLLM; resolves at the answer's headers (any status),
 * rejects when no answer came (connection, timeout, `signal`).
 */
export function callUpstream(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(abortReason(signal));
      return;
    }
    dispatcher.dispatch(options, new UpstreamCall(signal, { resolve, reject }));
  });
}
