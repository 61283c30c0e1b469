import { createHash, randomBytes } from 'node:crypto';

/**
 * In-memory tables named after LiteLLM's Prisma schema (`LiteLLM_UserTable`,
 * `LiteLLM_VerificationToken`, `LiteLLM_TeamTable`, `LiteLLM_EndUserTable`, `LiteLLM_BudgetTable`,
 * `LiteLLM_SpendLogs`). Field names follow the JSON LiteLLM returns, so rows can be served as-is.
 * Timestamps are ISO-8601 strings.
 */

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json | undefined;
}

export type UserRole =
  | 'proxy_admin'
  | 'proxy_admin_viewer'
  | 'internal_user'
  | 'internal_user_viewer';

export interface UserRow {
  user_id: string;
  user_email: string | null;
  user_alias: string | null;
  user_role: UserRole | null;
  team_id: string | null;
  sso_user_id: string | null;
  organization_id: string | null;
  teams: string[];
  max_budget: number | null;
  soft_budget: number | null;
  spend: number;
  models: string[];
  metadata: JsonObject;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  budget_limits: Json[] | null;
  allowed_cache_controls: string[];
  model_spend: Record<string, number>;
  model_max_budget: JsonObject;
  blocked: boolean | null;
  object_permission_id: string | null;
  object_permission: JsonObject | null;
  created_at: string;
  updated_at: string;
  [extra: string]: unknown;
}

export interface KeyRow {
  /** SHA-256 hex of the raw key; the raw key itself is never stored. */
  token: string;
  key_name: string;
  key_alias: string | null;
  spend: number;
  max_budget: number | null;
  soft_budget: number | null;
  expires: string | null;
  models: string[];
  aliases: JsonObject;
  config: JsonObject;
  user_id: string | null;
  team_id: string | null;
  organization_id: string | null;
  project_id: string | null;
  budget_id: string | null;
  max_parallel_requests: number | null;
  metadata: JsonObject;
  tpm_limit: number | null;
  rpm_limit: number | null;
  model_rpm_limit: JsonObject | null;
  model_tpm_limit: JsonObject | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  budget_limits: Json[] | null;
  allowed_cache_controls: string[];
  allowed_routes: string[];
  key_type: string;
  permissions: JsonObject;
  model_spend: Record<string, number>;
  model_max_budget: JsonObject;
  blocked: boolean | null;
  enforced_params: string[] | null;
  guardrails: string[] | null;
  tags: string[] | null;
  org_id: string | null;
  auto_rotate: boolean | null;
  rotation_interval: string | null;
  key_rotation_at: string | null;
  last_rotation_at: string | null;
  rotation_count: number;
  object_permission_id: string | null;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  updated_by: string | null;
  last_active: string | null;
  litellm_budget_table: JsonObject | null;
  [extra: string]: unknown;
}

export interface TeamRow {
  team_id: string;
  team_alias: string | null;
  organization_id: string | null;
  admins: string[];
  members: string[];
  members_with_roles: {
    user_id: string | null;
    user_email?: string | null;
    role: string;
  }[];
  metadata: JsonObject;
  max_budget: number | null;
  spend: number;
  models: string[];
  max_parallel_requests: number | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  blocked: boolean;
  model_spend: Record<string, number>;
  model_max_budget: JsonObject;
  created_at: string;
  updated_at: string;
  [extra: string]: unknown;
}

export interface BudgetRow {
  budget_id: string;
  max_budget: number | null;
  soft_budget: number | null;
  max_parallel_requests: number | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  model_max_budget: JsonObject | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  allowed_models: string[] | null;
  created_at: string;
  created_by: string;
  updated_at: string;
  updated_by: string;
}

export interface CustomerRow {
  user_id: string;
  alias: string | null;
  spend: number;
  allowed_model_region: 'eu' | 'us' | null;
  default_model: string | null;
  budget_id: string | null;
  blocked: boolean;
  object_permission_id: string | null;
  object_permission: JsonObject | null;
}

