import type { ServerResponse } from 'node:http';
import type { StreamCounters } from './state';

/**
 * One server-sent-events response (`data: {json}` blocks, `data: [DONE]` at the end) with its
 * outcome counted in {@link StreamCounters}. A client that closes the connection before `end()`
 * counts as `aborted`: from then on nothing is written and a pending `pause()` resolves at once,
 * so no timer outlives the connection.
 */
export class SseStream {
  private state: 'open' | 'ended' | 'failed' | 'aborted' = 'open';
  private wake: (() => void) | undefined;

  constructor(
    private readonly res: ServerResponse,
    /** Captured at the start, so a reset mid-stream does not count into the fresh counters. */
    private readonly counters: StreamCounters,
    headers: Record<string, string>,
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      ...headers,
    });
    res.flushHeaders();
    counters.started += 1;
    res.on('close', () => {
      if (this.state === 'open') {
        this.state = 'aborted';
        counters.aborted += 1;
      }
      this.wake?.();
    });
  }

  /** False once the stream ended, failed or the client went away. */
  get open(): boolean {
    return this.state === 'open';
  }

  send(data: unknown): void {
    if (this.open) this.res.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** Waits `ms`, or less if the client goes away meanwhile. */
  pause(ms: number): Promise<void> {
    if (ms <= 0 || !this.open) return Promise.resolve();
    return new Promise(resolve => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  /** Writes `data: [DONE]` and ends the response. */
  end(): void {
    if (!this.open) return;
    this.state = 'ended';
    this.counters.completed += 1;
    this.res.end('data: [DONE]\n\n');
  }

  /** Drops the connection mid-stream (injected upstream failure). */
  fail(): void {
    if (!this.open) return;
    this.state = 'failed';
    this.counters.failed += 1;
    this.res.destroy();
  }
}
