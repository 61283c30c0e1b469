import { GatewayError } from './errors';

/**
 * How many calls each employee has running in this process, capped at
 * `limit` (aiTiles.gateway.limits.maxConcurrentPerEmployee): one employee's
 * script cannot take every upstream connection.
 */
export class ConcurrencyLimiter {
  private readonly running = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** Takes a slot or throws 429; returns the release (safe to call twice). */
  acquire(key: string): () => void {
    const current = this.running.get(key) ?? 0;
    if (current >= this.limit) {
      throw new GatewayError(
        429,
        'rate_limit_error',
        `Too many AI requests at once: at most ${this.limit} may run at the same time. Wait for one to finish and try again.`,
        'concurrency_limit',
      );
    }
    this.running.set(key, current + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.running.get(key) ?? 1) - 1;
      if (n <= 0) this.running.delete(key);
      else this.running.set(key, n);
    };
  }
}
