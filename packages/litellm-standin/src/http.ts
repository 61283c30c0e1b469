import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StandInClock } from './clock';
import type { ErrorStyle } from './errors';
import type { FailureMode, StandInModel, UserHeaderMapping } from './options';
import type { KeyRow, StandInState, TeamRow, UserRole, UserRow } from './state';

/** Options after defaults are applied. */
export interface ResolvedOptions {
  masterKey: string;
  masterKeyHash: string;
  models: StandInModel[];
  budgetExceededStatus: 429 | 400;
  legacyDuplicateUsers: boolean;
  licensed: boolean;
  latencyMs: number;
  streamChunkDelayMs: number;
  mockStreamChunks: number;
  userHeaderName?: string;
  userHeaderMappings: UserHeaderMapping[];
  alwaysIncludeStreamUsage: boolean;
  maxEndUserBudget?: number;
  maxInternalUserBudget?: number;
  internalUserBudgetDuration?: string;
  version: string;
  logger?: (line: string) => void;
}

export interface ActiveFailure {
  failure: FailureMode;
  remaining: number;
}

/** Everything a route handler can reach. */
export interface StandInApp {
  state: StandInState;
  clock: StandInClock;
  options: ResolvedOptions;
  failure: ActiveFailure | null;
  /** Consumes one use of the active failure if it applies to this path and mode. */
  takeFailure(path: string, modes: FailureMode['mode'][]): FailureMode | null;
  nowIso(): string;
}

/** Who is calling, resolved from the API key (`UserAPIKeyAuth` in LiteLLM). */
export interface Principal {
  kind: 'master' | 'key';
  /** SHA-256 of the presented key. */
  token: string;
  /** `sk-...XXXX` of the presented key. */
  abbreviated: string;
  key?: KeyRow;
  user?: UserRow;
  team?: TeamRow;
  /** `default_user_id` for the master key (`litellm_proxy_admin_name`). */
  userId: string | null;
  role: UserRole | null;
  /** proxy_admin: may do anything. */
  isAdmin: boolean;
  /** proxy_admin or proxy_admin_viewer: may read anything. */
  canViewAll: boolean;
}

/**
 * Route classes, after LiteLLM's `LiteLLMRoutes` groups:
 * - `public`: no key (health probes);
 * - `llm`: model calls; the handler runs model access, key/user/team budgets and rate limits;
 * - `llm-info`: `/models`, `/model/info`: key and user/team budgets apply, no rate limits;
 * - `self`: routes an internal user may call for their own objects (handler narrows);
 * - `admin`: proxy admin only; `admin-read`: proxy admin or proxy_admin_viewer;
 * - `master`: stand-in test hooks, master key only.
 */
export type RouteAccess =
  | 'public'
  | 'llm'
  | 'llm-info'
  | 'self'
  | 'admin'
  | 'admin-read'
  | 'master';

export interface RequestCtx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  path: string;
  url: URL;
  /** The query string exactly as sent (no `+` → space conversion). */
  rawQuery: string;
  query: URLSearchParams;
  params: Record<string, string>;
  body: unknown;
  principal: Principal;
  /** End-user id resolved for model routes (see `resolveEndUser`). */
  endUser?: string;
  app: StandInApp;
  startedAt: Date;
}

export interface Reply {
  status?: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A handler returns a JSON reply, or `undefined` once it has written the response itself. */
export type Handler = (ctx: RequestCtx) => Promise<Reply | void> | Reply | void;

export interface RouteDef {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  access: RouteAccess;
  errors?: ErrorStyle;
  /**
   * `json` (default): the server reads and parses the whole body before auth. `stream`: the body
   * is left unread for the handler (multipart uploads), and `ctx.body` is undefined.
   */
  body?: 'json' | 'stream';
  handler: Handler;
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/**
 * Reads one query parameter from the raw query string with `decodeURIComponent` only, so a `+`
 * survives (LiteLLM's `get_user_id_from_request` does this for `/user/info` emails).
 */
export function rawQueryParam(rawQuery: string, name: string): string | null {
  for (const part of rawQuery.split('&')) {
    const eq = part.indexOf('=');
    const k = eq === -1 ? part : part.slice(0, eq);
    if (k === name) {
      const v = eq === -1 ? '' : part.slice(eq + 1);
      try {
        return decodeURIComponent(v);
      } catch {
        return v;
      }
    }
  }
  return null;
}

export function delay(ms: number): Promise<void> {
  return ms > 0
    ? new Promise(resolve => setTimeout(resolve, ms))
    : Promise.resolve();
}

export function asObject(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body)
    ? (body as Record<string, unknown>)
    : {};
}
