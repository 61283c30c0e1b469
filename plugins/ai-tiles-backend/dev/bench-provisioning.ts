/*
 * Provisioning benchmark (issue "Per-employee AI access", Speed). Prints
 * figures; asserts nothing.
 *
 *   yarn bench:provisioning [--employees 1000] [--concurrency 100] [--db sqlite|postgres] [--pool 10] [--floor]
 *
 * Three processes: the load generator (this one), the portal (a child running
 * the ai-tiles plugin in a test backend: real router, real database, mock
 * sign-in so 2,000 distinct employees can call it, the catalog answered from
 * a map) and the LiteLLM stand-in. Every LiteLLM call is timed from undici's
 * diagnostics channels (from the request's creation to its last byte read)
 * and attributed to its employee, so "portal overhead" = the employee's
 * request latency minus the time spent waiting for the stand-in. Each phase
 * also reports CPU per process (share of one core), the portal's event-loop
 * delay, and how long queries waited for a database connection and then
 * held it: where a queue forms. The overhead is also split by where it is
 * spent: before the portal starts on the request, in the portal's own steps
 * between its LiteLLM calls, and on the way back (both processes stamp the
 * same clock: `performance.timeOrigin + performance.now()`).
 *
 * `--floor` runs the same phases against a route that does only what no
 * provisioning can skip (see floorPlugin): the figures any implementation on
 * this stack and machine starts from.
 *
 * Each concurrent employee has a connection of its own, opened before the
 * phase, as a reverse proxy keeps them (Traefik in front of the portal). A
 * shared fetch pool would open its connections one at a time while requests
 * wait in it, and a busy Node server accepts one new connection per event
 * loop turn (libuv): both waits are about connections, not provisioning.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  CatalogService,
  catalogServiceRef,
} from '@backstage/plugin-catalog-node';
import {
  coreServices,
  createBackendPlugin,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import express from 'express';
import Router from 'express-promise-router';
import knexFactory from 'knex';
import { Client, Dispatcher, request as sendRequest } from 'undici';
import { createAiTilesPlugin } from '../src/plugin';
import { keyAliasFor } from '../src/service/provisioning/KeyProvisioner';

const { values: args } = parseArgs({
  options: {
    employees: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '100' },
    db: { type: 'string', default: 'sqlite' },
    'postgres-url': {
      type: 'string',
      default:
        process.env.POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432',
    },
    // Postgres connections of the portal (knex's default, which Backstage keeps).
    pool: { type: 'string', default: '10' },
    port: { type: 'string', default: '4210' },
    // The floor instead of the plugin: see floorPlugin.
    floor: { type: 'boolean', default: false },
    // Internal: the child process that runs the portal.
    role: { type: 'string', default: 'load' },
  },
});
const EMPLOYEES = Number(args.employees);
const CONCURRENCY = Number(args.concurrency);
const STANDIN_PORT = Number(args.port);
const repoRoot = resolve(__dirname, '../../..');
const masterKey = `sk-bench-${randomBytes(16).toString('hex')}`;

const employeeRef = (phase: string, i: number) => `user:default/${phase}-${i}`;
/** Milliseconds on the clock the three processes share. */
const clock = () => performance.timeOrigin + performance.now();
/** Names a measured acceptance's employee to the portal's timing (ignored by the plugin). */
const EMPLOYEE_HEADER = 'x-bench-employee';

function catalogEntities(): Entity[] {
  const entities: Entity[] = [
    {
      apiVersion: 'backstage.io/v1alpha1',
      kind: 'Group',
      metadata: { name: 'company', namespace: 'default' },
      spec: { type: 'org', children: [] },
    },
  ];
  for (const phase of ['seq', 'par']) {
    for (let i = 0; i < EMPLOYEES; i++) {
      entities.push({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'User',
        metadata: { name: `${phase}-${i}`, namespace: 'default' },
        spec: {
          profile: { email: `${phase}-${i}@example.com` },
          memberOf: ['company'],
        },
        relations: [{ type: 'memberOf', targetRef: 'group:default/company' }],
      });
    }
  }
  return entities;
}

