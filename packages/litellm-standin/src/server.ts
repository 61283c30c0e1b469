import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  authenticate,
  checkRouteAccess,
  extractApiKey,
  requireKeyPresent,
} from './auth';
import { type BudgetResetResult, runBudgetResetJob } from './budget';
import { StandInClock } from './clock';
import { DetailError, HttpException, ProxyError, renderError } from './errors';
import {
  type ActiveFailure,
  asObject,
  type Principal,
  type RequestCtx,
  type ResolvedOptions,
  type RouteDef,
  sendJson,
  type StandInApp,
} from './http';
import {
  checkEndUserBudget,
  checkKeyBudget,
  checkOwnerBudget,
  resolveEndUser,
} from './limits';
import {
  DEFAULT_MODELS,
  DEFAULT_VERSION,
  FAILURE_MODES,
  type FailureMode,
  type LiteLlmStandInOptions,
} from './options';
import { audioRoutes } from './routes/audio';
import { completionRoutes } from './routes/completions';
import { customerResponse, customerRoutes } from './routes/customers';
import { healthRoutes } from './routes/health';
import { hookRoutes, type RuntimeSwitches } from './routes/hooks';
import { imageRoutes } from './routes/images';
import { keyRoutes } from './routes/keys';
import { spendRoutes } from './routes/spend';
import { teamRoutes } from './routes/teams';
import { userRoutes } from './routes/users';
import {
  type BudgetRow,
  hashKey,
  type KeyRow,
  snapshot,
  type SpendLogRow,
  StandInState,
  type StreamCounters,
  type TeamRow,
  toTokenHash,
  type UploadRecord,
  type UserRow,
} from './state';

/** Handle returned by {@link startLiteLlmStandIn}. */
export interface LiteLlmStandIn {
  /** `http://host:port`, no trailing slash. */
  url: string;
  port: number;
  /** Stops the timer, drops open (including hanging) connections and closes the server. */
  close(): Promise<void>;
  clock: {
    now(): Date;
    advance(ms: number): Date;
    set(date: Date | string | number): Date;
  };
  /** One pass of the budget reset job at the current clock time. */
  runBudgetReset(): BudgetResetResult;
  /** Injects a failure (see {@link FailureMode}); `null` clears it. */
  setFailureMode(failure: FailureMode | null): void;
  /**
   * Changes switches at runtime (status for budget errors, legacy users, licence, latency, stream
   * chunk delay and count, …).
   */
  configure(patch: RuntimeSwitches): void;
  /**
   * Drops all users, keys, teams, customers, budgets, spend logs and rate-limit counters, clears
   * the failure mode and moves the clock back to its source. Switches set by `configure` stay.
   */
  reset(): void;
  users(): UserRow[];
  keys(): KeyRow[];
  /** A key row by raw key or hash. */
  findKey(keyOrHash: string): KeyRow | undefined;
  teams(): TeamRow[];
  customers(): ReturnType<typeof customerResponse>[];
  budgets(): BudgetRow[];
  spendLogs(): SpendLogRow[];
  /** SSE stream outcomes (chat and text completions) since the last reset. */
  streams(): StreamCounters;
  /** The newest multipart uploads (at most 100) with the file bytes received. */
  uploads(): UploadRecord[];
}

const ANONYMOUS: Principal = {
  kind: 'key',
  token: '',
  abbreviated: '',
  userId: null,
  role: null,
  isAdmin: false,
  canViewAll: false,
};

const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Failures applied before a route runs. `upstream-error` is the exception:
 * model routes take it after their auth, budget and rate-limit checks.
 */
const BEFORE_ROUTE_FAILURES = FAILURE_MODES.filter(
  mode => mode !== 'upstream-error',
);

interface CompiledRoute {
  route: RouteDef;
  segments: string[];
}

function compile(routes: RouteDef[]): CompiledRoute[] {
  return routes.map(route => ({ route, segments: route.path.split('/') }));
}

