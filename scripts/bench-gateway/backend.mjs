/*
 * The portal backend from its production build, for the gateway benchmark:
 * `yarn workspace backend build` → packages/backend/dist/bundle.tar.gz,
 * extracted into a temporary directory and run there with NODE_ENV=production
 * on Postgres, without a reinstall.
 *
 * The bundle holds the built workspace packages (backend, the ai-tiles
 * plugins, the app's static files) but no node_modules. Instead of
 * `yarn workspaces focus --production`, the extracted tree gets a node_modules
 * of symlinks: workspace packages point at their extracted (built) copies,
 * everything else at the repository's installed node_modules (and the same
 * for a workspace package's own nested node_modules). Node runs with
 * --preserve-symlinks so that third-party code, too, resolves workspace
 * packages to the built copies and never to the repository's TypeScript
 * sources; every package is still reached through exactly one path.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  ChildFailedError,
  logIncludes,
  onCleanup,
  startChild,
  waitUntil,
} from './processes.mjs';

export const POLICY_VERSION = 'bench-gateway';
export const CLIENT_ID = 'bench-openwebui';
export const CHAT_ENTITY = 'component:default/open-chat';

const run = (command, args, options) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit', ...options });
    child.once('error', reject);
    child.once('exit', code =>
      code === 0
        ? resolve()
        : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });

/** Builds the backend (and what it bundles) unless `skip` and a build exists. */
export async function buildBackend(root, { skip, logFile }) {
  const bundle = join(root, 'packages/backend/dist/bundle.tar.gz');
  if (skip && existsSync(bundle)) {
    console.log(
      `  production build: using the existing ${bundle} (built ${statSync(
        bundle,
      ).mtime.toISOString()}; --no-build)`,
    );
    return bundle;
  }
  console.log(
    `  production build: yarn workspace backend build (log: ${logFile}) …`,
  );
  const started = Date.now();
  const child = startChild(
    'backend build',
    'yarn',
    ['workspace', 'backend', 'build'],
    {
      cwd: root,
      logFile,
      env: process.env,
    },
  );
  const code = await new Promise(r => child.once('exit', r));
  if (code !== 0)
    throw new ChildFailedError(child, `the backend build failed (${code})`);
  console.log(
    `  production build: done in ${Math.round(
      (Date.now() - started) / 1000,
    )} s`,
  );
  return bundle;
}

async function workspacePackages(dir) {
  const names = new Map();
  const { workspaces } = JSON.parse(
    await readFile(join(dir, 'package.json'), 'utf8'),
  );
  for (const pattern of workspaces?.packages ?? workspaces ?? []) {
    const parent = pattern.replace(/\/\*$/, '');
    if (!existsSync(join(dir, parent))) continue;
    for (const entry of await readdir(join(dir, parent))) {
      const pkgJson = join(dir, parent, entry, 'package.json');
      if (!existsSync(pkgJson)) continue;
      const { name } = JSON.parse(await readFile(pkgJson, 'utf8'));
      names.set(name, join(parent, entry));
    }
  }
  return names;
}

/**
 * `target/node_modules` as symlinks into `source/node_modules`, with workspace
 * packages pointing at the bundle's copies; repository workspace packages that
 * are not in the bundle are left out.
 */
async function linkNodeModules(source, target, bundled, repoWorkspaces) {
  if (!existsSync(source)) return;
  await mkdir(target, { recursive: true });
  const linkOne = async name => {
    const to =
      bundled.get(name) ??
      (repoWorkspaces.has(name) ? undefined : join(source, name));
    if (to) await symlink(to, join(target, name));
  };
  for (const entry of await readdir(source)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      await mkdir(join(target, entry), { recursive: true });
      for (const name of await readdir(join(source, entry)))
        await linkOne(`${entry}/${name}`);
    } else {
      await linkOne(entry);
    }
  }
}

/** Extracts the bundle into `dir` and gives it a node_modules (see the file comment). */
export async function prepareBundle(root, bundle, dir) {
  await mkdir(dir, { recursive: true });
  await run('tar', ['xzf', bundle, '-C', dir]);
  const bundledRel = await workspacePackages(dir);
  const bundled = new Map(
    [...bundledRel].map(([name, rel]) => [name, join(dir, rel)]),
  );
  const repoWorkspaces = new Set((await workspacePackages(root)).keys());
  await linkNodeModules(
    join(root, 'node_modules'),
    join(dir, 'node_modules'),
    bundled,
    repoWorkspaces,
  );
  for (const rel of bundledRel.values()) {
    await linkNodeModules(
      join(root, rel, 'node_modules'),
      join(dir, rel, 'node_modules'),
      bundled,
      repoWorkspaces,
    );
  }
  return [...bundledRel.keys()];
}

