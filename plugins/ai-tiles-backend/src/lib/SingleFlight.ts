/**
 * Concurrent calls for the same key share one run: the first starts it,
 * later ones get its promise until it settles (then the next call runs
 * again). Per process; across replicas the database decides.
 */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, fn: () => Promise<T>): Promise<T> {
    const running = this.running.get(key);
    if (running) return running;
    const promise = fn().finally(() => this.running.delete(key));
    this.running.set(key, promise);
    return promise;
  }
}
