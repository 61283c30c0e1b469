/**
 * Playwright global setup of the OIDC sign-in e2e test.
 *
 * Starts everything the test needs, and fails (never skips) with the reason
 * and the relevant log tail when something can't start:
 *   1. builds the frontend (packages/app/dist), unless OIDC_E2E_SKIP_APP_BUILD=1;
 *   2. a real OpenID provider (oidc-provider, ./idp.mjs) on 127.0.0.1, and
 *      the LiteLLM stand-in (packages/litellm-standin, a test double) in
 *      this process;
 *   3. the portal backend from source with NODE_ENV=production and
 *      app-config.yaml + app-config.production.yaml + a generated override
 *      (ports, SQLite in memory, the stand-in as LiteLLM, a test-only static
 *      token for readiness polling); it serves the built frontend
 *      (app.baseUrl = backend.baseUrl);
 *   4. waits until the catalog has ingested the demo organisation.
 * Every wait is bounded. The returned function (global teardown) stops the
 * processes; they also exit on their own if the test runner dies.
 */
import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { LiteLlmStandIn, startLiteLlmStandIn } from '@internal/litellm-standin';
import { accounts, LEGAL_BUDGET, OIDC_CLIENT_ID } from './accounts';
import { findChromium } from '../../scripts/chromium.mjs';

const repoRoot = path.resolve(__dirname, '../..');
const backendDir = path.join(repoRoot, 'packages/backend');
/** Preload that ends a started process when this test run is gone. */
const exitWithParent = path.join(repoRoot, 'scripts/exit-with-parent.cjs');

const APP_BUILD_TIMEOUT_MS = 15 * 60_000;
const IDP_START_TIMEOUT_MS = 30_000;
const BACKEND_START_TIMEOUT_MS = 4 * 60_000;
const CATALOG_TIMEOUT_MS = 2 * 60_000;
const STOP_TIMEOUT_MS = 15_000;

interface Proc {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

function log(message: string) {
  // eslint-disable-next-line no-console
  console.log(`[oidc-e2e] ${message}`);
}

/** The last lines of a log, without the backend's per-request access log lines. */
function tail(file: string, lines = 40): string {
  try {
    const text = fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .filter(line => !line.includes('"type":"incomingRequest"'))
      .map(line => (line.length > 600 ? `${line.slice(0, 600)}…` : line));
    return text.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

function start(
  name: string,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logFile: string },
): Proc {
  const out = fs.openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', out, out],
    detached: true, // own process group, so teardown can stop all of it
  });
  fs.closeSync(out);
  const exited = new Promise<number | null>(resolve => {
    child.on('exit', code => resolve(code));
    child.on('error', error => {
      fs.appendFileSync(options.logFile, `\nspawn error: ${error}\n`);
      resolve(-1);
    });
  });
  return { name, child, logFile: options.logFile, exited };
}

function isRunning(proc: Proc) {
  return proc.child.exitCode === null && proc.child.signalCode === null;
}

/** Stops a process (SIGTERM, SIGKILL after a bound); false when it had to be killed. */
async function stop(proc: Proc): Promise<boolean> {
  if (!isRunning(proc) || !proc.child.pid) return true;
  const pid = proc.child.pid;
  try {
    process.kill(-pid, 'SIGTERM');
  } catch {
    return true;
  }
  const started = Date.now();
  const stopped = await Promise.race([
    proc.exited.then(() => true),
    sleep(STOP_TIMEOUT_MS).then(() => false),
  ]);
  if (stopped) {
    log(`${proc.name} exited ${Date.now() - started} ms after SIGTERM`);
  } else {
    log(`${proc.name} did not stop within ${STOP_TIMEOUT_MS} ms, killing it`);
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return stopped;
}

/** Polls `check` until it returns a value, the process dies or time runs out. */
async function waitFor<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  proc?: Proc,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (proc && !isRunning(proc)) {
      throw new Error(
        `${proc.name} exited (code ${
          proc.child.exitCode
        }) while waiting for ${what}. Last log lines (${proc.logFile}):\n${tail(
          proc.logFile,
        )}`,
      );
    }
    try {
      const result = await check();
      if (result !== undefined) return result;
    } catch (error) {
      lastError = String(error);
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `Timed out after ${timeoutMs} ms waiting for ${what}${
      lastError ? ` (last error: ${lastError})` : ''
    }${
      proc ? `. Last log lines (${proc.logFile}):\n${tail(proc.logFile)}` : ''
    }`,
  );
}

