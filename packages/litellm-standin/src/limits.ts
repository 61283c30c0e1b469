import type { IncomingHttpHeaders } from 'node:http';
import { ProxyError, pyFloat } from './errors';
import type { Principal, StandInApp } from './http';
import type { CustomerRow } from './state';

/**
 * Pre-call enforcement: budgets (`litellm/proxy/auth/auth_checks.py`) and rate limits
 * (`parallel_request_limiter`). Budgets are compared with spend already recorded, so a call that
 * starts under budget may overshoot it (LiteLLM writes spend after the call).
 */

function budgetExceeded(app: StandInApp, message: string): ProxyError {
  // `BudgetExceededError` → `type: budget_exceeded`, `param: null`; 400 in releases from PR #4139
  // (June 2024) to early 2026, 429 since `BudgetExceededError.status_code = 429`.
  return new ProxyError(
    app.options.budgetExceededStatus,
    message,
    'budget_exceeded',
    null,
  );
}

/** Key budget (`_virtual_key_max_budget_check`): refused once spend ≥ max_budget. */
export function checkKeyBudget(app: StandInApp, principal: Principal): void {
  const key = principal.key;
  if (!key || key.max_budget === null) return;
  if (key.spend >= key.max_budget) {
    throw budgetExceeded(
      app,
      `Budget has been exceeded! Key=${key.key_alias ?? key.token} (${
        principal.abbreviated
      }) Current cost: ${pyFloat(key.spend)}, Max budget: ${pyFloat(
        key.max_budget,
      )}`,
    );
  }
}

/**
 * Team key → team budget (spend ≥ max_budget); otherwise the owner's personal budget
 * (spend > max_budget). "If a key belongs to a team, the team budget is applied, not the user's
 * personal budget" (`docs/proxy/users.md`).
 */
export function checkOwnerBudget(app: StandInApp, principal: Principal): void {
  if (principal.kind !== 'key' || !principal.key) return;
  if (principal.key.team_id) {
    const team = app.state.teams.get(principal.key.team_id);
    if (team && team.max_budget !== null && team.spend >= team.max_budget) {
      throw budgetExceeded(
        app,
        `Budget has been exceeded! Team=${team.team_id} Current cost: ${pyFloat(
          team.spend,
        )}, Max budget: ${pyFloat(team.max_budget)}`,
      );
    }
    return;
  }
  const user = principal.key.user_id
    ? app.state.users.get(principal.key.user_id)
    : undefined;
  if (user && user.max_budget !== null && user.spend > user.max_budget) {
    throw budgetExceeded(
      app,
      `ExceededBudget: User=${user.user_id} over budget. Spend=${pyFloat(
        user.spend,
      )}, Budget=${pyFloat(user.max_budget)}`,
    );
  }
}