const entitiesByRef = new Map(
  catalogEntities().map(e => [stringifyEntityRef(e), e] as const),
);

// LiteLLM time per employee: undici reports each call's start and end on its
// diagnostics channels, and the call names its employee (query or body).
const litellmMs = new Map<string, number>();
/** When the portal's HTTP server started on a measured acceptance, and finished it. */
interface HandlerTiming {
  started: number;
  finished?: number;
}
const handled = new Map<string, HandlerTiming>();
let unattributedCalls = 0;
let litellmCalls = 0;

interface UndiciRequest {
  origin: string;
  path: string;
  body?: Buffer | null;
}

/**
 * The employee a LiteLLM call is for. A delete by key hash (rotation, repair:
 * not on the measured path) names nobody and is counted as unattributed.
 */
function ownerOf(request: UndiciRequest): string | undefined {
  const q = new URL(request.path, request.origin).searchParams.get('user_id');
  if (q) return q;
  let body: any;
  try {
    body = request.body ? JSON.parse(request.body.toString()) : undefined;
  } catch {
    return undefined;
  }
  if (typeof body?.user_id === 'string') return body.user_id;
  const alias = body?.key_aliases?.[0] ?? body?.key_alias;
  if (typeof alias === 'string')
    return alias.replace(/^ai-portal\/user\/([^/]+)\/(.+)$/, 'user:$1/$2');
  return undefined;
}

/**
 * Times every LiteLLM call of this process (the portal) by its employee, up
 * to the answer's last byte: the portal's own work on the answer after that
 * counts as overhead.
 */
function timeLiteLlmCalls(standInOrigin: string) {
  const started = new WeakMap<UndiciRequest, number>();
  subscribe('undici:request:create', message => {
    const { request } = message as { request: UndiciRequest };
    if (request.origin === standInOrigin)
      started.set(request, performance.now());
  });
  const done = (message: unknown) => {
    const { request } = message as { request: UndiciRequest };
    const from = started.get(request);
    if (from === undefined) return;
    started.delete(request);
    litellmCalls++;
    const owner = ownerOf(request);
    if (owner)
      litellmMs.set(
        owner,
        (litellmMs.get(owner) ?? 0) + performance.now() - from,
      );
    else unattributedCalls++;
  };
  subscribe('undici:request:trailers', done);
  subscribe('undici:request:error', done);
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(
      sorted.length - 1,
      Math.max(0, Math.ceil((p / 100) * sorted.length) - 1),
    )
  ];
};
const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
const line = (label: string, values: number[], target?: string) =>
  console.log(
    `  ${label}: p50 ${fmt(pct(values, 50))}, p95 ${fmt(
      pct(values, 95),
    )}, max ${fmt(Math.max(...values))}${target ? `  [target ${target}]` : ''}`,
  );

/**
 * CPU used by the portal, the stand-in, this process and a local Postgres
 * during a phase, as shares of one core, and how busy the whole machine was:
 * a process near 100 % is the queue, and so is a machine near all its cores.
 */
function cpuMeter(standInPid: number | undefined) {
  const started = performance.now();
  const self = process.cpuUsage();
  const standIn = processCpuMs(standInPid);
  const postgres = postgresCpuMs();
  const machine = machineCpu();
  return {
    shares(from: PortalStats, to: PortalStats) {
      const wall = performance.now() - started;
      const own = process.cpuUsage(self);
      const standInNow = processCpuMs(standInPid);
      const machineNow = machineCpu();
      return {
        wall,
        portalMs: to.cpuMs - from.cpuMs,
        standInMs:
          standIn !== undefined && standInNow !== undefined
            ? standInNow - standIn
            : undefined,
        loadMs: (own.user + own.system) / 1000,
        postgresMs: postgresDelta(postgres, postgresCpuMs()),
        machineBusy:
          machine && machineNow
            ? (machineNow.busy - machine.busy) /
              (machineNow.total - machine.total)
            : undefined,
      };
    },
  };
}

