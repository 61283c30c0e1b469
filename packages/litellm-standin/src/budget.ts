import { HttpException } from './errors';

/**
 * `budget_duration` parsing and reset alignment, after LiteLLM's
 * `litellm/litellm_core_utils/duration_parser.py` (`duration_in_seconds`,
 * `get_next_standardized_reset_time`). The stand-in always uses UTC, LiteLLM's default
 * `litellm_settings.timezone`, and midnight as `budget_reset_time`.
 */

export type DurationUnit = 's' | 'm' | 'h' | 'd' | 'w' | 'mo';

export interface ParsedDuration {
  value: number;
  unit: DurationUnit;
}

const DURATION_RE = /^(\d+)(mo|s|m|h|d|w)$/;
const DAY_MS = 86_400_000;

export function parseDuration(
  duration: string | null | undefined,
): ParsedDuration | undefined {
  if (duration === null || duration === undefined) return undefined;
  const match = DURATION_RE.exec(String(duration).trim());
  if (!match) return undefined;
  return { value: Number(match[1]), unit: match[2] as DurationUnit };
}

/** "None"/"null"/"" are treated as "no duration" by LiteLLM (UI sends them for unlimited). */
export function isNoDuration(duration: unknown): boolean {
  return (
    duration === null ||
    duration === undefined ||
    ['', 'none', 'null'].includes(String(duration).trim().toLowerCase())
  );
}

/**
 * Write-time validation (`validate_budget_duration`, newer management endpoints): unparsable,
 * non-positive, or unsupported (`Nmo` with N ≠ 1 raises in `_handle_month_reset`) → HTTP 400.
 */
export function validateBudgetDuration(duration: unknown): void {
  if (isNoDuration(duration)) return;
  const parsed = parseDuration(String(duration));
  if (
    !parsed ||
    parsed.value <= 0 ||
    (parsed.unit === 'mo' && parsed.value !== 1)
  ) {
    throw new HttpException(400, {
      error: `Invalid budget_duration: '${String(
        duration,
      )}'. Expected a positive integer followed by s, m, h, d, w or mo (only '1mo' is supported for months), e.g. '30d' or '1mo'.`,
    });
  }
}

/** Key lifetime (`duration` on /key/generate): `duration_in_seconds`, calendar months for `mo`. */
export function expiryFromDuration(duration: unknown, now: Date): Date | null {
  if (isNoDuration(duration)) return null;
  const parsed = parseDuration(String(duration));
  if (!parsed || parsed.value <= 0) {
    throw new HttpException(400, {
      error: `Invalid duration: '${String(duration)}'.`,
    });
  }
  const { value, unit } = parsed;
  const t = now.getTime();
  switch (unit) {
    case 's':
      return new Date(t + value * 1000);
    case 'm':
      return new Date(t + value * 60_000);
    case 'h':
      return new Date(t + value * 3_600_000);
    case 'd':
      return new Date(t + value * DAY_MS);
    case 'w':
      return new Date(t + value * 7 * DAY_MS);
    case 'mo': {
      const target = new Date(t);
      const day = target.getUTCDate();
      target.setUTCDate(1);
      target.setUTCMonth(target.getUTCMonth() + value);
      const lastDay = new Date(
        Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0),
      ).getUTCDate();
      target.setUTCDate(Math.min(day, lastDay));
      return target;
    }
    default:
      return null;
  }
}

