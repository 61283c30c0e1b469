import { z } from 'zod';
import { adminOnlyError } from '../auth';
import {
  expiryFromDuration,
  nextResetAt,
  validateBudgetDuration,
} from '../budget';
import {
  HttpException,
  PREMIUM_REQUIRED,
  ProxyError,
  valueError,
} from '../errors';
import {
  asObject,
  type Principal,
  type Reply,
  type RequestCtx,
  type RouteDef,
  type StandInApp,
} from '../http';
import {
  abbreviateKey,
  generateRawKey,
  hashKey,
  type JsonObject,
  type KeyRow,
  newKeyRow,
  snapshot,
  toTokenHash,
} from '../state';
import {
  intQuery,
  jsonObject,
  nullableInt,
  nullableNumber,
  nullableString,
  nullableStringList,
  parseBody,
  parseQuery,
} from '../validation';

/** Virtual keys (`litellm/proxy/management_endpoints/key_management_endpoints.py`). */

const keyFields = {
  key_alias: nullableString,
  user_id: nullableString,
  team_id: nullableString,
  organization_id: nullableString,
  project_id: nullableString,
  budget_id: nullableString,
  models: nullableStringList,
  max_budget: nullableNumber,
  soft_budget: nullableNumber,
  budget_duration: nullableString,
  budget_limits: z.array(z.unknown()).nullish(),
  duration: nullableString,
  metadata: jsonObject.nullish(),
  tags: nullableStringList,
  tpm_limit: nullableInt,
  rpm_limit: nullableInt,
  max_parallel_requests: nullableInt,
  model_rpm_limit: jsonObject.nullish(),
  model_tpm_limit: jsonObject.nullish(),
  model_max_budget: jsonObject.nullish(),
  aliases: jsonObject.nullish(),
  config: jsonObject.nullish(),
  permissions: jsonObject.nullish(),
  allowed_routes: nullableStringList,
  allowed_cache_controls: nullableStringList,
  key_type: nullableString,
  auto_rotate: z.boolean().nullish(),
  rotation_interval: nullableString,
  key: nullableString,
  blocked: z.boolean().nullish(),
  guardrails: nullableStringList,
  enforced_params: nullableStringList,
  spend: nullableNumber,
};

export const generateKeySchema = z.object(keyFields).passthrough();
export type GenerateKeyInput = z.infer<typeof generateKeySchema>;

const updateKeySchema = z
  .object({
    ...keyFields,
    temp_budget_increase: nullableNumber,
    temp_budget_expiry: nullableString,
  })
  .passthrough();

/** Columns a request may set directly (the rest is derived). */
const DIRECT_FIELDS = [
  'key_alias',
  'user_id',
  'team_id',
  'organization_id',
  'project_id',
  'budget_id',
  'models',
  'max_budget',
  'soft_budget',
  'budget_limits',
  'metadata',
  'tpm_limit',
  'rpm_limit',
  'max_parallel_requests',
  'model_rpm_limit',
  'model_tpm_limit',
  'model_max_budget',
  'aliases',
  'config',
  'permissions',
  'allowed_routes',
  'allowed_cache_controls',
  'key_type',
  'auto_rotate',
  'rotation_interval',
  'blocked',
  'guardrails',
  'enforced_params',
  'spend',
] as const;

/** A key row as LiteLLM serves it outside `/key/generate`: everything but the hash. */
export function publicKey(row: KeyRow): Omit<KeyRow, 'token'> {
  const { token: _token, ...rest } = snapshot(row);
  return rest;
}

function invalidKeyFormat(key: string): HttpException {
  return new HttpException(400, {
    error: `Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: ${key}`,
  });
}

/** `_enforce_unique_key_alias`, shared by generate and update. */
export function enforceUniqueAlias(
  app: StandInApp,
  alias: string | null | undefined,
  exceptToken?: string,
) {
  if (!alias) return;
  const clash = app.state
    .findKeysByAlias(alias)
    .find(k => k.token !== exceptToken);
  if (clash) {
    throw new ProxyError(
      400,
      `Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`,
      'bad_request_error',
      'key_alias',
    );
  }
}

function enterpriseChecks(app: StandInApp, data: GenerateKeyInput): void {
  if (app.options.licensed) return;
  if (data.tags && data.tags.length > 0) {
    throw valueError(
      `Only premium users can add tags to keys. ${PREMIUM_REQUIRED}`,
    );
  }
  if (data.model_max_budget && Object.keys(data.model_max_budget).length > 0) {
    throw valueError(
      `You must have an enterprise license to set model_max_budget. ${PREMIUM_REQUIRED}`,
    );
  }
}

function moveTagsIntoMetadata(
  data: GenerateKeyInput,
  metadata: JsonObject,
): JsonObject {
  if (!data.tags || data.tags.length === 0) return metadata;
  return { ...metadata, tags: data.tags };
}