function where(
  cpu: ReturnType<ReturnType<typeof cpuMeter>['shares']>,
  provisionings: number,
  portal: PortalStats,
) {
  const share = (ms: number | undefined) =>
    ms === undefined ? 'n/a' : `${((100 * ms) / cpu.wall).toFixed(0)} %`;
  console.log(
    `  CPU, share of one core: portal ${share(cpu.portalMs)} (${(
      cpu.portalMs / provisionings
    ).toFixed(1)} ms per provisioning), stand-in ${share(
      cpu.standInMs,
    )}, load generator ${share(cpu.loadMs)}${
      args.db === 'postgres' ? `, Postgres ${share(cpu.postgresMs)}` : ''
    }; machine ${
      cpu.machineBusy === undefined
        ? 'n/a'
        : `${(100 * cpu.machineBusy).toFixed(0)} % busy (${
            cpus().length
          } cores)`
    }`,
  );
  console.log(
    `  portal event-loop delay: p50 ${fmt(portal.loopDelayMs.p50)}, p99 ${fmt(
      portal.loopDelayMs.p99,
    )}`,
  );
  line(
    `database connection wait (${portal.connectionWaits.length} queries)`,
    portal.connectionWaits,
  );
  line(
    'database connection held per query (query, answer, the portal getting to it)',
    portal.connectionHolds,
  );
}

/** One worker per connection; the workers take the items in turn. */
async function pool<T>(
  items: T[],
  connections: Dispatcher[],
  fn: (item: T, connection: Dispatcher) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    connections.slice(0, items.length).map(async connection => {
      while (next < items.length) await fn(items[next++], connection);
    }),
  );
}

/**
 * `--floor`: what any provisioning costs on this stack, with nothing of the
 * plugin's own. A plugin with one route that does only the steps a first
 * provisioning cannot skip, through the same Backstage services: sign-in,
 * the JSON body, the three LiteLLM calls with the same bodies (`/user/new`,
 * `/user/info`, `/key/generate`) and three writes (the acceptance, the
 * claim, the key). No validation, audit, encryption, cache, catalog or
 * summary. The plugin's figures minus these are what its own code adds.
 */
function floorPlugin(standInUrl: string, litellmKey: string) {
  return createBackendPlugin({
    pluginId: 'ai-tiles',
    register(env) {
      env.registerInit({
        deps: {
          http: coreServices.httpRouter,
          httpAuth: coreServices.httpAuth,
          database: coreServices.database,
        },
        async init({ http, httpAuth, database }) {
          const knex = await database.getClient();
          await knex.schema.createTable('floor_acceptances', table => {
            table.string('user_ref').notNullable();
            table.string('version').notNullable();
            table.primary(['user_ref', 'version']);
          });
          await knex.schema.createTable('floor_keys', table => {
            table.string('user_ref').primary();
            table.string('claim_id').notNullable();
            table.text('key');
          });
          const litellm = async (
            method: 'GET' | 'POST',
            path: string,
            body?: object,
          ) => {
            const res = await sendRequest(`${standInUrl}${path}`, {
              method,
              headers: {
                authorization: `Bearer ${litellmKey}`,
                'content-type': 'application/json',
              },
              body: body && JSON.stringify(body),
            });
            const json: any = await res.body.json();
            if (res.statusCode >= 300) {
              throw new Error(`${path}: ${res.statusCode}`);
            }
            return json;
          };
          const router = Router();
          router.use(express.json());
          router.post('/me/policy/accept', async (req, res) => {
            const { principal } = await httpAuth.credentials(req, {
              allow: ['user'],
            });
            const userId = principal.userEntityRef;
            await knex('floor_acceptances').insert({
              user_ref: userId,
              version: req.body.version,
            });
            await knex('floor_keys').insert({
              user_ref: userId,
              claim_id: randomBytes(16).toString('hex'),
            });
            await litellm('POST', '/user/new', {
              user_id: userId,
              max_budget: 50,
              budget_duration: '1mo',
              auto_create_key: false,
            });
            const info = await litellm(
              'GET',
              `/user/info?user_id=${encodeURIComponent(userId)}`,
            );
            const created = await litellm('POST', '/key/generate', {
              key_alias: keyAliasFor(userId),
              user_id: userId,
            });
            await knex('floor_keys')
              .where({ user_ref: userId })
              .update({ key: created.key });
            res.json({
              status: 'ready',
              budget: { maxBudget: info.user_info?.max_budget },
              key: { masked: `sk-...${created.key.slice(-4)}` },
            });
          });
          http.use(router);
        },
      });
    },
  });
}

