import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ProxyError } from './errors';
import type { Principal, RouteAccess, StandInApp } from './http';
import { abbreviateKey, hashKey } from './state';

/**
 * Key extraction and authentication after `litellm/proxy/auth/user_api_key_auth.py`
 * (`get_api_key`, `_user_api_key_auth_builder`) and `route_checks.py`.
 */

function header(
  headers: IncomingHttpHeaders,
  name: string,
): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Returns the presented key, `''` when a header is present but unusable, or `undefined` when no key
 * header was sent. `x-litellm-api-key` "supercedes Authorization header" (LiteLLM comment);
 * `Bearer`/`bearer`/`Basic` prefixes are stripped from `Authorization`, any other prefix gives `''`.
 */
export function extractApiKey(
  headers: IncomingHttpHeaders,
): string | undefined {
  const litellmKey = header(headers, 'x-litellm-api-key');
  if (litellmKey !== undefined && litellmKey !== '') {
    return litellmKey.replace(/^bearer\s+/i, '').trim();
  }
  const authorization = header(headers, 'authorization');
  if (authorization !== undefined && authorization !== '') {
    const m = /^(Bearer|bearer|Basic)\s+(.*)$/.exec(authorization);
    return m ? m[2].trim() : '';
  }
  for (const name of [
    'api-key',
    'x-api-key',
    'x-goog-api-key',
    'ocp-apim-subscription-key',
  ]) {
    const v = header(headers, name);
    if (v !== undefined && v !== '') return v.trim();
  }
  return undefined;
}

export function isMasterKey(app: StandInApp, key: string): boolean {
  const a = Buffer.from(hashKey(key), 'hex');
  const b = Buffer.from(app.options.masterKeyHash, 'hex');
  return timingSafeEqual(a, b);
}

function authError(message: string): ProxyError {
  return new ProxyError(401, `Authentication Error, ${message}`, 'auth_error');
}

/** Python's `str(datetime)` for an aware UTC datetime, as used in LiteLLM's expiry message. */
function pyDatetime(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000+00:00`;
}

export function requireKeyPresent(apiKey: string | undefined): string {
  if (apiKey === undefined) throw authError('No api key passed in.');
  if (apiKey === '') {
    throw authError(
      'Malformed API Key passed in. Ensure Key has `Bearer ` prefix.',
    );
  }
  return apiKey;
}

/** Resolves the caller; throws the 401s LiteLLM returns for missing, unknown, blocked, expired keys. */
export function authenticate(app: StandInApp, apiKey: string): Principal {
  if (isMasterKey(app, apiKey)) {
    return {
      kind: 'master',
      token: app.options.masterKeyHash,
      abbreviated: abbreviateKey(apiKey),
      userId: 'default_user_id',
      user: app.state.users.get('default_user_id'),
      role: 'proxy_admin',
      isAdmin: true,
      canViewAll: true,
    };
  }
  if (!apiKey.startsWith('sk-')) {
    throw authError(
      `LiteLLM Virtual Key expected. Received=${apiKey}, expected to start with 'sk-'.`,
    );
  }
  let token = hashKey(apiKey);
  const grace = app.state.graceTokens.get(token);
  if (grace && grace.until > app.clock.now().getTime()) token = grace.token;
  const key = app.state.keys.get(token);
  if (!key) {
    throw new ProxyError(
      401,
      `Authentication Error, Invalid proxy server token passed. Received API Key = ${abbreviateKey(
        apiKey,
      )}, Key Hash (Token) =${hashKey(
        apiKey,
      )}. Unable to find token in cache or \`LiteLLM_VerificationTokenTable\``,
      'token_not_found_in_db',
      'key',
    );
  }
  if (key.blocked) {
    throw authError(
      "Key is blocked. Update via `/key/unblock` if you're an admin.",
    );
  }
  if (key.expires) {
    const expiry = new Date(key.expires);
    const now = app.clock.now();
    if (expiry.getTime() < now.getTime()) {
      // Newer releases answer 401 here (older ones 400).
      throw new ProxyError(
        401,
        `Authentication Error - Expired Key. Key Expiry time ${pyDatetime(
          expiry,
        )} and current time ${pyDatetime(now)}`,
        'expired_key',
        abbreviateKey(apiKey),
      );
    }
  }
  const user = key.user_id ? app.state.users.get(key.user_id) : undefined;
  const team = key.team_id ? app.state.teams.get(key.team_id) : undefined;
  const role = user?.user_role ?? null;
  return {
    kind: 'key',
    token,
    abbreviated: abbreviateKey(apiKey),
    key,
    user,
    team,
    userId: key.user_id,
    role,
    isAdmin: role === 'proxy_admin',
    canViewAll: role === 'proxy_admin' || role === 'proxy_admin_viewer',
  };
}

/** `route_checks.py` masks the caller's user id in the admin-only message. */
export function maskUserId(userId: string | null): string {
  if (!userId) return 'None';
  return `${userId.slice(0, 6)}${'*'.repeat(
    Math.max(0, userId.length - 8),
  )}${userId.slice(-2)}`;
}

export function adminOnlyError(
  principal: Principal,
  route: string,
): ProxyError {
  return authError(
    `Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=${route}. Your role=${
      principal.role ?? 'internal_user'
    }. Your user_id=${maskUserId(principal.userId)}`,
  );
}

const VIEWER_ROLES = new Set(['proxy_admin_viewer', 'internal_user_viewer']);

/**
 * Route class check (`RouteChecks.non_proxy_admin_allowed_routes_check`): non-admins calling an
 * admin route get 401 `auth_error`; viewer roles may not call mutating management routes.
 */
export function checkRouteAccess(
  principal: Principal,
  access: RouteAccess,
  method: string,
  route: string,
): void {
  if (principal.kind === 'master') return;
  if (access === 'master') throw adminOnlyError(principal, route);
  if (access === 'admin' && !principal.isAdmin) {
    throw adminOnlyError(principal, route);
  }
  if (access === 'admin-read' && !principal.canViewAll) {
    throw adminOnlyError(principal, route);
  }
  if (
    access === 'self' &&
    method !== 'GET' &&
    principal.role !== null &&
    VIEWER_ROLES.has(principal.role)
  ) {
    throw adminOnlyError(principal, route);
  }
}