/** Creates a key row; returns the raw key (shown once) and the stored row. */
export function createKey(
  app: StandInApp,
  principal: Principal,
  data: GenerateKeyInput,
): { rawKey: string; row: KeyRow } {
  enterpriseChecks(app, data);
  if (
    data.key !== undefined &&
    data.key !== null &&
    !data.key.startsWith('sk-')
  ) {
    throw invalidKeyFormat(data.key);
  }
  enforceUniqueAlias(app, data.key_alias);
  if (data.team_id && !app.state.teams.has(data.team_id)) {
    throw new HttpException(400, {
      error: `Unable to find team object in database. Team ID: ${data.team_id}`,
    });
  }
  validateBudgetDuration(data.budget_duration);
  const now = app.clock.now();
  const nowIso = now.toISOString();
  const expires = expiryFromDuration(data.duration, now);
  const rawKey = data.key ?? generateRawKey();
  const token = hashKey(rawKey);
  if (app.state.keys.has(token)) {
    throw new HttpException(400, {
      error: 'Unique constraint failed on the fields: (`token`)',
    });
  }
  const row = newKeyRow(token, abbreviateKey(rawKey), nowIso);
  for (const field of DIRECT_FIELDS) {
    const v = data[field];
    if (v !== undefined && v !== null)
      (row as Record<string, unknown>)[field] = v;
  }
  row.metadata = moveTagsIntoMetadata(
    data,
    (data.metadata as JsonObject | undefined) ?? {},
  );
  row.spend = data.spend ?? 0;
  row.expires = expires ? expires.toISOString() : null;
  row.budget_duration = data.budget_duration ?? null;
  const reset = data.budget_duration
    ? nextResetAt(data.budget_duration, now)
    : null;
  row.budget_reset_at = reset ? reset.toISOString() : null;
  row.created_by = principal.userId;
  row.updated_by = principal.userId;
  app.state.keys.set(token, row);
  return { rawKey, row };
}

export function generateKeyResponse(
  data: Record<string, unknown>,
  rawKey: string,
  row: KeyRow,
) {
  const { tags: _tags, ...request } = data;
  // `response.token = response.token_id`: both carry the hash; the raw key appears only here.
  return {
    ...request,
    ...publicKey(row),
    key: rawKey,
    token: row.token,
    token_id: row.token,
  };
}

function isOwnKey(principal: Principal, row: KeyRow): boolean {
  return (
    row.token === principal.token ||
    (principal.userId !== null && row.user_id === principal.userId)
  );
}

function generateKey(ctx: RequestCtx): Reply {
  const { app, principal } = ctx;
  const data = parseBody(generateKeySchema, ctx.body);
  if (!principal.isAdmin) {
    // Internal users may only mint keys for themselves (and teams they belong to).
    if (data.user_id && data.user_id !== principal.userId) {
      throw adminOnlyError(principal, ctx.path);
    }
    if (data.team_id) {
      const team = app.state.teams.get(data.team_id);
      if (
        !team ||
        !principal.userId ||
        !team.members.includes(principal.userId)
      ) {
        throw adminOnlyError(principal, ctx.path);
      }
    }
    data.user_id = principal.userId;
  }
  const { rawKey, row } = createKey(app, principal, data);
  return { body: generateKeyResponse(asObject(ctx.body), rawKey, row) };
}

function keyInfo(ctx: RequestCtx): Reply {
  const { app, principal } = ctx;
  const passed = ctx.query.get('key');
  // Without `key`, LiteLLM describes the calling key (`user_api_key_dict.api_key`, the hash).
  const keyValue = passed ?? principal.token;
  const row = app.state.keys.get(toTokenHash(keyValue));
  if (!row) {
    throw new ProxyError(
      404,
      'Key not found in database',
      'not_found_error',
      'key',
    );
  }
  if (!principal.canViewAll && !isOwnKey(principal, row)) {
    throw new HttpException(
      403,
      `You are not allowed to access this key's info. Your role=${
        principal.role ?? 'None'
      }`,
    );
  }
  return { body: { key: keyValue, info: publicKey(row) } };
}

function locateKey(
  app: StandInApp,
  key: string | null | undefined,
  alias: string | null | undefined,
): KeyRow {
  if (key) {
    const row = app.state.keys.get(toTokenHash(key));
    if (!row)
      throw new ProxyError(404, 'Key not found.', 'not_found_error', 'key');
    return row;
  }
  if (alias) {
    const rows = app.state.findKeysByAlias(alias);
    if (rows.length === 0)
      throw new ProxyError(
        404,
        'Key not found.',
        'not_found_error',
        'key_alias',
      );
    if (rows.length > 1) {
      throw new HttpException(400, {
        error: `Multiple keys found with key_alias=${alias}. Pass 'key' instead.`,
      });
    }
    return rows[0];
  }
  throw new HttpException(400, {
    error: 'either key or key_alias must be provided',
  });
}

