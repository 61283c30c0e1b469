import { ResponseError } from '@backstage/errors';
import {
  AiAccessBudget,
  describeDuration,
  errorMessage,
  forecastLevel,
  forecastText,
  formatDate,
  formatMoney,
  formatPercent,
  resetText,
  statusCodeOf,
  usageLevel,
  usageRatio,
  usedText,
} from './access';

const budget = (overrides: Partial<AiAccessBudget> = {}): AiAccessBudget => ({
  currency: 'USD',
  maxBudget: 50,
  spend: 12.34,
  budgetDuration: '1mo',
  resetAt: '2026-12-01T00:00:00.000Z',
  forecast: 30,
  ...overrides,
});

describe('formatMoney', () => {
  it('formats dollars with two decimals', () => {
    expect(formatMoney(12.34)).toBe('$12.34');
    expect(formatMoney(50)).toBe('$50.00');
    expect(formatMoney(0)).toBe('$0.00');
    expect(formatMoney(1234.5)).toBe('$1,234.50');
    expect(formatMoney(0.126)).toBe('$0.13');
  });

  it('never shows a little spend as nothing', () => {
    expect(formatMoney(0.0004)).toBe('<$0.01');
  });

  it('falls back to the code for an unknown currency', () => {
    expect(formatMoney(3, 'not a currency')).toBe('3.00 not a currency');
  });
});

describe('formatDate', () => {
  it('formats a date in words', () => {
    expect(formatDate('2026-12-01T00:00:00Z', { timeZone: 'UTC' })).toBe(
      '1 December 2026',
    );
    // Midday UTC is the same calendar day in any time zone within ±11 h.
    expect(formatDate('2026-03-05T12:00:00Z')).toBe('5 March 2026');
  });

  it('is undefined for missing or invalid values', () => {
    expect(formatDate(undefined)).toBeUndefined();
    expect(formatDate(null)).toBeUndefined();
    expect(formatDate('')).toBeUndefined();
    expect(formatDate('not a date')).toBeUndefined();
  });
});

describe('usage', () => {
  it('computes the ratio of spend to budget', () => {
    expect(usageRatio(25, 50)).toBe(0.5);
    expect(usageRatio(60, 50)).toBe(1.2);
    expect(usageRatio(10, null)).toBeNull();
    expect(usageRatio(-1, 50)).toBe(0);
    expect(usageRatio(0, 0)).toBe(1);
    expect(usageRatio(1, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('colours normal below 80%, warning from 80%, error from 100%', () => {
    expect(usageLevel(null)).toBe('normal');
    expect(usageLevel(0)).toBe('normal');
    expect(usageLevel(0.79)).toBe('normal');
    expect(usageLevel(0.8)).toBe('warning');
    expect(usageLevel(0.99)).toBe('warning');
    expect(usageLevel(1)).toBe('error');
    expect(usageLevel(1.2)).toBe('error');
    expect(usageLevel(Number.POSITIVE_INFINITY)).toBe('error');
  });

  it('colours the meter as its percentage reads, despite floating point', () => {
    // 2.40 / 3.00 is 0.7999999999999999 in floating point.
    for (const [spend, max] of [
      [2.4, 3],
      [0.56, 0.7],
      [4.1, 4.1],
    ]) {
      const ratio = usageRatio(spend, max)!;
      const percent = Number.parseInt(formatPercent(ratio), 10);
      let expected = 'normal';
      if (percent >= 80) expected = 'warning';
      if (percent >= 100) expected = 'error';
      expect(usageLevel(ratio)).toBe(expected);
    }
    expect(usageLevel(usageRatio(2.4, 3))).toBe('warning');
  });

  it('formats percentages rounded down', () => {
    expect(formatPercent(0.5)).toBe('50%');
    expect(formatPercent(0.999)).toBe('99%');
    expect(formatPercent(0.29)).toBe('29%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(1.2)).toBe('120%');
    expect(formatPercent(Number.POSITIVE_INFINITY)).toBe('100%+');
  });

  it('says how much is used', () => {
    expect(usedText(budget())).toBe('$12.34 of $50.00 used');
    expect(usedText(budget({ maxBudget: null }))).toBe('$12.34 used');
  });
});

describe('resetText', () => {
  it('uses the reset date in UTC', () => {
    expect(resetText(budget())).toBe('Resets on 1 December 2026');
  });

  it('falls back to the duration, then to nothing', () => {
    expect(resetText(budget({ resetAt: null }))).toBe('Resets monthly');
    expect(resetText(budget({ resetAt: null, budgetDuration: '7d' }))).toBe(
      'Resets every 7 days',
    );
    expect(
      resetText(budget({ resetAt: null, budgetDuration: null })),
    ).toBeUndefined();
  });

  it('describes LiteLLM durations', () => {
    expect(describeDuration('1mo')).toBe('monthly');
    expect(describeDuration('30d')).toBe('every 30 days');
    expect(describeDuration('1d')).toBe('daily');
    expect(describeDuration('1w')).toBe('weekly');
    expect(describeDuration('2h')).toBe('every 2 hours');
    expect(describeDuration('soon')).toBe('every soon');
  });
});

describe('forecast', () => {
  it('warns when the forecast exceeds the budget', () => {
    expect(forecastLevel(40, 50)).toBe('normal');
    expect(forecastLevel(50, 50)).toBe('normal');
    expect(forecastLevel(50.01, 50)).toBe('warning');
    expect(forecastLevel(1000, null)).toBe('normal');
  });

  it('states the forecast to the reset date', () => {
    expect(forecastText(budget({ forecast: 40 }))).toBe(
      'At this pace: $40.00 by the reset date',
    );
    expect(forecastText(budget({ forecast: 40, resetAt: null }))).toBe(
      'At this pace: $40.00 by the end of the period',
    );
    expect(forecastText(budget({ forecast: null }))).toBeUndefined();
  });
});

describe('errors', () => {
  async function responseError(status: number, body: unknown) {
    return ResponseError.fromResponse(
      new Response(JSON.stringify(body), {
        status,
        headers: { 'Content-Type': 'application/json' },
      }),
    );
  }

  it("shows the backend's message of a ResponseError", async () => {
    const error = await responseError(503, {
      error: { name: 'ServiceUnavailableError', message: 'LiteLLM is down' },
      response: { statusCode: 503 },
    });
    expect(errorMessage(error)).toBe('LiteLLM is down');
    expect(statusCodeOf(error)).toBe(503);
  });

  it('falls back to the error message, shortened', () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage('text')).toBe('text');
    const long = errorMessage(new Error('x'.repeat(1000)));
    expect(long).toHaveLength(300);
    expect(long.endsWith('…')).toBe(true);
    expect(statusCodeOf(new Error('boom'))).toBeUndefined();
  });
});