export interface SpendLogRow {
  request_id: string;
  call_type: string;
  api_key: string;
  spend: number;
  total_tokens: number;
  prompt_tokens: number;
  completion_tokens: number;
  startTime: string;
  endTime: string;
  completionStartTime: string | null;
  model: string;
  model_id: string | null;
  model_group: string;
  custom_llm_provider: string;
  api_base: string;
  user: string;
  team_id: string | null;
  end_user: string;
  metadata: JsonObject;
  request_tags: string[];
  cache_hit: 'True' | 'False';
  cache_key: string;
  requester_ip_address: string | null;
  messages: JsonObject;
  response: JsonObject;
  proxy_server_request: JsonObject;
  session_id: string | null;
  status: 'success' | 'failure';
  mcp_namespaced_tool_name: string | null;
}

/**
 * Outcomes of SSE streams (chat and text completions). `aborted`: the client closed the connection
 * before the stream completed; `failed`: the stand-in dropped it (`upstream-error` failure mode).
 */
export interface StreamCounters {
  started: number;
  completed: number;
  aborted: number;
  failed: number;
}

/** One multipart upload (`/audio/transcriptions`), recorded once its `file` part was read whole. */
export interface UploadRecord {
  /** SpendLogs `request_id` once the call is billed; null when the call was refused. */
  request_id: string | null;
  route: string;
  model: string | null;
  field: string;
  filename: string;
  content_type: string;
  /** File bytes received, counted while streaming. */
  bytes: number;
  received_at: string;
}

/** Only the newest uploads are kept. */
export const MAX_UPLOADS = 100;

export function newStreamCounters(): StreamCounters {
  return { started: 0, completed: 0, aborted: 0, failed: 0 };
}

/** Requests/tokens counted in the current one-minute window, per rate-limited entity. */
export interface RateWindow {
  windowStart: number;
  requests: number;
  tokens: number;
}

export function hashKey(rawKey: string): string {
  return createHash('sha256').update(rawKey).digest('hex');
}

/** `abbreviate_api_key`: `sk-...` plus the last four characters. */
export function abbreviateKey(rawKey: string): string {
  return `sk-...${rawKey.slice(-4)}`;
}

/** LiteLLM mints `"sk-" + secrets.token_urlsafe(16)`. */
export function generateRawKey(): string {
  return `sk-${randomBytes(16).toString('base64url')}`;
}

/** A value that is a raw key gets hashed; anything else is taken to be a hash already. */
export function toTokenHash(keyOrHash: string): string {
  return keyOrHash.startsWith('sk-') ? hashKey(keyOrHash) : keyOrHash;
}

export class StandInState {
  users = new Map<string, UserRow>();
  keys = new Map<string, KeyRow>();
  teams = new Map<string, TeamRow>();
  customers = new Map<string, CustomerRow>();
  budgets = new Map<string, BudgetRow>();
  spendLogs: SpendLogRow[] = [];
  /** Spend made with the master key (it has no key row). */
  masterSpend = 0;
  rateWindows = new Map<string, RateWindow>();
  inFlight = new Map<string, number>();
  /** Old key hash → new key hash, valid until the epoch ms (regenerate with `grace_period`). */
  graceTokens = new Map<string, { token: string; until: number }>();
  /** Replaced (not zeroed) on clear, so a stream still running keeps counting into the old one. */
  streams: StreamCounters = newStreamCounters();
  uploads: UploadRecord[] = [];

  clear(): void {
    this.users.clear();
    this.keys.clear();
    this.teams.clear();
    this.customers.clear();
    this.budgets.clear();
    this.spendLogs = [];
    this.masterSpend = 0;
    this.rateWindows.clear();
    this.inFlight.clear();
    this.graceTokens.clear();
    this.streams = newStreamCounters();
    this.uploads = [];
  }

