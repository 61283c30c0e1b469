import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { nextResetAt, validateBudgetDuration } from '../budget';
import { DetailError, HttpException } from '../errors';
import {
  asObject,
  rawQueryParam,
  type Reply,
  type RequestCtx,
  type RouteDef,
  type StandInApp,
} from '../http';
import {
  type JsonObject,
  type KeyRow,
  newUserRow,
  snapshot,
  type UserRow,
} from '../state';
import { createKey, enforceUniqueAlias } from './keys';
import {
  intQuery,
  jsonObject,
  nullableInt,
  nullableNumber,
  nullableString,
  nullableStringList,
  parseBody,
  parseQuery,
  userRole,
} from '../validation';

/** Internal users (`litellm/proxy/management_endpoints/internal_user_endpoints.py`). */

const teamRef = z.union([
  z.string(),
  z.object({ team_id: z.string() }).passthrough(),
]);

const userFields = {
  user_id: nullableString,
  user_email: nullableString,
  user_alias: nullableString,
  user_role: userRole.nullish(),
  max_budget: nullableNumber,
  soft_budget: nullableNumber,
  budget_duration: nullableString,
  budget_limits: z.array(z.unknown()).nullish(),
  models: nullableStringList,
  tpm_limit: nullableInt,
  rpm_limit: nullableInt,
  max_parallel_requests: nullableInt,
  metadata: jsonObject.nullish(),
  teams: z.array(teamRef).nullish(),
  organizations: nullableStringList,
  sso_user_id: nullableString,
  model_max_budget: jsonObject.nullish(),
  spend: nullableNumber,
  blocked: z.boolean().nullish(),
  aliases: jsonObject.nullish(),
  config: jsonObject.nullish(),
  permissions: jsonObject.nullish(),
  guardrails: nullableStringList,
  allowed_cache_controls: nullableStringList,
};

const newUserSchema = z
  .object({
    ...userFields,
    auto_create_key: z.boolean().nullish(),
    key_alias: nullableString,
    duration: nullableString,
    send_invite_email: z.boolean().nullish(),
  })
  .passthrough();

const updateUserSchema = z
  .object({ ...userFields, password: nullableString })
  .passthrough();

const USER_COLUMNS = [
  'user_email',
  'user_alias',
  'user_role',
  'max_budget',
  'soft_budget',
  'budget_limits',
  'models',
  'tpm_limit',
  'rpm_limit',
  'max_parallel_requests',
  'metadata',
  'sso_user_id',
  'model_max_budget',
  'spend',
  'blocked',
  'allowed_cache_controls',
] as const;

function teamIds(
  teams: z.infer<typeof teamRef>[] | null | undefined,
): string[] {
  return (teams ?? []).map(t => (typeof t === 'string' ? t : t.team_id));
}

function joinTeams(app: StandInApp, user: UserRow, ids: string[]): void {
  for (const id of ids) {
    if (!user.teams.includes(id)) user.teams.push(id);
    const team = app.state.teams.get(id);
    if (team && !team.members.includes(user.user_id)) {
      team.members.push(user.user_id);
      team.members_with_roles.push({
        user_id: user.user_id,
        user_email: user.user_email,
        role: 'user',
      });
    }
  }
}

function duplicate(
  status: number,
  what: 'id' | 'email',
  value: string,
): HttpException {
  return new HttpException(status, {
    error: `User with ${what} ${value} already exists`,
  });
}