function utcMidnight(d: Date): number {
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

function firstOfNextMonth(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
}

function dayReset(now: Date, days: number): Date {
  const midnight = utcMidnight(now);
  if (days === 0) return new Date(now);
  if (days === 1) return new Date(midnight + DAY_MS);
  if (days === 7) {
    // Python weekday(): Monday = 0. JS getUTCDay(): Sunday = 0.
    const weekday = (now.getUTCDay() + 6) % 7;
    const untilMonday = (7 - weekday) % 7 || 7;
    return new Date(midnight + untilMonday * DAY_MS);
  }
  if (days === 30) return firstOfNextMonth(now);
  return new Date(midnight + days * DAY_MS);
}

/**
 * Next boundary that is a multiple of `value` units within the enclosing period: hours within the
 * day, minutes within the hour, seconds within the minute (`_handle_hour_reset` & co.).
 */
function alignedReset(
  now: Date,
  value: number,
  unitMs: number,
  periodMs: number,
): Date {
  if (value === 0) return new Date(now);
  const base = Math.floor(now.getTime() / periodMs) * periodMs;
  const current = Math.floor((now.getTime() - base) / unitMs);
  const next = current + value - (current % value);
  return new Date(base + next * unitMs);
}

/**
 * `get_next_standardized_reset_time`: `1d` → next midnight, `7d`/`1w` → next Monday,
 * `30d`/`1mo` → 1st of next month, other `Nd` → N days from today's midnight, `h`/`m`/`s` aligned
 * to the clock.
 */
export function nextResetAt(duration: string, now: Date): Date | null {
  if (isNoDuration(duration)) return null;
  const parsed = parseDuration(duration);
  // LiteLLM falls back to next midnight for unparsable values.
  if (!parsed) return new Date(utcMidnight(now) + DAY_MS);
  const { value, unit } = parsed;
  switch (unit) {
    case 'd':
      return dayReset(now, value);
    case 'w':
      return dayReset(now, value * 7);
    case 'h':
      return alignedReset(now, value, 3_600_000, DAY_MS);
    case 'm':
      return alignedReset(now, value, 60_000, 3_600_000);
    case 's':
      return alignedReset(now, value, 1000, 60_000);
    case 'mo':
      return firstOfNextMonth(now);
    default:
      return new Date(utcMidnight(now) + DAY_MS);
  }
}

/** A row that carries a resettable budget (key, user, team, customer budget table). */
export interface ResettableBudget {
  budget_duration: string | null;
  budget_reset_at: string | null;
}

/**
 * One pass of LiteLLM's `ResetBudgetJob`: every row whose `budget_reset_at` has passed gets
 * `spend = 0` and the next `budget_reset_at`. Returns whether the row was reset.
 */
export function resetIfDue(
  row: ResettableBudget,
  now: Date,
  zeroSpend: () => void,
): boolean {
  if (isNoDuration(row.budget_duration) || !row.budget_reset_at) return false;
  if (new Date(row.budget_reset_at).getTime() > now.getTime()) return false;
  zeroSpend();
  const next = nextResetAt(row.budget_duration as string, now);
  row.budget_reset_at = next ? next.toISOString() : null;
  return true;
}

/** Ids of the rows one reset pass zeroed. */
export interface BudgetResetResult {
  /** Key hashes. */
  keys: string[];
  users: string[];
  teams: string[];
  /** Budget rows (`/budget/new`, customer budgets) whose linked customers were zeroed. */
  budgets: string[];
  customers: string[];
}

interface ResettableState {
  keys: Map<string, ResettableBudget & { spend: number; token: string }>;
  users: Map<string, ResettableBudget & { spend: number; user_id: string }>;
  teams: Map<string, ResettableBudget & { spend: number; team_id: string }>;
  budgets: Map<string, ResettableBudget & { budget_id: string }>;
  customers: Map<
    string,
    { user_id: string; spend: number; budget_id: string | null }
  >;
}

/**
 * The reset job (`ResetBudgetJob.reset_budget`; LiteLLM runs it every ~10 minutes). Rows past
 * `budget_reset_at` get spend 0 and their next reset time, computed from the time of the run.
 */
export function runBudgetResetJob(
  state: ResettableState,
  now: Date,
): BudgetResetResult {
  const result: BudgetResetResult = {
    keys: [],
    users: [],
    teams: [],
    budgets: [],
    customers: [],
  };
  for (const key of state.keys.values()) {
    if (resetIfDue(key, now, () => (key.spend = 0)))
      result.keys.push(key.token);
  }
  for (const user of state.users.values()) {
    if (resetIfDue(user, now, () => (user.spend = 0)))
      result.users.push(user.user_id);
  }
  for (const team of state.teams.values()) {
    if (resetIfDue(team, now, () => (team.spend = 0)))
      result.teams.push(team.team_id);
  }
  for (const budget of state.budgets.values()) {
    const linked = [...state.customers.values()].filter(
      c => c.budget_id === budget.budget_id,
    );
    if (
      resetIfDue(budget, now, () => {
        for (const c of linked) c.spend = 0;
      })
    ) {
      result.budgets.push(budget.budget_id);
      result.customers.push(...linked.map(c => c.user_id));
    }
  }
  return result;
}
