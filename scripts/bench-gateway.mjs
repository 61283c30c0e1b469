#!/usr/bin/env node
/*
 * AI gateway benchmark (issue: the gateway's "Speed" section). Prints figures
 * with their targets; asserts nothing.
 *
 *   yarn bench:gateway [--no-build] [--employees 200] [--requests 10000]
 *                      [--rate 500] [--seconds 20] [--connections 50]
 *                      [--streams 200] [--hold-ms 8000] [--log-level info] [--keep]
 *                      [--only a,b,c,d] [--backend-node-options="--max-semi-space-size=32"]
 *                      [--via listener|router]
 *
 * Processes: this one (the load generator), a fast OpenAI-compatible upstream
 * that answers at once (scripts/bench-gateway/upstream.mjs), the LiteLLM
 * stand-in (provisions each employee's key on first use) and the portal
 * backend from its production build (NODE_ENV=production, Postgres; see
 * scripts/bench-gateway/backend.mjs for how the bundle is run). Added latency
 * = the gateway (client → backend → upstream) minus direct calls to the
 * upstream, at the same load, percentile by percentile.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  CLIENT_ID,
  POLICY_VERSION,
  buildBackend,
  checkPostgres,
  dropDatabasesOnCleanup,
  prepareBundle,
  runSettings,
  seedPolicyAcceptances,
  startBackend,
  waitForBackend,
  waitForCatalog,
  writeRunFiles,
} from './bench-gateway/backend.mjs';
import { loadTools, makeTargets } from './bench-gateway/load.mjs';
import {
  endPhase,
  partWindow,
  probeBackend,
  readRss,
} from './bench-gateway/probe.mjs';
import {
  checkHeldStreamsDirect,
  measureMemory,
  measureOpenLoop,
  measureSaturation,
  measureSequential,
} from './bench-gateway/measurements.mjs';
import {
  abort,
  freePort,
  handleSignals,
  onCleanup,
  stopAll,
} from './bench-gateway/processes.mjs';
import {
  startStandIn,
  startUpstream,
  upstreamStats,
} from './bench-gateway/services.mjs';
import {
  gatewayMissing,
  probeGateway,
  verifyGateway,
  warmUp,
  warmUpEmployees,
} from './bench-gateway/warmup.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    'no-build': { type: 'boolean', default: false },
    employees: { type: 'string', default: '200' },
    // (a)'s calls per path. Its p99 is the 1% slowest: of 2,000 calls (about
    // 2.5 s) that is 20, and whether one full GC (incremental marking slows
    // the calls around it) falls inside such a window decides it, so runs of
    // the same build ranged from +2.0 to +4.1 ms. 10,000 calls (about 12 s)
    // see the collections at the rate they come.
    requests: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '500' },
    seconds: { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
    streams: { type: 'string', default: '200' },
    'hold-ms': { type: 'string', default: '8000' },
    'log-level': { type: 'string', default: 'info' },
    keep: { type: 'boolean', default: false },
    // The gateway path measured: its own port (aiTiles.gateway.listen, the
    // production setting) or Backstage's router (/api/ai-tiles/gateway/v1).
    via: { type: 'string', default: 'listener' },
    // Measurements to run (a to d); the others are skipped.
    only: { type: 'string', default: 'a,b,c,d' },
    // Extra Node options for the backend process only (e.g. GC settings).
    'backend-node-options': { type: 'string', default: '' },
  },
});
const CORES = cpus().length;
/** The settings every phase reads. */
const o = {
  employees: Number(args.employees),
  requests: Number(args.requests),
  rate: Number(args.rate),
  seconds: Number(args.seconds),
  connections: Number(args.connections),
  streams: Number(args.streams),
  holdMs: Number(args['hold-ms']),
  shared: `the load generator, the upstream, the LiteLLM stand-in and the backend share this machine's ${CORES} cores`,
};

const loadAverage = () =>
  loadavg()
    .map(v => v.toFixed(2))
    .join(' / ');
const step = text => console.log(`• ${text}`);