function newUser(ctx: RequestCtx): Reply {
  const { app, principal } = ctx;
  const request = asObject(ctx.body);
  const data = parseBody(newUserSchema, request);
  validateBudgetDuration(data.budget_duration);
  if (data.user_role === 'internal_user') {
    // `_update_internal_new_user_params`: litellm_settings defaults for internal users.
    if (data.max_budget === undefined || data.max_budget === null) {
      data.max_budget = app.options.maxInternalUserBudget ?? null;
    }
    if (!data.budget_duration && app.options.internalUserBudgetDuration) {
      data.budget_duration = app.options.internalUserBudgetDuration;
    }
  }
  const userId = data.user_id ?? randomUUID();
  const existing = app.state.users.get(userId);
  const sameEmail = data.user_email
    ? app.state.findUserByEmail(data.user_email)
    : undefined;
  const autoCreateKey = data.auto_create_key ?? true;
  const now = app.clock.now();
  const nowIso = now.toISOString();

  // Checked up front so a clashing alias does not leave a user without its key.
  if (autoCreateKey) enforceUniqueAlias(app, data.key_alias);
  let user: UserRow;
  if (app.options.legacyDuplicateUsers) {
    // Older code: duplicate email → 400; duplicate user_id → upsert with `"update": {}`,
    // i.e. 200, row unchanged, and still a new key.
    if (sameEmail && data.user_email)
      throw duplicate(400, 'email', data.user_email);
    user = existing ?? newUserRow(userId, nowIso);
  } else {
    if (existing) throw duplicate(409, 'id', userId);
    if (sameEmail && data.user_email)
      throw duplicate(409, 'email', data.user_email);
    user = newUserRow(userId, nowIso);
  }
  if (!existing) {
    for (const field of USER_COLUMNS) {
      const v = data[field];
      if (v !== undefined && v !== null)
        (user as Record<string, unknown>)[field] = v;
    }
    user.budget_duration = data.budget_duration ?? null;
    const reset = data.budget_duration
      ? nextResetAt(data.budget_duration, now)
      : null;
    user.budget_reset_at = reset ? reset.toISOString() : null;
    app.state.users.set(userId, user);
    joinTeams(app, user, teamIds(data.teams));
  }

  let rawKey = '';
  let keyRow: KeyRow | undefined;
  if (autoCreateKey) {
    const created = createKey(app, principal, {
      user_id: userId,
      key_alias: data.key_alias,
      duration: data.duration,
      models: data.models,
      metadata: data.metadata,
      tpm_limit: data.tpm_limit,
      rpm_limit: data.rpm_limit,
    });
    rawKey = created.rawKey;
    keyRow = created.row;
  }
  // The response echoes the request (so in legacy mode it can show values the row did not take).
  const { token: _t, token_id: _ti, ...requestFields } = request;
  return {
    body: {
      ...requestFields,
      user_id: userId,
      key: rawKey,
      key_name: keyRow?.key_name ?? null,
      key_alias: keyRow?.key_alias ?? data.key_alias ?? null,
      expires: keyRow?.expires ?? null,
      max_budget: data.max_budget ?? null,
      budget_duration: data.budget_duration ?? null,
      teams: teamIds(data.teams),
      user_email: data.user_email ?? null,
      user_role: data.user_role ?? null,
      user_alias: data.user_alias ?? null,
      models: data.models ?? [],
      metadata: data.metadata ?? {},
      spend: data.spend ?? 0,
      tpm_limit: data.tpm_limit ?? null,
      rpm_limit: data.rpm_limit ?? null,
      created_at: user.created_at,
      updated_at: user.updated_at,
    },
  };
}

function keysWithTeamAlias(app: StandInApp, keys: KeyRow[]) {
  return keys.map(k => {
    const team = k.team_id ? app.state.teams.get(k.team_id) : undefined;
    // `_process_keys_for_user_info` writes the string "None" for keys without a team.
    return {
      ...snapshot(k),
      team_alias: k.team_id ? team?.team_alias ?? null : 'None',
    };
  });
}

