/*
 * Starts the real backend (src/index.ts with the repository's app-config.yaml)
 * as a child process, once on the embedded SQLite default and once on the local
 * Postgres server, and proves that every plugin starts without an error and
 * serves the repository's catalog.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import knexFactory from 'knex';

const backendDir = resolve(__dirname, '..');
const repoRoot = resolve(backendDir, '../..');
const STARTUP_TIMEOUT_MS = 90_000;

const postgresUrl =
  process.env.BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING;

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? ok(address.port)
          : fail(new Error('no port')),
      );
    });
  });
}

// Strip terminal colours so log lines can be matched.
const plain = (text: string) => stripVTControlCharacters(text);

interface RunningBackend {
  baseUrl: string;
  output: () => string;
  stop: () => Promise<void>;
}

async function startBackend(database: object): Promise<RunningBackend> {
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const dir = await mkdtemp(join(tmpdir(), 'ai-portal-startup-'));
  const overrides = join(dir, 'app-config.test.yaml');
  await writeFile(
    overrides,
    JSON.stringify({
      app: { baseUrl },
      backend: {
        baseUrl,
        listen: { port },
        cors: { origin: baseUrl },
        database,
      },
    }),
  );

  let output = '';
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      'src/index.ts',
      '--config',
      join(repoRoot, 'app-config.yaml'),
      '--config',
      overrides,
    ],
    {
      cwd: backendDir,
      env: { ...process.env, NODE_ENV: 'development', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.on('data', chunk => (output += chunk));
  child.stderr!.on('data', chunk => (output += chunk));
  const exited = new Promise<number | null>(r =>
    child.once('exit', code => r(code)),
  );

  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(
        `Backend exited with ${child.exitCode} during startup:\n${plain(
          output,
        )}`,
      );
    }
    try {
      const res = await fetch(`${baseUrl}/.backstage/health/v1/readiness`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `Backend not ready after ${STARTUP_TIMEOUT_MS} ms:\n${plain(output)}`,
      );
    }
    await new Promise(r => setTimeout(r, 500));
  }
  return { baseUrl, output: () => plain(output), stop };
}

async function guestToken(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/api/auth/guest/refresh?env=development`, {
    headers: { 'x-requested-with': 'XMLHttpRequest' },
  });
  expect(res.status).toBe(200);
  const body = await res.json();
  expect(body.backstageIdentity.identity.userEntityRef).toBe(
    'user:default/guest',
  );
  return body.backstageIdentity.token;
}

async function waitForAiEntities(
  baseUrl: string,
  token: string,
): Promise<string[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const res = await fetch(
      `${baseUrl}/api/catalog/entities/by-query?filter=kind=component,spec.type=ai-app&filter=kind=component,spec.type=ai-chat&fields=metadata.name&limit=100`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(res.status).toBe(200);
    const names = (await res.json()).items.map(
      (e: { metadata: { name: string } }) => e.metadata.name,
    );
    if (names.length >= 7 || Date.now() > deadline) return names.sort();
    await new Promise(r => setTimeout(r, 500));
  }
}

async function expectHealthyPortal(backend: RunningBackend) {
  const token = await guestToken(backend.baseUrl);

  expect(await waitForAiEntities(backend.baseUrl, token)).toEqual([
    'contract-summarizer',
    'document-summarizer',
    'email-drafter',
    'invoice-extractor',
    'legal-notice-check',
    'open-chat',
    'translator',
  ]);

  const policy = await fetch(`${backend.baseUrl}/api/ai-tiles/policy`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(policy.status).toBe(200);
  expect((await policy.json()).version).toBe('2026-11');

  // No plugin failed to start and nothing was logged at error level.
  const output = backend.output();
  expect(output).not.toMatch(
    /Plugin '.*' startup failed|Module '.*' startup failed/,
  );
  expect(
    output.split('\n').filter(line => /^\S+ \S+ error\b/.test(line)),
  ).toEqual([]);
}

describe('backend startup', () => {
  it('starts on the embedded SQLite default with no plugin startup error', async () => {
    const backend = await startBackend({
      client: 'better-sqlite3',
      connection: ':memory:',
    });
    try {
      await expectHealthyPortal(backend);
    } finally {
      await backend.stop();
    }
  }, 180_000);

  it('starts on Postgres with no plugin startup error', async () => {
    if (!postgresUrl) {
      throw new Error(
        'Set BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING to a Postgres server URL (the test command does)',
      );
    }
    // Each plugin gets its own database named <prefix><pluginId>; drop them afterwards.
    const prefix = `ai_portal_startup_${randomBytes(4).toString('hex')}_`;
    const backend = await startBackend({
      client: 'pg',
      connection: postgresUrl,
      prefix,
    });
    try {
      await expectHealthyPortal(backend);
    } finally {
      await backend.stop();
      const admin = knexFactory({ client: 'pg', connection: postgresUrl });
      try {
        const { rows } = await admin.raw(
          'SELECT datname FROM pg_database WHERE datname LIKE ?',
          [`${prefix}%`],
        );
        for (const { datname } of rows) {
          await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [datname]);
        }
      } finally {
        await admin.destroy();
      }
    }
  }, 180_000);
});
