import { AiAccessSummary } from '@internal/plugin-ai-tiles-common';

/** The budget part of an {@link AiAccessSummary}. */
export type AiAccessBudget = NonNullable<AiAccessSummary['budget']>;

/** How much of the budget is used: below 80%, from 80%, from 100%. */
export type UsageLevel = 'normal' | 'warning' | 'error';

/** Share of the budget from which the meter turns to warning (as LiteLLM alerts do). */
const WARNING_PERCENT = 80;

/**
 * A ratio as whole percent, rounded down so that a budget reads 100% only
 * once it is used up. The slack absorbs floating point: $2.40 / $3.00 is
 * 0.7999999999999999 and is 80%. The meter's colour and its label both
 * come from this, so they always agree.
 */
const wholePercent = (ratio: number) => Math.floor((ratio + 1e-9) * 100);

const DATE_LOCALE = 'en-GB';

/**
 * An amount of money, e.g. `$12.34`. A positive amount below one cent reads
 * `<$0.01`, so that a little spend never looks like none.
 */
export function formatMoney(amount: number, currency: string = 'USD'): string {
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency,
      minimumFractionDigits: 2,
      maximumFractionDigits: 2,
    });
  } catch {
    // An unknown currency code: plain number plus the code.
    return `${amount.toFixed(2)} ${currency}`;
  }
  if (amount > 0 && amount < 0.01) {
    return `<${format.format(0.01)}`;
  }
  return format.format(amount);
}

/**
 * A date as `1 December 2026`, or `undefined` for a missing or unparsable
 * value. `timeZone` defaults to the browser's.
 */
export function formatDate(
  value: string | null | undefined,
  options: { timeZone?: string } = {},
): string | undefined {
  if (!value) {
    return undefined;
  }
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    return undefined;
  }
  return new Intl.DateTimeFormat(DATE_LOCALE, {
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    timeZone: options.timeZone,
  }).format(date);
}

/**
 * Spend divided by the budget; `null` without a limit. A budget of zero
 * counts as used up.
 */
export function usageRatio(
  spend: number,
  maxBudget: number | null,
): number | null {
  if (maxBudget === null) {
    return null;
  }
  if (maxBudget <= 0) {
    return spend > 0 ? Number.POSITIVE_INFINITY : 1;
  }
  return Math.max(0, spend) / maxBudget;
}

/** Meter colour: normal below 80%, warning from 80%, error from 100%. */
export function usageLevel(ratio: number | null): UsageLevel {
  const percent = ratio === null ? 0 : wholePercent(ratio);
  if (percent < WARNING_PERCENT) {
    return 'normal';
  }
  return percent >= 100 ? 'error' : 'warning';
}

/**
 * A ratio as a whole percentage, rounded down so that a budget reads 100%
 * only once it is used up (`0.999` → `99%`).
 */
export function formatPercent(ratio: number): string {
  if (!Number.isFinite(ratio)) {
    return '100%+';
  }
  return `${wholePercent(ratio)}%`;
}

/** `$12.34 of $50.00 used`, or `$12.34 used` without a limit. */
export function usedText(budget: AiAccessBudget): string {
  const spend = formatMoney(budget.spend, budget.currency);
  if (budget.maxBudget === null) {
    return `${spend} used`;
  }
  return `${spend} of ${formatMoney(budget.maxBudget, budget.currency)} used`;
}

/** A LiteLLM budget duration in words: `1mo` → `monthly`, `30d` → `every 30 days`. */
export function describeDuration(duration: string): string {
  const match = /^(\d+)\s*(mo|s|m|h|d|w)$/.exec(duration.trim());
  if (!match) {
    return `every ${duration}`;
  }
  const count = Number(match[1]);
  const unit = match[2];
  const names: Record<string, [string, string]> = {
    s: ['second', 'secondly'],
    m: ['minute', 'every minute'],
    h: ['hour', 'hourly'],
    d: ['day', 'daily'],
    w: ['week', 'weekly'],
    mo: ['month', 'monthly'],
  };
  const [name, once] = names[unit];
  if (count === 1 && unit !== 's') {
    return once;
  }
  return `every ${count} ${name}${count === 1 ? '' : 's'}`;
}

/**
 * When the budget resets: `Resets on 1 December 2026`. LiteLLM resets budgets
 * at midnight of its own time zone (UTC by default), so the date is shown in
 * UTC: the employee's local evening before would otherwise show the day before.
 */
export function resetText(budget: AiAccessBudget): string | undefined {
  const date = formatDate(budget.resetAt, { timeZone: 'UTC' });
  if (date) {
    return `Resets on ${date}`;
  }
  if (budget.budgetDuration) {
    return `Resets ${describeDuration(budget.budgetDuration)}`;
  }
  return undefined;
}

/** Forecast colour: warning when the period is on course to exceed the budget. */
export function forecastLevel(
  forecast: number,
  maxBudget: number | null,
): 'normal' | 'warning' {
  return maxBudget !== null && forecast > maxBudget ? 'warning' : 'normal';
}

/** `At this pace: $40.00 by the reset date`. */
export function forecastText(budget: AiAccessBudget): string | undefined {
  if (budget.forecast === null) {
    return undefined;
  }
  const amount = formatMoney(budget.forecast, budget.currency);
  return budget.resetAt
    ? `At this pace: ${amount} by the reset date`
    : `At this pace: ${amount} by the end of the period`;
}

/** HTTP status of a `ResponseError` (by shape: the class may be duplicated in a bundle). */
export function statusCodeOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The backend's name for the error of a failed call (`ResponseError`), e.g. `NotFoundError`. */
export function errorNameOf(error: unknown): string | undefined {
  const { name, cause } = (error ?? {}) as {
    name?: unknown;
    cause?: { name?: unknown };
  };
  return name === 'ResponseError' && typeof cause?.name === 'string'
    ? cause.name
    : undefined;
}

/** Longest error message shown (a proxy may answer with a whole HTML page). */
const MAX_MESSAGE_LENGTH = 300;

function shorten(message: string): string {
  return message.length > MAX_MESSAGE_LENGTH
    ? `${message.slice(0, MAX_MESSAGE_LENGTH - 1)}…`
    : message;
}

/**
 * The message to show for a failed call: the backend's own message for a
 * `ResponseError` (e.g. "LiteLLM is not reachable"), otherwise the error's.
 */
export function errorMessage(error: unknown): string {
  return shorten(rawErrorMessage(error));
}

function rawErrorMessage(error: unknown): string {
  if (error && typeof error === 'object') {
    const { name, message, cause } = error as {
      name?: unknown;
      message?: unknown;
      cause?: { message?: unknown };
    };
    if (
      name === 'ResponseError' &&
      typeof cause?.message === 'string' &&
      cause.message.trim()
    ) {
      return cause.message;
    }
    if (typeof message === 'string' && message.trim()) {
      return message;
    }
  }
  return String(error);
}