function updateKey(ctx: RequestCtx): Reply {
  const { app, principal } = ctx;
  const raw = asObject(ctx.body);
  const data = parseBody(updateKeySchema, raw);
  const row = locateKey(app, data.key, data.key ? undefined : data.key_alias);
  if (!principal.isAdmin && !isOwnKey(principal, row)) {
    throw new HttpException(403, {
      error: 'You are not authorized to update this key',
    });
  }
  if (
    !principal.isAdmin &&
    'user_id' in raw &&
    raw.user_id !== principal.userId
  ) {
    throw new HttpException(403, {
      error: 'Non-admin users cannot change the user_id of a key.',
    });
  }
  enterpriseChecks(app, data);
  if (data.key && 'key_alias' in raw)
    enforceUniqueAlias(app, data.key_alias, row.token);
  if (data.team_id && !app.state.teams.has(data.team_id)) {
    throw new HttpException(400, {
      error: `Unable to find team object in database. Team ID: ${data.team_id}`,
    });
  }
  if ('budget_duration' in raw) validateBudgetDuration(data.budget_duration);
  const now = app.clock.now();
  // `/key/update` applies exactly what is sent, `null` included; `metadata` replaces.
  for (const field of DIRECT_FIELDS) {
    if (field in raw) {
      if (field === 'key_alias' && !data.key) continue;
      (row as Record<string, unknown>)[field] = data[field] ?? null;
    }
  }
  if ('metadata' in raw)
    row.metadata = (data.metadata as JsonObject | null) ?? {};
  if (data.tags && data.tags.length > 0)
    row.metadata = moveTagsIntoMetadata(data, row.metadata);
  for (const listField of [
    'models',
    'allowed_routes',
    'allowed_cache_controls',
  ] as const) {
    if (row[listField] === null) row[listField] = [];
  }
  if (row.spend === null) row.spend = 0;
  if ('budget_duration' in raw) {
    const reset = data.budget_duration
      ? nextResetAt(data.budget_duration, now)
      : null;
    row.budget_reset_at = reset ? reset.toISOString() : null;
    row.budget_duration = data.budget_duration ?? null;
  }
  if ('duration' in raw) {
    const expires = expiryFromDuration(data.duration, now);
    row.expires = expires ? expires.toISOString() : null;
  }
  row.updated_at = now.toISOString();
  row.updated_by = principal.userId;
  return { body: { ...publicKey(row), key: data.key ?? data.key_alias } };
}

function deleteKeys(ctx: RequestCtx): Reply {
  const { app, principal } = ctx;
  const data = parseBody(
    z
      .object({ keys: nullableStringList, key_aliases: nullableStringList })
      .passthrough(),
    ctx.body,
  );
  if (!data.keys?.length && !data.key_aliases?.length) {
    throw new HttpException(400, {
      error: 'Either keys or key_aliases must be provided',
    });
  }
  const rows = new Map<string, KeyRow>();
  for (const k of data.keys ?? []) {
    const row = app.state.keys.get(toTokenHash(k));
    if (row) rows.set(row.token, row);
  }
  for (const alias of data.key_aliases ?? []) {
    for (const row of app.state.findKeysByAlias(alias))
      rows.set(row.token, row);
  }
  if (rows.size === 0) throw new HttpException(404, { error: 'No keys found' });
  for (const row of rows.values()) {
    if (!principal.isAdmin && !isOwnKey(principal, row)) {
      throw new HttpException(403, {
        error: 'You are not authorized to delete this key',
      });
    }
  }
  for (const token of rows.keys()) app.state.keys.delete(token);
  return {
    body: { deleted_keys: data.keys?.length ? data.keys : data.key_aliases },
  };
}