export const employee = i => {
  const name = `bench-employee-${String(i).padStart(3, '0')}`;
  return { name, ref: `user:default/${name}`, email: `${name}@example.com` };
};

/** The bench employees as catalog User entities (members of `employees`). */
export function usersYaml(count) {
  const docs = [];
  for (let i = 0; i < count; i++) {
    const e = employee(i);
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: User
metadata:
  name: ${e.name}
spec:
  profile:
    displayName: Bench Employee ${i}
    email: ${e.email}
  memberOf: [employees]
`);
  }
  return docs.join('---\n');
}

/** Everything the run needs that is random or per run. */
export function runSettings({ backendPort, gatewayPort, employees }) {
  const tag = randomBytes(4).toString('hex');
  return {
    tag,
    employees,
    backendPort,
    baseUrl: `http://127.0.0.1:${backendPort}`,
    // The gateway's own port (aiTiles.gateway.listen), when measured there.
    gatewayPort,
    gatewayOrigin: gatewayPort
      ? `http://127.0.0.1:${gatewayPort}`
      : `http://127.0.0.1:${backendPort}`,
    databasePrefix: `bench_gw_${tag}_`,
    clientToken: `bench-client-${randomBytes(24).toString('hex')}`,
    serviceToken: `bench-service-${randomBytes(24).toString('hex')}`,
    masterKey: `sk-bench-${randomBytes(16).toString('hex')}`,
  };
}

function postgres() {
  const url = new URL(
    process.env.POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432',
  );
  return {
    url: url.toString(),
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username || 'postgres'),
    password: url.password ? decodeURIComponent(url.password) : undefined,
  };
}

/**
 * The config layer over app-config.yaml and app-config.production.yaml.
 * JSON is YAML. Written to a temporary file; holds throw-away secrets only.
 */
export function configLayer(root, s, { standInUrl, upstreamUrl, usersFile }) {
  const pg = postgres();
  return {
    app: { baseUrl: s.baseUrl },
    backend: {
      baseUrl: s.baseUrl,
      listen: `127.0.0.1:${s.backendPort}`,
      cors: { origin: s.baseUrl },
      database: {
        // One database per plugin (the production default), under a prefix
        // unique to this run; all of them are dropped at the end.
        prefix: s.databasePrefix,
        connection: {
          host: pg.host,
          port: pg.port,
          user: pg.user,
          ...(pg.password ? { password: pg.password } : {}),
        },
      },
      auth: {
        // Lets the benchmark read the catalog (no user session in production).
        externalAccess: [
          {
            type: 'static',
            options: { token: s.serviceToken, subject: 'bench-gateway' },
          },
        ],
      },
    },
    catalog: {
      locations: [
        { type: 'file', target: join(root, 'catalog/all.yaml') },
        { type: 'file', target: usersFile },
      ],
      // Ingested once before the measurements. Re-reading the 200-user file
      // (a synchronous YAML parse of 100-190 ms in the catalog's processing
      // loop, every ~2 minutes) would stall every route of the backend,
      // gateway or not, inside the measured windows.
      processingInterval: { minutes: 30 },
    },
    aiTiles: {
      policy: {
        version: POLICY_VERSION,
        path: join(root, 'docs/policy/acceptable-use.md'),
      },
      litellm: { baseUrl: standInUrl, masterKey: s.masterKey },
      encryption: {
        keys: [
          {
            id: 'bench',
            secret: `base64:${randomBytes(32).toString('base64')}`,
          },
        ],
      },
      budgets: { default: 1000 },
      gateway: {
        upstreamUrl,
        ...(s.gatewayPort
          ? { listen: { host: '127.0.0.1', port: s.gatewayPort } }
          : {}),
        clients: [
          {
            id: CLIENT_ID,
            kind: 'openwebui',
            token: s.clientToken,
            entityRef: CHAT_ENTITY,
          },
        ],
      },
    },
  };
}