function match(
  routes: CompiledRoute[],
  method: string,
  path: string,
): { route: RouteDef; params: Record<string, string> } | 'method' | undefined {
  const parts = path.split('/');
  let methodMismatch = false;
  for (const { route, segments } of routes) {
    if (segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < segments.length && ok; i++) {
      if (segments[i].startsWith(':')) {
        try {
          params[segments[i].slice(1)] = decodeURIComponent(parts[i]);
        } catch {
          ok = false;
        }
      } else if (segments[i] !== parts[i]) ok = false;
    }
    if (!ok) continue;
    if (route.method === method) return { route, params };
    methodMismatch = true;
  }
  return methodMismatch ? 'method' : undefined;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new DetailError(413, 'Request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function resolveOptions(options: LiteLlmStandInOptions): ResolvedOptions {
  if (!options.masterKey)
    throw new Error('LiteLLM stand-in: masterKey is required');
  if (!options.masterKey.startsWith('sk-')) {
    // LiteLLM requires `master_key` to start with `sk-`.
    throw new Error("LiteLLM stand-in: masterKey must start with 'sk-'");
  }
  const models = options.models ?? DEFAULT_MODELS;
  const names = new Set<string>();
  for (const m of models) {
    if (!m.model_name)
      throw new Error('LiteLLM stand-in: every model needs a model_name');
    if (names.has(m.model_name)) {
      throw new Error(`LiteLLM stand-in: duplicate model_name ${m.model_name}`);
    }
    names.add(m.model_name);
  }
  return {
    masterKey: options.masterKey,
    masterKeyHash: hashKey(options.masterKey),
    models: structuredClone(models),
    budgetExceededStatus: options.budgetExceededStatus ?? 429,
    legacyDuplicateUsers: options.legacyDuplicateUsers ?? false,
    licensed: options.licensed ?? false,
    latencyMs: options.latencyMs ?? 0,
    streamChunkDelayMs: options.streamChunkDelayMs ?? 0,
    mockStreamChunks: options.mockStreamChunks ?? 0,
    userHeaderName: options.userHeaderName,
    userHeaderMappings: options.userHeaderMappings ?? [],
    alwaysIncludeStreamUsage: options.alwaysIncludeStreamUsage ?? false,
    maxEndUserBudget: options.maxEndUserBudget,
    maxInternalUserBudget: options.maxInternalUserBudget,
    internalUserBudgetDuration: options.internalUserBudgetDuration,
    version: options.version ?? DEFAULT_VERSION,
    logger: options.logger,
  };
}

class StandInServer implements StandInApp {
  readonly state = new StandInState();
  readonly clock: StandInClock;
  readonly options: ResolvedOptions;
  failure: ActiveFailure | null = null;
  private readonly routes: CompiledRoute[];

  constructor(options: LiteLlmStandInOptions) {
    this.options = resolveOptions(options);
    this.clock = new StandInClock(options.now);
    this.routes = compile([
      ...healthRoutes,
      ...completionRoutes,
      ...imageRoutes,
      ...audioRoutes,
      ...userRoutes,
      ...keyRoutes,
      ...customerRoutes,
      ...teamRoutes,
      ...spendRoutes,
      ...hookRoutes(this),
    ]);
  }

  nowIso(): string {
    return this.clock.now().toISOString();
  }

  takeFailure(path: string, modes: FailureMode['mode'][]): FailureMode | null {
    const active = this.failure;
    if (!active || !modes.includes(active.failure.mode)) return null;
    const routes = active.failure.routes;
    if (
      routes &&
      routes.length > 0 &&
      !routes.some(r => path === r || path.startsWith(`${r}/`))
    ) {
      return null;
    }
    active.remaining -= 1;
    if (active.remaining <= 0) this.failure = null;
    return active.failure;
  }

  setFailureMode(failure: FailureMode | null): void {
    this.failure = failure
      ? { failure: { ...failure }, remaining: failure.times ?? Infinity }
      : null;
  }

  configure(patch: RuntimeSwitches): void {
    const o = this.options;
    if (patch.budgetExceededStatus !== undefined)
      o.budgetExceededStatus = patch.budgetExceededStatus;
    if (patch.legacyDuplicateUsers !== undefined)
      o.legacyDuplicateUsers = patch.legacyDuplicateUsers;
    if (patch.licensed !== undefined) o.licensed = patch.licensed;
    if (patch.latencyMs !== undefined) o.latencyMs = patch.latencyMs;
    if (patch.streamChunkDelayMs !== undefined)
      o.streamChunkDelayMs = patch.streamChunkDelayMs;
    if (patch.mockStreamChunks !== undefined)
      o.mockStreamChunks = patch.mockStreamChunks;
    if (patch.maxEndUserBudget !== undefined)
      o.maxEndUserBudget = patch.maxEndUserBudget;
    if (patch.alwaysIncludeStreamUsage !== undefined) {
      o.alwaysIncludeStreamUsage = patch.alwaysIncludeStreamUsage;
    }
  }

  runBudgetReset(): BudgetResetResult {
    return runBudgetResetJob(this.state, this.clock.now());
  }

  reset(): void {
    this.state.clear();
    this.failure = null;
    this.clock.reset();
  }

  dump() {
    return {
      now: this.nowIso(),
      users: [...this.state.users.values()].map(snapshot),
      keys: [...this.state.keys.values()].map(snapshot),
      teams: [...this.state.teams.values()].map(snapshot),
      customers: [...this.state.customers.values()].map(c =>
        customerResponse(this, c),
      ),
      budgets: [...this.state.budgets.values()].map(snapshot),
      spend_logs: this.state.spendLogs.map(snapshot),
      streams: snapshot(this.state.streams),
      uploads: this.state.uploads.map(snapshot),
      failure: this.failure?.failure ?? null,
    };
  }

  private applyTransportFailure(
    failure: FailureMode,
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    switch (failure.mode) {
      case 'error': {
        const status = failure.status ?? 500;
        sendJson(
          res,
          status,
          new ProxyError(
            status,
            failure.message ?? 'LiteLLM stand-in: injected failure',
            'internal_server_error',
          ).toBody(),
        );
        return;
      }
      case 'malformed-json': {
        const broken =
          '{"id": "chatcmpl-standin-broken", "choices": [{"message": {"content": "tru';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(broken);
        return;
      }
      case 'disconnect':
        req.socket.destroy();
        return;
      case 'hang':
      default:
        // Leave the request open; `close()` drops the socket.
        return;
    }
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedAt = this.clock.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://stand-in.local');
    const path =
      url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
    const logger = this.options.logger;
    if (logger) {
      const t0 = Date.now();
      res.on('finish', () =>
        logger(
          `${method} ${path} -> ${res.statusCode} (${Date.now() - t0} ms)`,
        ),
      );
    }

    const found = match(this.routes, method, path);
    if (found === undefined) {
      sendJson(res, 404, { detail: 'Not Found' });
      return;
    }
    if (found === 'method') {
      sendJson(res, 405, { detail: 'Method Not Allowed' });
      return;
    }
    const { route, params } = found;
    /** `hang-after`: the call is done as usual, and its answer never sent. */
    let answerNever = false;
    if (!path.startsWith('/__standin/')) {
      const failure = this.takeFailure(path, BEFORE_ROUTE_FAILURES);
      if (failure?.mode === 'hang-after') {
        answerNever = true;
      } else if (failure) {
        this.applyTransportFailure(failure, req, res);
        return;
      }
    }

    let body: unknown;
    try {
      const text =
        method === 'GET' || route.body === 'stream' ? '' : await readBody(req);
      if (text.trim() !== '') {
        try {
          body = JSON.parse(text);
        } catch (e) {
          throw new DetailError(422, [
            {
              type: 'json_invalid',
              loc: ['body', 0],
              msg: 'JSON decode error',
              input: {},
              ctx: { error: e instanceof Error ? e.message : String(e) },
            },
          ]);
        }
      }
    } catch (err) {
      const rendered = renderError(err, 'detail');
      sendJson(res, rendered.status, rendered.toBody());
      return;
    }

    const ctx: RequestCtx = {
      req,
      res,
      method,
      path,
      url,
      rawQuery: url.search.replace(/^\?/, ''),
      query: url.searchParams,
      params,
      body,
      principal: ANONYMOUS,
      app: this,
      startedAt,
    };
    try {
      if (route.access !== 'public') {
        const apiKey = requireKeyPresent(extractApiKey(req.headers));
        if (route.access === 'llm') {
          // The end-user budget is checked before the key is looked up.
          ctx.endUser = resolveEndUser(this, req.headers, asObject(body));
          checkEndUserBudget(this, ctx.endUser);
        }
        ctx.principal = authenticate(this, apiKey);
        if (ctx.principal.kind === 'key') {
          if (route.access === 'llm-info') {
            checkKeyBudget(this, ctx.principal);
            checkOwnerBudget(this, ctx.principal);
          } else if (route.access !== 'llm') {
            // An over-budget user or team is refused on every route its keys call.
            checkOwnerBudget(this, ctx.principal);
          }
        }
        checkRouteAccess(ctx.principal, route.access, method, path);
      }
      const reply = await route.handler(ctx);
      if (answerNever) return;
      if (reply && !res.headersSent) {
        sendJson(res, reply.status ?? 200, reply.body, reply.headers);
      }
    } catch (err) {
      if (
        logger &&
        !(
          err instanceof ProxyError ||
          err instanceof DetailError ||
          err instanceof HttpException
        )
      ) {
        logger(
          `error on ${method} ${path}: ${
            err instanceof Error ? err.stack : String(err)
          }`,
        );
      }
      if (answerNever) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const rendered = renderError(err, route.errors ?? 'proxy');
      sendJson(
        res,
        rendered.status,
        rendered.toBody(),
        rendered instanceof ProxyError ? rendered.headers : {},
      );
    }
  }
}

/**
 * Starts the LiteLLM stand-in on `host:port` (port 0 = any free port). In-memory state only.
 * A test and demo tool: never put it in front of real users.
 */
export async function startLiteLlmStandIn(
  options: LiteLlmStandInOptions,
): Promise<LiteLlmStandIn> {
  const app = new StandInServer(options);
  const server: Server = createServer((req, res) => {
    app.handle(req, res).catch(err => {
      if (!res.headersSent)
        sendJson(res, 500, { detail: 'Internal Server Error' });
      else res.destroy();
      app.options.logger?.(
        `unhandled: ${err instanceof Error ? err.stack : String(err)}`,
      );
    });
  });
  // Streams and hangs can outlive the default timeouts; tests decide when to give up.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host =
    address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const displayHost =
    host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
  const timer =
    options.budgetResetIntervalMs && options.budgetResetIntervalMs > 0
      ? setInterval(() => app.runBudgetReset(), options.budgetResetIntervalMs)
      : undefined;
  timer?.unref();

  let closing: Promise<void> | undefined;
  return {
    url: `http://${displayHost}:${address.port}`,
    port: address.port,
    close() {
      closing ??= new Promise<void>(resolve => {
        if (timer) clearInterval(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
    clock: {
      now: () => app.clock.now(),
      advance: ms => app.clock.advance(ms),
      set: date => app.clock.set(date),
    },
    runBudgetReset: () => app.runBudgetReset(),
    setFailureMode: failure => app.setFailureMode(failure),
    configure: patch => app.configure(patch),
    reset: () => app.reset(),
    users: () => [...app.state.users.values()].map(snapshot),
    keys: () => [...app.state.keys.values()].map(snapshot),
    findKey: keyOrHash => {
      const row = app.state.keys.get(toTokenHash(keyOrHash));
      return row ? snapshot(row) : undefined;
    },
    teams: () => [...app.state.teams.values()].map(snapshot),
    customers: () =>
      [...app.state.customers.values()].map(c => customerResponse(app, c)),
    budgets: () => [...app.state.budgets.values()].map(snapshot),
    spendLogs: () => app.state.spendLogs.map(snapshot),
    streams: () => snapshot(app.state.streams),
    uploads: () => app.state.uploads.map(snapshot),
  };
}