function regenerateKey(ctx: RequestCtx): Reply {
  const { app, principal } = ctx;
  if (!app.options.licensed) {
    throw valueError(
      `Regenerating Virtual Keys is an Enterprise feature, ${PREMIUM_REQUIRED}`,
    );
  }
  const raw = asObject(ctx.body);
  const data = parseBody(
    generateKeySchema.extend({
      new_key: nullableString,
      grace_period: nullableString,
    }),
    raw,
  );
  const keyValue = ctx.params.key ?? data.key;
  if (!keyValue) throw new HttpException(400, { error: 'No key passed in.' });
  const row = app.state.keys.get(toTokenHash(keyValue));
  if (!row)
    throw new HttpException(404, { error: `Key ${keyValue} not found.` });
  if (!principal.isAdmin && !isOwnKey(principal, row)) {
    throw new HttpException(403, {
      error: 'You are not authorized to regenerate this key',
    });
  }
  if (data.new_key && !data.new_key.startsWith('sk-'))
    throw invalidKeyFormat(data.new_key);
  if ('key_alias' in raw) enforceUniqueAlias(app, data.key_alias, row.token);
  const now = app.clock.now();
  const rawKey = data.new_key ?? generateRawKey();
  const oldToken = row.token;
  const token = hashKey(rawKey);
  app.state.keys.delete(oldToken);
  row.token = token;
  row.key_name = abbreviateKey(rawKey);
  for (const field of [
    'key_alias',
    'max_budget',
    'budget_duration',
    'models',
    'metadata',
    'tpm_limit',
    'rpm_limit',
  ] as const) {
    if (field in raw)
      (row as Record<string, unknown>)[field] = data[field] ?? null;
  }
  row.rotation_count += 1;
  row.last_rotation_at = now.toISOString();
  row.updated_at = now.toISOString();
  row.updated_by = principal.userId;
  app.state.keys.set(token, row);
  // `grace_period` (e.g. "48h") keeps the old key working until it lapses.
  const graceUntil = expiryFromDuration(data.grace_period, now);
  if (graceUntil) {
    app.state.graceTokens.set(oldToken, { token, until: graceUntil.getTime() });
  }
  return { body: generateKeyResponse({}, rawKey, row) };
}

const listQuery = z
  .object({
    page: intQuery(1, 1),
    size: intQuery(10, 1, 100),
    user_id: z.string().optional(),
    team_id: z.string().optional(),
    key_alias: z.string().optional(),
    key_hash: z.string().optional(),
    return_full_object: z.enum(['true', 'false', 'True', 'False']).optional(),
    sort_by: z.string().optional(),
    sort_order: z.enum(['asc', 'desc']).optional(),
  })
  .passthrough();

function listKeys(ctx: RequestCtx): Reply {
  const { app, principal } = ctx;
  const q = parseQuery(listQuery, ctx.query);
  let userId = q.user_id;
  if (!principal.canViewAll) {
    if (userId && userId !== principal.userId) {
      throw new HttpException(403, {
        error: "You are not authorized to check another user's keys",
      });
    }
    userId = principal.userId ?? '\u0000none';
  }
  let rows = [...app.state.keys.values()].filter(
    k =>
      (!userId || k.user_id === userId) &&
      (!q.team_id || k.team_id === q.team_id) &&
      (!q.key_alias || k.key_alias === q.key_alias) &&
      (!q.key_hash || k.token === q.key_hash),
  );
  const sortBy = q.sort_by ?? 'created_at';
  const dir = (q.sort_order ?? 'desc') === 'desc' ? -1 : 1;
  rows = rows.sort((a, b) => {
    const av = (a as Record<string, unknown>)[sortBy];
    const bv = (b as Record<string, unknown>)[sortBy];
    if (av === bv) return 0;
    if (av === null || av === undefined) return 1;
    if (bv === null || bv === undefined) return -1;
    return (av < bv ? -1 : 1) * dir;
  });
  const total = rows.length;
  const pageRows = rows.slice((q.page - 1) * q.size, q.page * q.size);
  const full = q.return_full_object?.toLowerCase() === 'true';
  return {
    body: {
      keys: pageRows.map(k => (full ? snapshot(k) : k.token)),
      total_count: total,
      current_page: q.page,
      total_pages: Math.ceil(total / q.size),
    },
  };
}

function setBlocked(blocked: boolean) {
  return (ctx: RequestCtx): Reply => {
    const data = parseBody(
      z.object({ key: z.string() }).passthrough(),
      ctx.body,
    );
    const row = ctx.app.state.keys.get(toTokenHash(data.key));
    if (!row)
      throw new ProxyError(404, 'Key not found.', 'not_found_error', 'key');
    row.blocked = blocked;
    row.updated_at = ctx.app.nowIso();
    return { body: snapshot(row) };
  };
}

export const keyRoutes: RouteDef[] = [
  {
    method: 'POST',
    path: '/key/generate',
    access: 'self',
    handler: generateKey,
  },
  { method: 'GET', path: '/key/info', access: 'self', handler: keyInfo },
  { method: 'POST', path: '/key/update', access: 'self', handler: updateKey },
  { method: 'POST', path: '/key/delete', access: 'self', handler: deleteKeys },
  {
    method: 'POST',
    path: '/key/regenerate',
    access: 'self',
    handler: regenerateKey,
  },
  {
    method: 'POST',
    path: '/key/:key/regenerate',
    access: 'self',
    handler: regenerateKey,
  },
  { method: 'GET', path: '/key/list', access: 'self', handler: listKeys },
  {
    method: 'POST',
    path: '/key/block',
    access: 'admin',
    handler: setBlocked(true),
  },
  {
    method: 'POST',
    path: '/key/unblock',
    access: 'admin',
    handler: setBlocked(false),
  },
];