/** Starts the extracted backend with NODE_ENV=production. */
export function startBackend(
  root,
  dir,
  s,
  { configFile, logFile, logLevel, memoryFile, nodeOptions = [] },
) {
  const pg = postgres();
  return startChild(
    'backend',
    process.execPath,
    [
      '--preserve-symlinks',
      ...nodeOptions,
      // Memory readings after a forced GC, on SIGUSR2 only (memory-probe.cjs).
      '--expose-gc',
      // Lets the probe ask V8 where it allocates streams' listener tables.
      '--allow-natives-syntax',
      '--require',
      join(root, 'scripts/bench-gateway/memory-probe.cjs'),
      // Exits if the benchmark process dies (exit-with-parent.cjs).
      '--require',
      join(root, 'scripts/exit-with-parent.cjs'),
      'packages/backend',
      '--config',
      join(root, 'app-config.yaml'),
      '--config',
      join(root, 'app-config.production.yaml'),
      '--config',
      configFile,
    ],
    {
      cwd: dir,
      logFile,
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: logLevel,
        BENCH_MEMORY_FILE: memoryFile,
        EXIT_WITH_PARENT_PID: String(process.pid),
        BENCH_REPO_ROOT: root,
        PORTAL_BASE_URL: s.baseUrl,
        POSTGRES_HOST: pg.host,
        POSTGRES_PORT: String(pg.port),
        POSTGRES_USER: pg.user,
        POSTGRES_PASSWORD: pg.password ?? '',
        AUTH_SESSION_SECRET: randomBytes(24).toString('hex'),
        // No IdP: the gateway needs no user session. The portal's OIDC
        // module tolerates an unreachable IdP (it retries on sign-in).
        AUTH_OIDC_METADATA_URL:
          'http://127.0.0.1:9/.well-known/openid-configuration',
        AUTH_OIDC_CLIENT_ID: 'ai-portal-bench-client',
        AUTH_OIDC_CLIENT_SECRET: randomBytes(24).toString('hex'),
      },
    },
  );
}

export async function waitForBackend(backend, s) {
  await waitUntil(
    backend,
    'readiness (/.backstage/health/v1/readiness)',
    async () => {
      // A failed plugin leaves the process running and unready: stop at once.
      if (logIncludes(backend, 'Backend startup failed')) {
        throw new ChildFailedError(backend, 'the backend failed to start');
      }
      return fetch(`${s.baseUrl}/.backstage/health/v1/readiness`).then(
        r => r.ok,
        () => false,
      );
    },
    180_000,
    500,
  );
}

/** Fails early, with a clear message, when Postgres cannot be reached. */
export async function checkPostgres(root) {
  const client = pgClient(root, 'postgres');
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `Postgres is not reachable at POSTGRES_URL (${postgres().host}:${
        postgres().port
      }): ${error.message}`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** Waits until the catalog has the bench employees and the Open Chat entity. */
export async function waitForCatalog(backend, s) {
  const refs = [
    CHAT_ENTITY,
    ...Array.from({ length: s.employees }, (_, i) => employee(i).ref),
  ];
  let seen = 0;
  await waitUntil(
    backend,
    `catalog ingestion of ${refs.length} entities`,
    async () => {
      const res = await fetch(`${s.baseUrl}/api/catalog/entities/by-refs`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${s.serviceToken}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ entityRefs: refs, fields: ['metadata.name'] }),
      });
      if (!res.ok) return false;
      const { items } = await res.json();
      seen = items.filter(Boolean).length;
      return seen === refs.length;
    },
    180_000,
    1000,
  );
}

function pgClient(root, database) {
  const { Client } = createRequire(join(root, 'package.json'))('pg');
  const pg = postgres();
  return new Client({
    host: pg.host,
    port: pg.port,
    user: pg.user,
    password: pg.password,
    database,
  });
}

/** Drops every database of this run (registered as a cleanup before the backend starts). */
export function dropDatabasesOnCleanup(root, s) {
  onCleanup(async () => {
    const client = pgClient(root, 'postgres');
    await client.connect();
    try {
      const { rows } = await client.query(
        'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
        [s.databasePrefix],
      );
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
      if (rows.length)
        console.log(
          `  dropped ${rows.length} bench databases (${s.databasePrefix}*)`,
        );
    } finally {
      await client.end();
    }
  });
}

/** Records that every bench employee accepted the current policy (ai-tiles plugin database). */
export async function seedPolicyAcceptances(root, s) {
  const client = pgClient(root, `${s.databasePrefix}ai-tiles`);
  await client.connect();
  try {
    const refs = Array.from({ length: s.employees }, (_, i) => employee(i).ref);
    const { rowCount } = await client.query(
      `INSERT INTO ai_policy_acceptances (user_ref, version, accepted_at)
       SELECT unnest($1::text[]), $2, now()
       ON CONFLICT DO NOTHING`,
      [refs, POLICY_VERSION],
    );
    return rowCount;
  } finally {
    await client.end();
  }
}

export async function writeRunFiles(root, dir, s, urls) {
  const usersFile = join(dir, 'bench-users.yaml');
  const configFile = join(dir, 'app-config.bench.yaml');
  await writeFile(usersFile, usersYaml(s.employees));
  await writeFile(
    configFile,
    JSON.stringify(configLayer(root, s, { ...urls, usersFile }), null, 2),
  );
  return { usersFile, configFile };
}
