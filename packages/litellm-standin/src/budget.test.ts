import {
  expiryFromDuration,
  nextResetAt,
  parseDuration,
  validateBudgetDuration,
} from './budget';
import { HttpException } from './errors';

const at = (iso: string) => new Date(iso);
const next = (d: string, now: string) => nextResetAt(d, at(now))?.toISOString();

describe('budget_duration parsing and reset alignment (requirement 15)', () => {
  it('parses <int>(s|m|h|d|w|mo)', () => {
    expect(parseDuration('30d')).toEqual({ value: 30, unit: 'd' });
    expect(parseDuration('1mo')).toEqual({ value: 1, unit: 'mo' });
    expect(parseDuration('15m')).toEqual({ value: 15, unit: 'm' });
    expect(parseDuration('monthly')).toBeUndefined();
    expect(parseDuration('1y')).toBeUndefined();
  });

  it('30d and 1mo reset on the 1st of next month, 00:00 UTC', () => {
    expect(next('30d', '2026-08-14T10:30:00Z')).toBe(
      '2026-09-01T00:00:00.000Z',
    );
    expect(next('1mo', '2026-08-31T23:59:59Z')).toBe(
      '2026-09-01T00:00:00.000Z',
    );
    expect(next('1mo', '2026-12-15T00:00:00Z')).toBe(
      '2027-01-01T00:00:00.000Z',
    );
    expect(next('30d', '2026-09-01T00:00:00Z')).toBe(
      '2026-10-01T00:00:00.000Z',
    );
  });

  it('7d and 1w reset next Monday (a week later when it is Monday)', () => {
    expect(next('7d', '2026-08-14T10:30:00Z')).toBe('2026-08-17T00:00:00.000Z'); // Friday
    expect(next('7d', '2026-08-16T23:00:00Z')).toBe('2026-08-17T00:00:00.000Z'); // Sunday
    expect(next('7d', '2026-08-17T08:00:00Z')).toBe('2026-08-24T00:00:00.000Z'); // Monday
    expect(next('1w', '2026-08-14T10:30:00Z')).toBe('2026-08-17T00:00:00.000Z');
  });

  it('1d resets at the next midnight; other Nd N days after today’s midnight', () => {
    expect(next('1d', '2026-08-14T10:30:00Z')).toBe('2026-08-15T00:00:00.000Z');
    expect(next('1d', '2026-08-14T00:00:00Z')).toBe('2026-08-15T00:00:00.000Z');
    expect(next('10d', '2026-08-14T10:30:00Z')).toBe(
      '2026-08-24T00:00:00.000Z',
    );
  });

  it('h/m/s align to the clock', () => {
    expect(next('1h', '2026-08-14T10:30:00Z')).toBe('2026-08-14T11:00:00.000Z');
    expect(next('6h', '2026-08-14T10:30:00Z')).toBe('2026-08-14T12:00:00.000Z');
    expect(next('5h', '2026-08-14T22:10:00Z')).toBe('2026-08-15T01:00:00.000Z');
    expect(next('15m', '2026-08-14T10:31:00Z')).toBe(
      '2026-08-14T10:45:00.000Z',
    );
    expect(next('7m', '2026-08-14T10:05:00Z')).toBe('2026-08-14T10:07:00.000Z');
    expect(next('30s', '2026-08-14T10:31:10Z')).toBe(
      '2026-08-14T10:31:30.000Z',
    );
  });

  it('rejects unparsable, non-positive and multi-month durations with 400', () => {
    for (const bad of ['monthly', '0d', '2mo', '1y', '-1d']) {
      expect(() => validateBudgetDuration(bad)).toThrow(HttpException);
    }
    for (const ok of ['30d', '1mo', '7d', '1h', null, undefined]) {
      expect(() => validateBudgetDuration(ok)).not.toThrow();
    }
  });

  it('computes key expiry from duration (calendar months for mo)', () => {
    expect(
      expiryFromDuration('30d', at('2026-08-14T10:30:00Z'))?.toISOString(),
    ).toBe('2026-09-13T10:30:00.000Z');
    expect(
      expiryFromDuration('1mo', at('2026-01-31T10:00:00Z'))?.toISOString(),
    ).toBe('2026-02-28T10:00:00.000Z');
    expect(expiryFromDuration(null, at('2026-01-31T10:00:00Z'))).toBeNull();
  });
});
