/*
 * Provisioning benchmark (issue "Per-employee AI access", Speed). Prints
 * figures; asserts nothing.
 *
 *   yarn bench:provisioning [--employees 1000] [--concurrency 100] [--db sqlite|postgres]
 *
 * The ai-tiles plugin runs in a test backend (real router, real database,
 * mock sign-in so 2,000 distinct employees can call it); the LiteLLM stand-in
 * runs as a separate process. Every LiteLLM call goes through a timing fetch
 * and is attributed to its employee, so "portal overhead" = the employee's
 * request latency minus the time spent waiting for the stand-in.
 */
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import knexFactory from 'knex';
import { createAiTilesPlugin } from '../src/plugin';

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
    port: { type: 'string', default: '4210' },
  },
});
const EMPLOYEES = Number(args.employees);
const CONCURRENCY = Number(args.concurrency);
const STANDIN_PORT = Number(args.port);
const repoRoot = resolve(__dirname, '../../..');
const masterKey = `sk-bench-${randomBytes(16).toString('hex')}`;

const employeeRef = (phase: string, i: number) => `user:default/${phase}-${i}`;

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

// LiteLLM time per employee, from a fetch wrapper that reads who each call is for.
const litellmMs = new Map<string, number>();
const keyOwner = new Map<string, string>();
let unattributedCalls = 0;
let litellmCalls = 0;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function ownerOf(url: string, body: any): string | undefined {
  const q = new URL(url).searchParams.get('user_id');
  if (q) return q;
  if (typeof body?.user_id === 'string') return body.user_id;
  const alias = body?.key_aliases?.[0];
  if (typeof alias === 'string')
    return alias.replace(/^ai-portal\/user\/([^/]+)\/(.+)$/, 'user:$1/$2');
  const key = body?.keys?.[0];
  if (typeof key === 'string')
    return keyOwner.get(key.startsWith('sk-') ? sha256(key) : key);
  return undefined;
}

const timingFetch: typeof fetch = async (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  let body: any;
  try {
    body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
  } catch {
    body = undefined;
  }
  const started = performance.now();
  const response = await fetch(input, init);
  const text = await response.text();
  const elapsed = performance.now() - started;
  litellmCalls++;
  const owner = ownerOf(url, body);
  if (url.includes('/key/generate') && owner) {
    try {
      const generated = JSON.parse(text);
      if (generated.token) keyOwner.set(generated.token, owner);
    } catch {
      // not JSON: the caller reports it
    }
  }
  if (owner) litellmMs.set(owner, (litellmMs.get(owner) ?? 0) + elapsed);
  else unattributedCalls++;
  return new Response(text, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
};

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

async function pool<T>(
  items: T[],
  size: number,
  fn: (item: T) => Promise<void>,
) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

async function main() {
  const standIn = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      'src/main.ts',
    ],
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
  let pg: ReturnType<typeof knexFactory> | undefined;
  const dbName = `ai_tiles_bench_${randomBytes(4).toString('hex')}`;
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

    let databaseFeature = mockServices.database.factory();
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
        pool: { min: 0, max: 10 },
      });
      databaseFeature = mockServices.database.factory({ knex: pg });
    }

    const backend = await startTestBackend({
      features: [
        createAiTilesPlugin({ litellmFetch: timingFetch }),
        databaseFeature,
        catalogServiceMock.factory({ entities: catalogEntities() }),
        mockServices.rootConfig.factory({
          data: {
            aiTiles: {
              policy: {
                version: 'bench',
                path: resolve(repoRoot, 'docs/policy/acceptable-use.md'),
              },
              litellm: { baseUrl: standInUrl, masterKey },
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
    const base = `http://127.0.0.1:${
      (backend.server.address() as AddressInfo).port
    }/api/ai-tiles`;
    const call = async (
      ref: string,
      method: string,
      path: string,
      body?: object,
    ) => {
      const started = performance.now();
      const res = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: mockCredentials.user.header(ref),
          'content-type': 'application/json',
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json = await res.json();
      const elapsed = performance.now() - started;
      if (!res.ok || (path.endsWith('/accept') && !json.key)) {
        throw new Error(
          `${method} ${path} for ${ref}: ${res.status} ${JSON.stringify(
            json,
          ).slice(0, 300)}`,
        );
      }
      return elapsed;
    };

    // Warm up the code paths (JIT, connection pools) with employees outside the measured sets.
    for (let i = 0; i < 20; i++)
      await call(
        employeeRef('seq', EMPLOYEES - 1 - i),
        'POST',
        '/me/policy/accept',
        { version: 'bench' },
      );

    const provision = async (
      ref: string,
      into: { total: number[]; overhead: number[] },
    ) => {
      const total = await call(ref, 'POST', '/me/policy/accept', {
        version: 'bench',
      });
      into.total.push(total);
      into.overhead.push(total - (litellmMs.get(ref) ?? 0));
    };

    const sequential = { total: [] as number[], overhead: [] as number[] };
    for (let i = 0; i < EMPLOYEES - 20; i++)
      await provision(employeeRef('seq', i), sequential);

    const parallel = { total: [] as number[], overhead: [] as number[] };
    const started = performance.now();
    await pool(
      Array.from({ length: EMPLOYEES }, (_, i) => employeeRef('par', i)),
      CONCURRENCY,
      ref => provision(ref, parallel),
    );
    const parallelWall = performance.now() - started;

    // Access summaries: one read per employee fills the cache, then timed reads hit it.
    const callsBefore = litellmCalls;
    const refs = Array.from({ length: EMPLOYEES }, (_, i) =>
      employeeRef('par', i),
    );
    const reads: number[] = [];
    for (const ref of refs) reads.push(await call(ref, 'GET', '/me/access'));
    const litellmDuringReads = litellmCalls - callsBefore;

    const state = await (
      await fetch(`${standInUrl}/__standin/state`, {
        headers: { authorization: `Bearer ${masterKey}` },
      })
    ).json();
    await backend.stop();

    console.log(
      `\nProvisioning benchmark (${
        args.db
      }; LiteLLM stand-in in its own process; ${new Date().toISOString()})`,
    );
    console.log(
      `  employees provisioned: ${
        sequential.total.length + 20 + parallel.total.length
      }; stand-in users ${state.users?.length ?? '?'}, keys ${
        state.keys?.length ?? '?'
      }; unattributed LiteLLM calls ${unattributedCalls}`,
    );
    console.log(`one at a time (${sequential.total.length} employees):`);
    line('request latency', sequential.total);
    line(
      'portal overhead (latency − stand-in time)',
      sequential.overhead,
      '≤ 50 ms p95',
    );
    console.log(
      `${CONCURRENCY} at once (${parallel.total.length} employees, ${(
        parallel.total.length /
        (parallelWall / 1000)
      ).toFixed(0)} provisionings/s):`,
    );
    line('request latency', parallel.total);
    line(
      'portal overhead (latency − stand-in time)',
      parallel.overhead,
      '≤ 50 ms p95',
    );
    console.log(
      `access summary, warm cache (${reads.length} reads, ${litellmDuringReads} LiteLLM calls during them):`,
    );
    line('request latency', reads, '≤ 20 ms p95');
  } finally {
    standIn.kill('SIGTERM');
    if (pg) {
      await pg.destroy();
      const admin = knexFactory({
        client: 'pg',
        connection: args['postgres-url'],
      });
      await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [dbName]);
      await admin.destroy();
    }
  }
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