/** Child process: the portal. Reports its port, then its LiteLLM timings on request. */
async function runPortal() {
  const standInUrl = process.env.BENCH_STANDIN_URL!;
  const key = process.env.BENCH_MASTER_KEY!;
  let pg: ReturnType<typeof knexFactory> | undefined;
  const dbName = `ai_tiles_bench_${randomBytes(4).toString('hex')}`;
  // Backstage's defaults: one in-memory SQLite connection, knex's pool of 10
  // on Postgres (`--pool`: backend.database.plugin.ai-tiles.knexConfig.pool.max).
  let knex = knexFactory({
    client: 'better-sqlite3',
    connection: ':memory:',
    useNullAsDefault: true,
  });
  if (args.db === 'postgres') {
    const admin = knexFactory({
      client: 'pg',
      connection: args['postgres-url'],
    });
    await admin.raw('CREATE DATABASE ??', [dbName]);
    await admin.destroy();
    pg = knexFactory({
      client: 'pg',
      connection: `${args['postgres-url']!.replace(/\/$/, '')}/${dbName}`,
      pool: { min: 0, max: Number(args.pool) },
    });
    await knex.destroy();
    knex = pg;
  }
  const { waits: connectionWaits, holds: connectionHolds } =
    recordConnectionUse(knex);
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  timeLiteLlmCalls(new URL(standInUrl).origin);
  const backend = await startTestBackend({
    features: [
      args.floor ? floorPlugin(standInUrl, key) : createAiTilesPlugin(),
      mockServices.database.factory({ knex }),
      // The catalog is another plugin: answered from a map so that its cost
      // (and the mock catalog's linear scan) stays out of the figures.
      createServiceFactory({
        service: catalogServiceRef,
        deps: {},
        factory: () =>
          ({
            getEntityByRef: async (ref: string) => entitiesByRef.get(ref),
            getEntitiesByRefs: async ({
              entityRefs,
            }: {
              entityRefs: string[];
            }) => ({
              items: entityRefs.map(ref => entitiesByRef.get(ref)),
            }),
          } as unknown as CatalogService),
      }),
      mockServices.rootConfig.factory({
        data: {
          aiTiles: {
            policy: {
              version: 'bench',
              path: resolve(repoRoot, 'docs/policy/acceptable-use.md'),
            },
            litellm: { baseUrl: standInUrl, masterKey: key },
            encryption: {
              keys: [
                { id: 'bench', secret: randomBytes(32).toString('base64') },
              ],
            },
            budgets: { default: 50 },
          },
        },
      }),
    ],
  });
  // The server's 'request' event: the request was read and parsed; what
  // came before is waiting for the portal to get to it.
  backend.server.on('request', (req, res) => {
    const ref = req.headers[EMPLOYEE_HEADER];
    if (typeof ref !== 'string') return;
    const timing: HandlerTiming = { started: clock() };
    handled.set(ref, timing);
    res.once('finish', () => {
      timing.finished = clock();
    });
  });
  process.on('message', async (message: { type: string }) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      loopDelay.disable();
      process.send!({
        type: 'stats',
        litellmMs: [...litellmMs],
        handled: [...handled],
        calls: litellmCalls,
        unattributed: unattributedCalls,
        cpuMs: (cpu.user + cpu.system) / 1000,
        connectionWaits: connectionWaits.splice(0),
        connectionHolds: connectionHolds.splice(0),
        loopDelayMs: {
          p50: loopDelay.percentile(50) / 1e6,
          p99: loopDelay.percentile(99) / 1e6,
        },
      });
      loopDelay.reset();
      loopDelay.enable();
    } else if (message.type === 'stop') {
      await backend.stop();
      if (pg) {
        await pg.destroy();
        const admin = knexFactory({
          client: 'pg',
          connection: args['postgres-url'],
        });
        await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [dbName]);
        await admin.destroy();
      }
      process.exit(0);
    }
  });
  process.send!({
    type: 'ready',
    port: (backend.server.address() as AddressInfo).port,
  });
}