async function fetchWithTimeout(url: string, init: RequestInit = {}) {
  return fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
}

async function buildApp(workDir: string) {
  const distIndex = path.join(repoRoot, 'packages/app/dist/index.html');
  if (process.env.OIDC_E2E_SKIP_APP_BUILD === '1') {
    if (!fs.existsSync(distIndex)) {
      throw new Error(
        `OIDC_E2E_SKIP_APP_BUILD=1 but ${distIndex} does not exist; build the app (yarn workspace app build) or unset it`,
      );
    }
    log('using the existing frontend build (OIDC_E2E_SKIP_APP_BUILD=1)');
    return;
  }
  const logFile = path.join(workDir, 'app-build.log');
  log(`building the frontend (yarn workspace app build), log: ${logFile}`);
  const started = Date.now();
  const proc = start('app build', 'yarn', ['workspace', 'app', 'build'], {
    cwd: repoRoot,
    env: { ...process.env, NODE_ENV: 'production' },
    logFile,
  });
  const code = await Promise.race([
    proc.exited,
    sleep(APP_BUILD_TIMEOUT_MS).then(() => 'timeout' as const),
  ]);
  if (code === 'timeout') {
    await stop(proc);
    throw new Error(
      `Frontend build timed out after ${APP_BUILD_TIMEOUT_MS} ms. Last log lines (${logFile}):\n${tail(
        logFile,
      )}`,
    );
  }
  if (code !== 0 || !fs.existsSync(distIndex)) {
    throw new Error(
      `Frontend build failed (exit code ${code}). Last log lines (${logFile}):\n${tail(
        logFile,
      )}`,
    );
  }
  log(`frontend built in ${Math.round((Date.now() - started) / 1000)} s`);
}

