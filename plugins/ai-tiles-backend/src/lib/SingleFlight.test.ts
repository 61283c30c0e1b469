import { SingleFlight } from './SingleFlight';

describe('SingleFlight', () => {
  it('shares one run per key while it lasts, then runs again', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    let finish!: (n: number) => void;
    const fn = () => {
      runs++;
      return new Promise<number>(r => {
        finish = r;
      });
    };
    const a = flights.run('jane', fn);
    const b = flights.run('jane', fn);
    expect(b).toBe(a);
    expect(runs).toBe(1);
    finish(7);
    await expect(b).resolves.toBe(7);
    void flights.run('jane', fn);
    expect(runs).toBe(2);
  });

  it('keeps keys apart and forgets a failed run', async () => {
    const flights = new SingleFlight<string>();
    await expect(
      flights.run('a', async () => {
        throw new Error('down');
      }),
    ).rejects.toThrow('down');
    await expect(flights.run('a', async () => 'up')).resolves.toBe('up');
    await expect(flights.run('b', async () => 'other')).resolves.toBe('other');
  });
});