interface PortalStats {
  litellmMs: Array<[string, number]>;
  handled: Array<[string, HandlerTiming]>;
  calls: number;
  unattributed: number;
  /** CPU time of the portal process so far. */
  cpuMs: number;
  /** How long each query waited for a database connection since the last stats. */
  connectionWaits: number[];
  /**
   * How long each query held its connection: the pool's throughput is its
   * size divided by this.
   */
  connectionHolds: number[];
  /**
   * The portal's event-loop delay since the last stats: how long a ready
   * answer (a request, a query's result) waits before the portal runs it.
   */
  loopDelayMs: { p50: number; p99: number };
}

/**
 * From knex's pool (tarn's events): how long each query waited for a
 * connection, and how long it then held it.
 */
function recordConnectionUse(knex: ReturnType<typeof knexFactory>) {
  const waits: number[] = [];
  const holds: number[] = [];
  const asked = new Map<number, number>();
  const acquired = new Map<unknown, number>();
  const connections = knex.client.pool;
  connections.on('acquireRequest', (id: number) =>
    asked.set(id, performance.now()),
  );
  connections.on('acquireSuccess', (id: number, connection: unknown) => {
    const now = performance.now();
    const started = asked.get(id);
    asked.delete(id);
    if (started !== undefined) waits.push(now - started);
    acquired.set(connection, now);
  });
  connections.on('release', (connection: unknown) => {
    const since = acquired.get(connection);
    acquired.delete(connection);
    if (since !== undefined) holds.push(performance.now() - since);
  });
  return { waits, holds };
}

/** CPU time of another process in ms (Linux); undefined elsewhere. */
function processCpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8')
      .split(') ')[1]
      .split(' ');
    // utime and stime, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/** CPU time of each local Postgres server process by pid (Linux). */
function postgresCpuMs(): Map<string, number> | undefined {
  try {
    const byPid = new Map<string, number>();
    for (const pid of readdirSync('/proc').filter(d => /^\d+$/.test(d))) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres')
          continue;
      } catch {
        continue; // exited meanwhile
      }
      const ms = processCpuMs(Number(pid));
      if (ms !== undefined) byPid.set(pid, ms);
    }
    return byPid.size ? byPid : undefined;
  } catch {
    return undefined;
  }
}

/** CPU of Postgres between two readings (a backend started meanwhile counts whole). */
function postgresDelta(
  from: Map<string, number> | undefined,
  to: Map<string, number> | undefined,
): number | undefined {
  if (!to) return undefined;
  let ms = 0;
  for (const [pid, now] of to) ms += now - (from?.get(pid) ?? 0);
  return ms;
}

/** Busy and total CPU time of the whole machine, from /proc/stat (Linux). */
function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const [user, nice, system, idle, iowait, irq, softirq, steal] =
      readFileSync('/proc/stat', 'utf8')
        .split('\n')[0]
        .split(/\s+/)
        .slice(1)
        .map(Number);
    const busy = user + nice + system + irq + softirq + steal;
    return { busy, total: busy + idle + iowait };
  } catch {
    return undefined;
  }
}