function header(
  headers: IncomingHttpHeaders,
  name: string,
): string | undefined {
  const v = headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

/**
 * End-user id, first match wins (`get_end_user_id_from_request_body`, `docs/proxy/customers.md`):
 * `x-litellm-customer-id`, `x-litellm-end-user-id`, the `customer` header mapping,
 * `user_header_name`, body `user`, `litellm_metadata.user`, `metadata.user_id`.
 */
export function resolveEndUser(
  app: StandInApp,
  headers: IncomingHttpHeaders,
  body: Record<string, unknown>,
): string | undefined {
  const fromHeader =
    header(headers, 'x-litellm-customer-id') ??
    header(headers, 'x-litellm-end-user-id');
  if (fromHeader) return fromHeader;
  for (const mapping of app.options.userHeaderMappings) {
    if (mapping.litellm_user_role === 'customer') {
      const v = header(headers, mapping.header_name);
      if (v) return v;
    }
  }
  if (app.options.userHeaderName) {
    const v = header(headers, app.options.userHeaderName);
    if (v) return v;
  }
  if (typeof body.user === 'string' && body.user) return body.user;
  const litellmMetadata = body.litellm_metadata as
    | Record<string, unknown>
    | undefined;
  if (
    litellmMetadata &&
    typeof litellmMetadata.user === 'string' &&
    litellmMetadata.user
  ) {
    return litellmMetadata.user;
  }
  const metadata = body.metadata as Record<string, unknown> | undefined;
  if (metadata && typeof metadata.user_id === 'string' && metadata.user_id) {
    return metadata.user_id;
  }
  return undefined;
}

export function customerBudget(
  app: StandInApp,
  customer: CustomerRow | undefined,
): number | null {
  if (customer?.budget_id) {
    const budget = app.state.budgets.get(customer.budget_id);
    if (budget && budget.max_budget !== null) return budget.max_budget;
  }
  return app.options.maxEndUserBudget ?? null;
}

/**
 * End-user budget: checked before the key is looked up, for every caller including the master
 * key, and refused when spend > budget.
 */
export function checkEndUserBudget(
  app: StandInApp,
  endUserId: string | undefined,
): void {
  if (!endUserId) return;
  const customer = app.state.customers.get(endUserId);
  if (customer?.blocked) {
    throw new ProxyError(
      401,
      `Authentication Error, End User=${endUserId} is blocked. Update via /customer/unblock if this is a mistake`,
      'auth_error',
    );
  }
  const budget = customerBudget(app, customer);
  const spend = customer?.spend ?? 0;
  if (budget !== null && spend > budget) {
    throw budgetExceeded(
      app,
      `ExceededBudget: End User=${endUserId} over budget. Spend=${pyFloat(
        spend,
      )}, Budget=${pyFloat(budget)}`,
    );
  }
}

interface LimitScope {
  kind: 'key' | 'user' | 'team';
  id: string;
  rpm: number | null;
  tpm: number | null;
  parallel: number | null;
}

/** Key, user and team rows carry the same three limit columns. */
interface LimitedRow {
  rpm_limit: number | null;
  tpm_limit: number | null;
  max_parallel_requests: number | null;
}

function limitScope(
  kind: LimitScope['kind'],
  id: string,
  row: LimitedRow,
): LimitScope {
  return {
    kind,
    id,
    rpm: row.rpm_limit,
    tpm: row.tpm_limit,
    parallel: row.max_parallel_requests,
  };
}

function scopesOf(app: StandInApp, principal: Principal): LimitScope[] {
  const key = principal.key;
  if (!key) return [];
  const scopes = [limitScope('key', key.token, key)];
  const user = key.user_id ? app.state.users.get(key.user_id) : undefined;
  if (user) scopes.push(limitScope('user', user.user_id, user));
  const team = key.team_id ? app.state.teams.get(key.team_id) : undefined;
  if (team) scopes.push(limitScope('team', team.team_id, team));
  return scopes;
}

function windowFor(app: StandInApp, id: string) {
  const minute = Math.floor(app.clock.now().getTime() / 60_000) * 60_000;
  const existing = app.state.rateWindows.get(id);
  if (existing && existing.windowStart === minute) return existing;
  const fresh = { windowStart: minute, requests: 0, tokens: 0 };
  app.state.rateWindows.set(id, fresh);
  return fresh;
}

function none(n: number | null): string {
  return n === null ? 'None' : String(n);
}

export interface RateLease {
  headers: Record<string, string>;
  release(): void;
  addTokens(tokens: number): void;
}

const NO_LEASE: RateLease = { headers: {}, release() {}, addTokens() {} };

/**
 * rpm / tpm (per one-minute window) and max_parallel_requests for the key, its user and its team.
 * "Rate limits do not apply to proxy admin users" (`docs/proxy/users.md`): never for the master key.
 */
export function acquireRateLimits(
  app: StandInApp,
  principal: Principal,
): RateLease {
  if (principal.kind === 'master') return NO_LEASE;
  const scopes = scopesOf(app, principal);
  const now = app.clock.now().getTime();
  for (const scope of scopes) {
    const id = `${scope.kind}:${scope.id}`;
    const w = windowFor(app, id);
    const parallel = app.state.inFlight.get(id) ?? 0;
    const rpmHit = scope.rpm !== null && w.requests >= scope.rpm;
    const tpmHit = scope.tpm !== null && w.tokens >= scope.tpm;
    const parallelHit = scope.parallel !== null && parallel >= scope.parallel;
    if (rpmHit || tpmHit || parallelHit) {
      const retryAfter =
        parallelHit && !rpmHit && !tpmHit
          ? 1
          : Math.max(1, Math.ceil((w.windowStart + 60_000 - now) / 1000));
      throw new ProxyError(
        429,
        `LiteLLM Rate Limit Handler for rate limit type = ${
          scope.kind
        }. Crossed TPM / RPM / Max Parallel Request Limit. current rpm: ${
          w.requests
        }, rpm limit: ${none(scope.rpm)}, current tpm: ${
          w.tokens
        }, tpm limit: ${none(
          scope.tpm,
        )}, current max_parallel_requests: ${parallel}, max_parallel_requests: ${none(
          scope.parallel,
        )}`,
        'None',
        'None',
        { 'retry-after': String(retryAfter) },
      );
    }
  }
  const ids = scopes.map(s => `${s.kind}:${s.id}`);
  for (const id of ids) {
    windowFor(app, id).requests += 1;
    app.state.inFlight.set(id, (app.state.inFlight.get(id) ?? 0) + 1);
  }
  const headers: Record<string, string> = {};
  const keyScope = scopes.find(s => s.kind === 'key');
  if (keyScope) {
    const w = windowFor(app, `key:${keyScope.id}`);
    if (keyScope.rpm !== null) {
      headers['x-ratelimit-limit-requests'] = String(keyScope.rpm);
      headers['x-ratelimit-remaining-requests'] = String(
        Math.max(0, keyScope.rpm - w.requests),
      );
    }
    if (keyScope.tpm !== null) {
      headers['x-ratelimit-limit-tokens'] = String(keyScope.tpm);
      headers['x-ratelimit-remaining-tokens'] = String(
        Math.max(0, keyScope.tpm - w.tokens),
      );
    }
  }
  let released = false;
  return {
    headers,
    release() {
      if (released) return;
      released = true;
      for (const id of ids) {
        app.state.inFlight.set(
          id,
          Math.max(0, (app.state.inFlight.get(id) ?? 1) - 1),
        );
      }
    },
    addTokens(tokens: number) {
      for (const id of ids) windowFor(app, id).tokens += tokens;
    },
  };
}