  addUpload(upload: UploadRecord): void {
    this.uploads.push(upload);
    if (this.uploads.length > MAX_UPLOADS) this.uploads.shift();
  }

  findKeysByAlias(alias: string): KeyRow[] {
    return [...this.keys.values()].filter(k => k.key_alias === alias);
  }

  findUserByEmail(email: string): UserRow | undefined {
    const wanted = email.toLowerCase();
    return [...this.users.values()].find(
      u => u.user_email !== null && u.user_email.toLowerCase() === wanted,
    );
  }

  keysOfUser(userId: string): KeyRow[] {
    return [...this.keys.values()].filter(k => k.user_id === userId);
  }
}

export function newUserRow(userId: string, nowIso: string): UserRow {
  return {
    user_id: userId,
    user_email: null,
    user_alias: null,
    user_role: null,
    team_id: null,
    sso_user_id: null,
    organization_id: null,
    teams: [],
    max_budget: null,
    soft_budget: null,
    spend: 0,
    models: [],
    metadata: {},
    tpm_limit: null,
    rpm_limit: null,
    max_parallel_requests: null,
    budget_duration: null,
    budget_reset_at: null,
    budget_limits: null,
    allowed_cache_controls: [],
    model_spend: {},
    model_max_budget: {},
    blocked: null,
    object_permission_id: null,
    object_permission: null,
    created_at: nowIso,
    updated_at: nowIso,
  };
}

export function newKeyRow(
  token: string,
  keyName: string,
  nowIso: string,
): KeyRow {
  return {
    token,
    key_name: keyName,
    key_alias: null,
    spend: 0,
    max_budget: null,
    soft_budget: null,
    expires: null,
    models: [],
    aliases: {},
    config: {},
    user_id: null,
    team_id: null,
    organization_id: null,
    project_id: null,
    budget_id: null,
    max_parallel_requests: null,
    metadata: {},
    tpm_limit: null,
    rpm_limit: null,
    model_rpm_limit: null,
    model_tpm_limit: null,
    budget_duration: null,
    budget_reset_at: null,
    budget_limits: null,
    allowed_cache_controls: [],
    allowed_routes: [],
    key_type: 'default',
    permissions: {},
    model_spend: {},
    model_max_budget: {},
    blocked: null,
    enforced_params: null,
    guardrails: null,
    tags: null,
    org_id: null,
    auto_rotate: false,
    rotation_interval: null,
    key_rotation_at: null,
    last_rotation_at: null,
    rotation_count: 0,
    object_permission_id: null,
    created_at: nowIso,
    created_by: null,
    updated_at: nowIso,
    updated_by: null,
    last_active: null,
    litellm_budget_table: null,
  };
}

export function newTeamRow(teamId: string, nowIso: string): TeamRow {
  return {
    team_id: teamId,
    team_alias: null,
    organization_id: null,
    admins: [],
    members: [],
    members_with_roles: [],
    metadata: {},
    max_budget: null,
    spend: 0,
    models: [],
    max_parallel_requests: null,
    tpm_limit: null,
    rpm_limit: null,
    budget_duration: null,
    budget_reset_at: null,
    blocked: false,
    model_spend: {},
    model_max_budget: {},
    created_at: nowIso,
    updated_at: nowIso,
  };
}

export function newBudgetRow(
  budgetId: string,
  nowIso: string,
  createdBy: string,
): BudgetRow {
  return {
    budget_id: budgetId,
    max_budget: null,
    soft_budget: null,
    max_parallel_requests: null,
    tpm_limit: null,
    rpm_limit: null,
    model_max_budget: null,
    budget_duration: null,
    budget_reset_at: null,
    allowed_models: null,
    created_at: nowIso,
    created_by: createdBy,
    updated_at: nowIso,
    updated_by: createdBy,
  };
}

/** `structuredClone` so callers cannot mutate the server's rows. */
export function snapshot<T>(value: T): T {
  return structuredClone(value);
}