async function main() {
  handleSignals();
  const dir = await mkdtemp(join(tmpdir(), 'ai-portal-bench-gateway-'));
  let ok = false;
  onCleanup(async () => {
    if (ok && !args.keep) await rm(dir, { recursive: true, force: true });
    else console.log(`  run directory kept (logs, config): ${dir}`);
  });
  loadTools(root);

  console.log(`Gateway benchmark (${new Date().toISOString()})`);
  console.log(
    `  machine: ${CORES} cores (${cpus()[0]?.model.trim()}), ${(
      totalmem() /
      2 ** 30
    ).toFixed(1)} GiB; Node ${process.version}. ` +
      `Not isolated: ${o.shared}.`,
  );
  console.log(
    `  load average before the run (1/5/15 min): ${loadAverage()} (other work on the machine skews the figures)`,
  );
  await checkPostgres(root);
  const bundle = await buildBackend(root, {
    skip: args['no-build'],
    logFile: join(dir, 'build.log'),
  });

  step(
    'starting the fast upstream, the LiteLLM stand-in and the production backend',
  );
  if (!['listener', 'router'].includes(args.via)) {
    throw new Error(`--via must be listener or router, not ${args.via}`);
  }
  const s = runSettings({
    backendPort: await freePort(),
    gatewayPort: args.via === 'listener' ? await freePort() : undefined,
    employees: o.employees,
  });
  const bundled = await prepareBundle(root, bundle, join(dir, 'app'));
  const upstream = await startUpstream(root, dir);
  const standIn = await startStandIn(root, dir, s.masterKey);
  const { configFile } = await writeRunFiles(root, dir, s, {
    standInUrl: standIn.url,
    upstreamUrl: upstream.url,
  });
  dropDatabasesOnCleanup(root, s);
  const memoryFile = join(dir, 'memory.json');
  const backend = startBackend(root, join(dir, 'app'), s, {
    configFile,
    memoryFile,
    logFile: join(dir, 'backend.log'),
    logLevel: args['log-level'],
    nodeOptions: args['backend-node-options'].split(/\s+/).filter(Boolean),
  });
  const started = Date.now();
  await waitForBackend(backend, s);
  const readyMs = Date.now() - started;
  await waitForCatalog(backend, s);
  const seeded = await seedPolicyAcceptances(root, s);
  console.log(
    `  backend: ${join(dir, 'app')} (bundle packages: ${bundled.join(
      ', ',
    )}), NODE_ENV=production, ` +
      `Postgres databases ${s.databasePrefix}*, LOG_LEVEL=${args['log-level']}, ` +
      `extra Node options: ${
        args['backend-node-options'] || 'none'
      }; ready after ${readyMs} ms, ` +
      `catalog holds the ${o.employees} bench employees after ${
        Date.now() - started
      } ms; ` +
      `${seeded} policy acceptances (${POLICY_VERSION}) seeded; ` +
      'catalog processing interval 30 min (ingested once, not re-processed during the runs)',
  );
  console.log(
    `  upstream ${upstream.url}, LiteLLM stand-in ${standIn.url}, backend ${s.baseUrl}, gateway client ${CLIENT_ID}; ` +
      `gateway measured ${
        args.via === 'listener'
          ? `on its own port ${s.gatewayOrigin} (aiTiles.gateway.listen)`
          : "through Backstage's router"
      }`,
  );

  const phases = [['started', readRss(backend.pid).rss]];
  const { modules } = await probeBackend(backend.pid, memoryFile);
  console.log(
    `  backend modules: ${modules.count} CommonJS modules loaded; real files loaded twice: ${modules.duplicates}; ` +
      `from the repository's workspace sources instead of the build: ${modules.fromRepoSourcesCount}` +
      (modules.fromRepoSourcesCount
        ? ` (${modules.fromRepoSources.join(', ')})`
        : ''),
  );
  const targets = makeTargets({
    upstreamUrl: upstream.url,
    baseUrl: s.baseUrl,
    gatewayOrigin: s.gatewayOrigin,
    clientToken: s.clientToken,
    employees: o.employees,
  });
  const probe = await probeGateway(targets);
  if (gatewayMissing(probe)) {
    console.log(
      `\n  No gateway in this build: ${probe.status} ${probe.text.slice(
        0,
        160,
      )}\n` + '  Measuring the direct path only, to check the harness.',
    );
    targets.gateway = undefined;
  } else {
    step('warming up (first call per employee, then both paths)');
    await warmUpEmployees(targets, backend, o);
    await verifyGateway(targets);
  }
  const end = phase => endPhase(phases, phase, backend, memoryFile);
  await warmUp(targets, o);
  await end('warm-up');

  const only = new Set(args.only.split(',').map(p => p.trim()));
  if (only.has('a')) {
    await measureSequential(targets, o);
    await end('(a)');
  }
  if (only.has('b')) {
    await measureOpenLoop(targets, o, partWindow(backend, memoryFile));
    await end('(b)');
  }
  if (only.has('c')) {
    await measureSaturation(targets, o);
    await end('(c)');
  }
  if (only.has('d') && targets.gateway)
    await measureMemory(
      targets,
      backend,
      upstream.url,
      { memoryFile, phases },
      o,
    );
  else if (only.has('d'))
    await checkHeldStreamsDirect(targets, upstream.url, o);

  const u = await upstreamStats(upstream.url);
  console.log(
    `\n  upstream served ${u.requests} model requests (${u.streams} streamed; peak ${u.peakOpenStreams} open at once) ` +
      `with ${u.bearerTokens} distinct bearer tokens`,
  );
  console.log(
    `  Not isolated: ${
      o.shared
    }; figures are for this shared machine. Load average now: ${loadAverage()}.`,
  );
  ok = true;
}

main()
  .catch(error => {
    if (abort.signal.aborted) return;
    console.error(`\nbench:gateway failed: ${error?.stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await stopAll();
    process.exit();
  });
