/**
 * Controllable time for tests. Budget resets, key expiry, rate-limit windows and SpendLogs
 * timestamps all read this clock, so a test can jump to the 1st of next month without waiting.
 * The underlying source keeps ticking; `advance`/`set` move an offset on top of it.
 */
export class StandInClock {
  private offsetMs = 0;

  constructor(private readonly source: () => Date = () => new Date()) {}

  now(): Date {
    return new Date(this.source().getTime() + this.offsetMs);
  }

  advance(ms: number): Date {
    if (!Number.isFinite(ms)) throw new TypeError('advance(ms) needs a number');
    this.offsetMs += ms;
    return this.now();
  }

  /** Back to the underlying time source. */
  reset(): void {
    this.offsetMs = 0;
  }

  set(date: Date | string | number): Date {
    const target = new Date(date).getTime();
    if (Number.isNaN(target)) throw new TypeError(`Invalid date: ${date}`);
    this.offsetMs = target - this.source().getTime();
    return this.now();
  }
}