async function main() {
  const transform = require.resolve(
    '@backstage/cli-node/config/nodeTransform.cjs',
  );
  const standIn = spawn(
    process.execPath,
    ['--require', transform, 'src/main.ts'],
    {
      cwd: resolve(repoRoot, 'packages/litellm-standin'),
      env: {
        ...process.env,
        LITELLM_MASTER_KEY: masterKey,
        LITELLM_STANDIN_PORT: String(STANDIN_PORT),
        LITELLM_STANDIN_QUIET: '1',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const standInUrl = `http://127.0.0.1:${STANDIN_PORT}`;
  let portal: ChildProcess | undefined;
  try {
    for (let i = 0; ; i++) {
      const ok = await fetch(`${standInUrl}/health/liveliness`).then(
        r => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 120 || standIn.exitCode !== null)
        throw new Error('the LiteLLM stand-in did not start');
      await new Promise(r => setTimeout(r, 250));
    }

    const child = spawn(
      process.execPath,
      [
        '--require',
        transform,
        __filename,
        ...process.argv.slice(2),
        '--role',
        'portal',
      ],
      {
        env: {
          ...process.env,
          BENCH_STANDIN_URL: standInUrl,
          BENCH_MASTER_KEY: masterKey,
        },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      },
    );
    portal = child;
    const messages: Array<(m: any) => void> = [];
    // Only our own messages: the TypeScript loader also talks over IPC.
    child.on('message', (m: { type?: string }) => {
      if (m?.type === 'ready' || m?.type === 'stats') messages.shift()?.(m);
    });
    const next = () =>
      new Promise<any>((ok, fail) => {
        messages.push(ok);
        child.once('exit', code =>
          fail(new Error(`the portal process exited (${code})`)),
        );
      });
    const ready = await next();
    const origin = `http://127.0.0.1:${ready.port}`;
    const connect = () => new Client(origin);
    const connections = Array.from({ length: CONCURRENCY }, connect);
    const one = connections[0];

    /** When each measured acceptance was sent, and its answer read. */
    const exchanged = new Map<string, { sent: number; received: number }>();
    const call = async (
      connection: Dispatcher,
      ref: string,
      method: 'GET' | 'POST',
      path: string,
      body?: object,
    ) => {
      const measured = path === '/me/policy/accept';
      const started = performance.now();
      const res = await connection.request({
        path: `/api/ai-tiles${path}`,
        method,
        headers: {
          authorization: mockCredentials.user.header(ref),
          'content-type': 'application/json',
          ...(measured ? { [EMPLOYEE_HEADER]: ref } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json: any = await res.body.json();
      const elapsed = performance.now() - started;
      if (measured) {
        const sent = performance.timeOrigin + started;
        exchanged.set(ref, { sent, received: sent + elapsed });
      }
      if (res.statusCode >= 300 || (path.endsWith('/accept') && !json.key)) {
        throw new Error(
          `${method} ${path} for ${ref}: ${res.statusCode} ${JSON.stringify(
            json,
          ).slice(0, 300)}`,
        );
      }
      return elapsed;
    };

    // Warm up the code paths (JIT, connection pools) with employees outside the measured sets.
    for (let i = 0; i < 20; i++)
      await call(
        one,
        employeeRef('seq', EMPLOYEES - 1 - i),
        'POST',
        '/me/policy/accept',
        {
          version: 'bench',
        },
      );

    const accept = (ref: string, connection: Dispatcher = one) =>
      call(connection, ref, 'POST', '/me/policy/accept', { version: 'bench' });
    child.send({ type: 'stats' });
    const warm: PortalStats = await next();
    const sequentialCpu = cpuMeter(standIn.pid);
    const sequential = new Map<string, number>();
    for (let i = 0; i < EMPLOYEES - 20; i++) {
      const ref = employeeRef('seq', i);
      sequential.set(ref, await accept(ref));
    }
    child.send({ type: 'stats' });
    const afterSequential: PortalStats = await next();
    const sequentialShares = sequentialCpu.shares(warm, afterSequential);

    await Promise.all(
      connections.map(async c => {
        const res = await c.request({
          path: '/api/ai-tiles/health',
          method: 'GET',
        });
        await res.body.dump();
      }),
    );
    // The phase's CPU and event-loop delay start after the connections' first requests.
    child.send({ type: 'stats' });
    const connected: PortalStats = await next();
    const parallelCpu = cpuMeter(standIn.pid);
    const parallel = new Map<string, number>();
    const started = performance.now();
    await pool(
      Array.from({ length: EMPLOYEES }, (_, i) => employeeRef('par', i)),
      connections,
      async (ref, connection) => {
        parallel.set(ref, await accept(ref, connection));
      },
    );
    const parallelWall = performance.now() - started;

    child.send({ type: 'stats' });
    const before: PortalStats = await next();
    const parallelShares = parallelCpu.shares(connected, before);
    // Access summaries: the acceptance filled each employee's cache; these
    // reads hit it. The floor has no summary.
    const reads: number[] = [];
    if (!args.floor) {
      for (let i = 0; i < EMPLOYEES; i++)
        reads.push(await call(one, employeeRef('par', i), 'GET', '/me/access'));
    }
    child.send({ type: 'stats' });
    const after: PortalStats = await next();

    const litellm = new Map(before.litellmMs);
    const overhead = (latencies: Map<string, number>) =>
      [...latencies].map(([ref, total]) => total - (litellm.get(ref) ?? 0));
    const handledBy = new Map(before.handled);
    /** The overhead in three parts (each employee's own, then percentiles). */
    const split = (latencies: Map<string, number>) => {
      const waiting: number[] = [];
      const steps: number[] = [];
      const back: number[] = [];
      for (const ref of latencies.keys()) {
        const sides = exchanged.get(ref);
        const server = handledBy.get(ref);
        if (!sides || server?.finished === undefined) continue;
        waiting.push(server.started - sides.sent);
        steps.push(server.finished - server.started - (litellm.get(ref) ?? 0));
        back.push(sides.received - server.finished);
      }
      line(
        '  of it: before the portal starts on the request (it waits to be read)',
        waiting,
      );
      line(
        "  of it: the portal's own steps (its handler, LiteLLM time taken out)",
        steps,
      );
      line('  of it: the answer back to the load generator', back);
    };
    const state = await (
      await fetch(`${standInUrl}/__standin/state`, {
        headers: { authorization: `Bearer ${masterKey}` },
      })
    ).json();

    console.log(
      `\n${
        args.floor
          ? 'Provisioning floor: the unavoidable steps alone, not the plugin'
          : 'Provisioning benchmark'
      } (${
        args.db === 'postgres' ? `postgres, pool of ${args.pool}` : args.db
      }; load generator, portal and LiteLLM stand-in in three processes; ${new Date().toISOString()})`,
    );
    console.log(
      `  employees provisioned: ${
        sequential.size + 20 + parallel.size
      }; stand-in users ${state.users?.length ?? '?'}, keys ${
        state.keys?.length ?? '?'
      }; unattributed LiteLLM calls ${before.unattributed}`,
    );
    console.log(`one at a time (${sequential.size} employees):`);
    line('request latency', [...sequential.values()]);
    line(
      'portal overhead (latency − stand-in time)',
      overhead(sequential),
      '≤ 50 ms p95',
    );
    split(sequential);
    where(sequentialShares, sequential.size, afterSequential);
    console.log(
      `${CONCURRENCY} at once (${parallel.size} employees, ${(
        parallel.size /
        (parallelWall / 1000)
      ).toFixed(0)} provisionings/s):`,
    );
    line('request latency', [...parallel.values()]);
    line(
      'portal overhead (latency − stand-in time)',
      overhead(parallel),
      '≤ 50 ms p95',
    );
    split(parallel);
    where(parallelShares, parallel.size, before);
    if (reads.length) {
      console.log(
        `access summary, warm cache (${reads.length} reads, ${
          after.calls - before.calls
        } LiteLLM calls during them):`,
      );
      line('request latency', reads, '≤ 20 ms p95');
    }
    await Promise.all(connections.map(c => c.close()));
    child.send({ type: 'stop' });
    await new Promise(r => child.once('exit', r));
  } finally {
    if (portal && portal.exitCode === null) portal.kill('SIGTERM');
    standIn.kill('SIGTERM');
  }
}

(args.role === 'portal' ? runPortal() : main()).then(
  () => {
    if (args.role !== 'portal') process.exit(0);
  },
  error => {
    console.error(error);
    process.exit(1);
  },
);