export default async function globalSetup() {
  const procs: Proc[] = [];
  let standIn: LiteLlmStandIn | undefined;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-portal-oidc-e2e-'));
  log(`work directory (logs, generated config): ${workDir}`);

  const stopAll = async () => {
    for (const proc of [...procs].reverse()) {
      await stop(proc);
    }
    await standIn?.close();
  };
  // Last resort if the runner exits without calling the teardown.
  const onExit = () => {
    for (const proc of procs) {
      if (isRunning(proc) && proc.child.pid) {
        try {
          process.kill(-proc.child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  };
  process.once('exit', onExit);

  try {
    findChromium(); // fails with what to install or set

    await buildApp(workDir);

    const backendPort = await freePort();
    let idpPort = await freePort();
    while (idpPort === backendPort) idpPort = await freePort();
    const baseUrl = `http://localhost:${backendPort}`;
    const clientSecret = crypto.randomBytes(24).toString('hex');
    const sessionSecret = crypto.randomBytes(24).toString('hex');
    const harnessToken = crypto.randomBytes(24).toString('hex');

    // 2. The OpenID provider.
    const idpLog = path.join(workDir, 'idp.log');
    const idp = start(
      'OpenID provider',
      process.execPath,
      ['--require', exitWithParent, path.join(__dirname, 'idp.mjs')],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          IDP_PORT: String(idpPort),
          IDP_CLIENT_ID: OIDC_CLIENT_ID,
          IDP_CLIENT_SECRET: clientSecret,
          IDP_REDIRECT_URI: `${baseUrl}/api/auth/oidc/handler/frame`,
          IDP_ACCOUNTS: JSON.stringify(Object.values(accounts)),
          EXIT_WITH_PARENT_PID: String(process.pid),
        },
        logFile: idpLog,
      },
    );
    procs.push(idp);
    const issuer = `http://127.0.0.1:${idpPort}`;
    await waitFor(
      'the OpenID provider discovery document',
      IDP_START_TIMEOUT_MS,
      async () => {
        const res = await fetchWithTimeout(
          `${issuer}/.well-known/openid-configuration`,
        );
        return res.ok && (await res.json()).issuer === issuer
          ? true
          : undefined;
      },
      idp,
    );
    log(`OpenID provider ready at ${issuer}`);

    // 2. The LiteLLM stand-in, in this process, so that an SSO user's first key
    // is provisioned from their catalog profile (e-mail, group budget).
    const litellmMasterKey = `sk-oidc-e2e-${crypto
      .randomBytes(16)
      .toString('hex')}`;
    standIn = await startLiteLlmStandIn({
      masterKey: litellmMasterKey,
      port: 0,
    });
    const litellmUrl = standIn.url;
    log(`LiteLLM stand-in ready at ${litellmUrl}`);

    // 3. The portal backend, production auth config.
    const overrideFile = path.join(workDir, 'app-config.e2e.yaml');
    fs.writeFileSync(
      overrideFile,
      [
        '# Generated by e2e/oidc/harness.ts',
        'app:',
        `  baseUrl: ${baseUrl}`,
        'backend:',
        `  baseUrl: ${baseUrl}`,
        `  listen: ':${backendPort}'`,
        '  cors:',
        `    origin: ${baseUrl}`,
        '  database:',
        '    client: better-sqlite3',
        "    connection: ':memory:'",
        '  auth:',
        '    externalAccess:',
        '      # test-only token, used by the harness to wait for the catalog',
        '      - type: static',
        '        options:',
        `          token: ${harnessToken}`,
        '          subject: oidc-e2e-harness',
        'aiTiles:',
        '  policy:',
        '    # app-config.production.yaml names it relative to an unpacked',
        '    # bundle; this backend runs from source in packages/backend.',
        `    path: ${JSON.stringify(
          path.join(repoRoot, 'docs/policy/acceptable-use.md'),
        )}`,
        '  litellm:',
        `    baseUrl: ${litellmUrl}`,
        `    masterKey: ${litellmMasterKey}`,
        '  encryption:',
        '    keys:',
        '      - id: oidc-e2e',
        `        secret: ${crypto.randomBytes(32).toString('hex')}`,
        '  budgets:',
        '    default: 20',
        '    groups:',
        `      - { group: group:default/legal, maxBudget: ${LEGAL_BUDGET} }`,
        'catalog:',
        '  # Sign-in needs the organisation only: the AI app entities of',
        '  # catalog/all.yaml play no part and must not be able to block it.',
        '  locations:',
        '    - type: file',
        `      target: ${JSON.stringify(
          path.join(repoRoot, 'catalog/org.yaml'),
        )}`,
        '',
      ].join('\n'),
    );

    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!key.startsWith('APP_CONFIG_')) env[key] = value;
    }
    Object.assign(env, {
      NODE_ENV: 'production',
      ESBK_TSCONFIG_PATH: path.join(repoRoot, 'tsconfig.json'),
      AUTH_OIDC_METADATA_URL: `${issuer}/.well-known/openid-configuration`,
      AUTH_OIDC_CLIENT_ID: OIDC_CLIENT_ID,
      AUTH_OIDC_CLIENT_SECRET: clientSecret,
      AUTH_SESSION_SECRET: sessionSecret,
      EXIT_WITH_PARENT_PID: String(process.pid),
    });

    const nodeTransform = require.resolve(
      '@backstage/cli-node/config/nodeTransform.cjs',
      { paths: [backendDir, repoRoot] },
    );
    const backendLog = path.join(workDir, 'backend.log');
    log(`starting the backend at ${baseUrl}, log: ${backendLog}`);
    const backend = start(
      'backend',
      process.execPath,
      [
        '--enable-source-maps',
        '--require',
        nodeTransform,
        '--require',
        exitWithParent,
        'src/index.ts',
        '--config',
        path.join(repoRoot, 'app-config.yaml'),
        '--config',
        path.join(repoRoot, 'app-config.production.yaml'),
        '--config',
        overrideFile,
      ],
      { cwd: backendDir, env, logFile: backendLog },
    );
    procs.push(backend);

    await waitFor(
      'the backend to be ready (/.backstage/health/v1/readiness)',
      BACKEND_START_TIMEOUT_MS,
      async () => {
        const res = await fetchWithTimeout(
          `${baseUrl}/.backstage/health/v1/readiness`,
        );
        return res.ok ? true : undefined;
      },
      backend,
    );
    log('backend ready');

    const index = await fetchWithTimeout(`${baseUrl}/`);
    const html = await index.text();
    if (!index.ok || !html.includes('id="root"')) {
      throw new Error(
        `The backend does not serve the frontend at ${baseUrl}/ (HTTP ${
          index.status
        }); is packages/app/dist built? Last log lines (${backendLog}):\n${tail(
          backendLog,
        )}`,
      );
    }

    // 4. The demo organisation in the catalog, with relations resolved.
    const entity = async (ref: string) => {
      const res = await fetchWithTimeout(
        `${baseUrl}/api/catalog/entities/by-name/${ref}`,
        { headers: { authorization: `Bearer ${harnessToken}` } },
      );
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`catalog ${ref}: HTTP ${res.status}`);
      return (await res.json()) as {
        relations?: { type: string; targetRef: string }[];
      };
    };
    const hasRelation = (
      e: { relations?: { type: string; targetRef: string }[] } | undefined,
      type: string,
      target: string,
    ) => !!e?.relations?.some(r => r.type === type && r.targetRef === target);
    let missing = '';
    try {
      await waitFor(
        'the catalog to ingest catalog/org.yaml (users, groups and their relations)',
        CATALOG_TIMEOUT_MS,
        async () => {
          const [jane, carl, legal] = await Promise.all([
            entity('user/default/jane.doe'),
            entity('user/default/carl.contractor'),
            entity('group/default/legal'),
          ]);
          const expected: [boolean, string][] = [
            [
              hasRelation(jane, 'memberOf', 'group:default/legal'),
              'user:default/jane.doe memberOf group:default/legal',
            ],
            [
              hasRelation(carl, 'memberOf', 'group:default/contractors'),
              'user:default/carl.contractor memberOf group:default/contractors',
            ],
            [
              hasRelation(legal, 'childOf', 'group:default/employees'),
              'group:default/legal childOf group:default/employees',
            ],
          ];
          missing = expected
            .filter(([ok]) => !ok)
            .map(([, what]) => what)
            .join(', ');
          return missing ? undefined : true;
        },
        backend,
        2_000,
      );
    } catch (error) {
      throw new Error(`${error}\nStill missing in the catalog: ${missing}`);
    }
    log('catalog ready');

    process.env.OIDC_E2E_BASE_URL = baseUrl;
    process.env.OIDC_E2E_LITELLM_URL = litellmUrl;
    process.env.OIDC_E2E_LITELLM_MASTER_KEY = litellmMasterKey;
    process.env.OIDC_E2E_ISSUER = issuer;
    process.env.OIDC_E2E_WORK_DIR = workDir;
  } catch (error) {
    await stopAll();
    process.removeListener('exit', onExit);
    throw error;
  }

  return async () => {
    // The backend first, alone: a production stop must finish within a
    // pod's grace period (SIGTERM, then SIGKILL after 30 s in Kubernetes),
    // or the gateway's last ledger rows are lost.
    const backend = procs.find(p => p.name === 'backend');
    const backendStopped = backend ? await stop(backend) : true;
    await stopAll();
    process.removeListener('exit', onExit);
    log(`stopped; logs kept in ${workDir}`);
    if (!backendStopped) {
      throw new Error(
        `The backend (NODE_ENV=production) did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM. Last log lines (${
          backend!.logFile
        }):\n${tail(backend!.logFile)}`,
      );
    }
  };
}