function userInfo(ctx: RequestCtx): Reply {
  const { app, principal } = ctx;
  let userId = rawQueryParam(ctx.rawQuery, 'user_id');
  if (!userId) {
    if (principal.canViewAll) {
      const own = principal.userId
        ? app.state.users.get(principal.userId)
        : undefined;
      return {
        body: {
          user_id: principal.userId,
          user_info: own ? snapshot(own) : null,
          keys: keysWithTeamAlias(app, [...app.state.keys.values()]),
          teams: [...app.state.teams.values()].map(snapshot),
        },
      };
    }
    userId = principal.userId;
  }
  if (!principal.canViewAll && userId !== principal.userId) {
    throw new HttpException(403, {
      error: `User=${principal.userId} is not allowed to view the info of user=${userId}. Only proxy admins can view other users.`,
    });
  }
  const user = userId ? app.state.users.get(userId) : undefined;
  if (!user || !userId)
    throw new HttpException(404, `User ${userId} not found`);
  return {
    body: {
      user_id: userId,
      user_info: snapshot(user),
      keys: keysWithTeamAlias(app, app.state.keysOfUser(userId)),
      teams: user.teams.flatMap(id => {
        const team = app.state.teams.get(id);
        return team ? [snapshot(team)] : [];
      }),
    },
  };
}

