import { forecastSpend } from './AccessService';

describe('forecastSpend', () => {
  it('divides the spend by the elapsed fraction of a monthly period', () => {
    // November 2026 has 30 days; on the 16th at 00:00, 15 days have elapsed.
    expect(
      forecastSpend(
        10,
        '1mo',
        '2026-12-01T00:00:00.000Z',
        new Date('2026-11-16T00:00:00.000Z'),
      ),
    ).toBe(20);
  });

  it('counts at least a day so the first hours do not forecast absurd amounts', () => {
    expect(
      forecastSpend(
        1,
        '1mo',
        '2026-12-01T00:00:00.000Z',
        new Date('2026-11-01T01:00:00Z'),
      ),
    ).toBe(30);
  });

  it('handles day-based periods and missing data', () => {
    expect(
      forecastSpend(
        7,
        '7d',
        '2026-11-23T00:00:00Z',
        new Date('2026-11-19T12:00:00Z'),
      ),
    ).toBe(14);
    expect(
      forecastSpend(5, null, '2026-12-01T00:00:00Z', new Date()),
    ).toBeNull();
    expect(forecastSpend(5, '1mo', null, new Date())).toBeNull();
  });

  it('takes 30d as the calendar month LiteLLM aligns it to', () => {
    // February 2027 has 28 days; on the 15th at 00:00, half has elapsed.
    expect(
      forecastSpend(
        5,
        '30d',
        '2027-03-01T00:00:00Z',
        new Date('2027-02-15T00:00:00Z'),
      ),
    ).toBe(10);
  });

  it('counts a first, partial period from the first key', () => {
    // Key created on 20 November, $1 a day: $5 on the 25th, $11 by 1 December.
    expect(
      forecastSpend(
        5,
        '1mo',
        '2026-12-01T00:00:00Z',
        new Date('2026-11-25T00:00:00Z'),
        new Date('2026-11-20T00:00:00Z'),
      ),
    ).toBe(11);
    // A key older than the period changes nothing.
    expect(
      forecastSpend(
        10,
        '1mo',
        '2026-12-01T00:00:00Z',
        new Date('2026-11-16T00:00:00Z'),
        new Date('2026-03-02T00:00:00Z'),
      ),
    ).toBe(20);
  });
});
