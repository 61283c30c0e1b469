#!/usr/bin/env node
/*
 * Runs every test of the portal: unit and integration tests (Jest; integration
 * tests run on SQLite and on a real Postgres server), then end-to-end tests in
 * Chromium against the running portal (Playwright).
 *
 * Needs (see README "Tests"):
 *   POSTGRES_URL   a Postgres server the tests may create databases on
 *                  (default postgresql://postgres@127.0.0.1:5432)
 *   CHROMIUM_PATH  a Chromium binary (default: chromium / chromium-browser on PATH)
 */
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const postgresUrl =
  process.env.POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432';

function fail(message) {
  console.error(`\ntest:all: ${message}`);
  process.exit(1);
}

async function checkPostgres() {
  const { Client } = require('pg');
  const client = new Client({
    connectionString: postgresUrl,
    connectionTimeoutMillis: 5000,
  });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    fail(
      `cannot reach Postgres at ${postgresUrl.replace(/:[^:@/]*@/, ':***@')} (${
        error.message
      }); set POSTGRES_URL`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

function run(title, command, args, env = {}) {
  console.log(`\n=== ${title}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  if (result.error) {
    fail(`${title} could not start: ${result.error.message}`);
  }
  if (result.status !== 0) {
    fail(`${title} failed (exit ${result.status ?? result.signal})`);
  }
}

await checkPostgres();

const testEnv = {
  // Jest runs once (no watch mode) and TestDatabases uses this server instead of Docker.
  CI: process.env.CI ?? '1',
  BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING: postgresUrl,
};

run(
  'Unit and integration tests',
  'yarn',
  ['backstage-cli', 'repo', 'test'],
  testEnv,
);
run('Frontend production build', 'yarn', ['workspace', 'app', 'build']);
run('End-to-end tests (Chromium)', 'yarn', ['playwright', 'test'], testEnv);
run(
  'End-to-end OIDC sign-in against a real OpenID provider (Chromium)',
  'yarn',
  ['playwright', 'test', '-c', 'e2e/oidc/playwright.config.ts'],
  { ...testEnv, OIDC_E2E_SKIP_APP_BUILD: '1' },
);
console.log('\ntest:all: every test passed');