/** `/user/update` ignores `None`, `[]`, `{}`, and (≈1.96) also `0` and `false`. */
function isSkipped(v: unknown): boolean {
  if (v === null || v === undefined || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function updateUser(ctx: RequestCtx): Reply {
  const { app } = ctx;
  const data = parseBody(updateUserSchema, ctx.body);
  if (!data.user_id && !data.user_email) {
    throw new Error('Either user_id or user_email must be provided');
  }
  const changes: Record<string, unknown> = {};
  for (const field of USER_COLUMNS) {
    if (!isSkipped(data[field])) changes[field] = data[field];
  }
  const now = app.clock.now();
  if (!isSkipped(data.budget_duration)) {
    validateBudgetDuration(data.budget_duration);
    changes.budget_duration = data.budget_duration;
    changes.budget_reset_at =
      nextResetAt(data.budget_duration as string, now)?.toISOString() ?? null;
  }
  const role = (changes.user_role as string | undefined) ?? undefined;
  if (role === 'internal_user') {
    if (
      !('max_budget' in changes) &&
      app.options.maxInternalUserBudget !== undefined
    ) {
      changes.max_budget = app.options.maxInternalUserBudget;
    }
    if (
      !('budget_duration' in changes) &&
      app.options.internalUserBudgetDuration
    ) {
      changes.budget_duration = app.options.internalUserBudgetDuration;
      changes.budget_reset_at =
        nextResetAt(
          app.options.internalUserBudgetDuration,
          now,
        )?.toISOString() ?? null;
    }
  }
  const nowIso = now.toISOString();
  const apply = (user: UserRow) => {
    Object.assign(user, changes);
    if ('metadata' in changes) user.metadata = changes.metadata as JsonObject;
    if (!isSkipped(data.teams)) joinTeams(app, user, teamIds(data.teams));
    user.updated_at = nowIso;
  };

  if (data.user_id) {
    // `PrismaClient.update_data(table_name="user")` is an upsert: an unknown user_id is created.
    let user = app.state.users.get(data.user_id);
    if (!user) {
      user = newUserRow(data.user_id, nowIso);
      app.state.users.set(data.user_id, user);
    }
    apply(user);
    return { body: { user_id: user.user_id, data: snapshot(user) } };
  }
  const email = data.user_email as string;
  let user = app.state.findUserByEmail(email);
  if (user) {
    apply(user);
    return { body: { user_id: user.user_id, data: snapshot(user) } };
  }
  // Updating by an unknown email creates a user with a random UUID.
  user = newUserRow(randomUUID(), nowIso);
  user.user_email = email;
  app.state.users.set(user.user_id, user);
  apply(user);
  return { body: snapshot(user) };
}

function deleteUsers(ctx: RequestCtx): Reply {
  const { app } = ctx;
  const data = parseBody(
    z.object({ user_ids: z.array(z.string()) }).passthrough(),
    ctx.body,
  );
  for (const id of data.user_ids) {
    if (!app.state.users.has(id)) {
      throw new DetailError(404, {
        error: `User not found, passed user_id=${id}`,
      });
    }
  }
  let deleted = 0;
  for (const id of data.user_ids) {
    for (const key of app.state.keysOfUser(id))
      app.state.keys.delete(key.token);
    for (const team of app.state.teams.values()) {
      team.members = team.members.filter(m => m !== id);
      team.admins = team.admins.filter(m => m !== id);
      team.members_with_roles = team.members_with_roles.filter(
        m => m.user_id !== id,
      );
    }
    if (app.state.users.delete(id)) deleted += 1;
  }
  // The handler returns Prisma's `delete_many` count: a bare integer.
  return { body: deleted };
}

const SORT_COLUMNS = [
  'user_id',
  'user_email',
  'created_at',
  'spend',
  'user_alias',
  'user_role',
];

const listQuery = z
  .object({
    page: intQuery(1, 1),
    page_size: intQuery(25, 1, 100),
    role: z.string().optional(),
    user_ids: z.string().optional(),
    sso_user_ids: z.string().optional(),
    user_email: z.string().optional(),
    team: z.string().optional(),
    sort_by: z.string().optional(),
    sort_order: z.enum(['asc', 'desc']).optional(),
  })
  .passthrough();

function listUsers(ctx: RequestCtx): Reply {
  const { app } = ctx;
  const q = parseQuery(listQuery, ctx.query);
  if (q.sort_by && !SORT_COLUMNS.includes(q.sort_by)) {
    throw new DetailError(400, {
      error: `Invalid sort column: ${
        q.sort_by
      }. Must be one of: ${SORT_COLUMNS.join(', ')}`,
    });
  }
  let users = [...app.state.users.values()];
  if (q.role) users = users.filter(u => u.user_role === q.role);
  if (q.user_ids) {
    const ids = q.user_ids
      .split(',')
      .map(s => s.trim())
      .filter(Boolean);
    users =
      ids.length === 1
        ? users.filter(u =>
            u.user_id.toLowerCase().includes(ids[0].toLowerCase()),
          )
        : users.filter(u => ids.includes(u.user_id));
  }
  if (q.sso_user_ids) {
    const ids = q.sso_user_ids.split(',').map(s => s.trim());
    users = users.filter(
      u => u.sso_user_id !== null && ids.includes(u.sso_user_id),
    );
  }
  if (q.user_email) {
    const needle = q.user_email.toLowerCase();
    users = users.filter(u =>
      (u.user_email ?? '').toLowerCase().includes(needle),
    );
  }
  if (q.team) users = users.filter(u => u.teams.includes(q.team as string));
  const sortBy = q.sort_by ?? 'created_at';
  // With no sort_by the order is `created_at desc`; with one, `sort_order` defaults to asc.
  const defaultOrder = q.sort_by ? 'asc' : 'desc';
  const dir = (q.sort_order ?? defaultOrder) === 'desc' ? -1 : 1;
  users.sort((a, b) => {
    const av = (a as Record<string, unknown>)[sortBy] as string | number | null;
    const bv = (b as Record<string, unknown>)[sortBy] as string | number | null;
    if (av === bv) return 0;
    if (av === null) return 1;
    if (bv === null) return -1;
    return (av < bv ? -1 : 1) * dir;
  });
  const total = users.length;
  const page = users.slice((q.page - 1) * q.page_size, q.page * q.page_size);
  return {
    body: {
      users: page.map(u => ({
        ...snapshot(u),
        key_count: app.state.keysOfUser(u.user_id).length,
      })),
      total,
      page: q.page,
      page_size: q.page_size,
      total_pages: Math.ceil(total / q.page_size),
    },
  };
}

export const userRoutes: RouteDef[] = [
  { method: 'POST', path: '/user/new', access: 'admin', handler: newUser },
  { method: 'GET', path: '/user/info', access: 'self', handler: userInfo },
  {
    method: 'POST',
    path: '/user/update',
    access: 'admin',
    errors: 'auth',
    handler: updateUser,
  },
  {
    method: 'POST',
    path: '/user/delete',
    access: 'admin',
    errors: 'detail',
    handler: deleteUsers,
  },
  {
    method: 'GET',
    path: '/user/list',
    access: 'admin-read',
    errors: 'detail',
    handler: listUsers,
  },
];
