import { ConcurrencyLimiter } from './ConcurrencyLimiter';

describe('ConcurrencyLimiter', () => {
  it('caps running calls per key and gives slots back once', () => {
    const limiter = new ConcurrencyLimiter(2);
    const a1 = limiter.acquire('a');
    const a2 = limiter.acquire('a');
    expect(() => limiter.acquire('a')).toThrow(
      expect.objectContaining({ status: 429, code: 'concurrency_limit' }),
    );
    limiter.acquire('b'); // other keys are independent
    a1();
    a1(); // a second release changes nothing
    const a3 = limiter.acquire('a');
    expect(() => limiter.acquire('a')).toThrow('at most 2');
    a2();
    a3();
    expect(limiter.acquire('a')).toEqual(expect.any(Function));
  });
});
