/*
 * The measurements of the gateway benchmark, (a) to (d), each printed with
 * its target. `o` holds the command-line settings.
 */
import { cannon, openLoop, openStreams, sequential } from './load.mjs';
import { phaseRssLine, probeBackend, readRss } from './probe.mjs';
import { sleep } from './processes.mjs';
import { setHold, upstreamStats } from './services.mjs';
import {
  errorLine,
  mib,
  ms,
  pct,
  signedMs,
  printComparison,
  signedMib,
} from './stats.mjs';

/** Calls of the bare Backstage route in (a), for scale. */
const BARE_ROUTE_CALLS = 2000;

export async function measureSequential(targets, o) {
  console.log(
    `\n(a) one client at a time: ${o.requests} requests per path, interleaved, one keep-alive undici connection each`,
  );
  const plain = await sequential([targets.direct, targets.gateway], o.requests);
  printComparison(
    'non-streamed, full response',
    plain.times.direct,
    plain.times.gateway,
    { p50: 1, p99: 3 },
  );
  const streamed = await sequential(
    [targets.direct, targets.gateway],
    o.requests,
    { stream: true },
  );
  printComparison(
    'streamed, time to the first body byte',
    streamed.times.direct,
    streamed.times.gateway,
    { p50: 2 },
  );
  if (targets.gateway) {
    // For scale, on its own (interleaved with direct calls again): a route
    // of Backstage's router leaves garbage that slows the next collections,
    // so it runs after the gateway's runs, not mixed into them, and at most
    // 2,000 calls: 10,000 of them leave V8 collecting more often in (b).
    const bare = await sequential(
      [targets.direct, targets.backstage],
      Math.min(o.requests, BARE_ROUTE_CALLS),
    );
    const b = bare.times[targets.backstage.name];
    const d = bare.times.direct;
    console.log(
      `    for scale, a bare Backstage route of the same backend (GET ${
        targets.backstage.path
      }, ${b.length}, own run): p50 ${ms(pct(b, 50))}, p99 ${ms(
        pct(b, 99),
      )}; minus direct: p50 ${signedMs(
        pct(b, 50) - pct(d, 50),
      )}, p99 ${signedMs(pct(b, 99) - pct(d, 99))}`,
    );
  }
  for (const [name, e] of Object.entries(plain.errors)) {
    if (!streamed.errors[name]) continue;
    console.log(
      errorLine(`${name} (non-streamed / streamed)`, {
        'non-200': e.non200 + streamed.errors[name].non200,
        failed: e.failed + streamed.errors[name].failed,
      }),
    );
  }
}

/**
 * `gcWindow` (optional): `start()` and `end(label)` around the gateway's
 * halves, so that what the backend's GC did while the gateway was loaded
 * is told apart from the bare route's run after them.
 */
export async function measureOpenLoop(targets, o, gcWindow) {
  const half = o.seconds / 2;
  console.log(
    `\n(b) offered load ${o.rate} requests/s, open loop (evenly spaced starts, round-robin over 100 keep-alive connections opened beforehand), ` +
      `${o.seconds} s per path in two halves (direct, gateway, gateway, direct)`,
  );
  const runs = { direct: [], gateway: [] };
  const order = targets.gateway
    ? ['direct', 'gateway', 'gateway', 'direct']
    : ['direct', 'direct'];
  const first = order.indexOf('gateway');
  const last = order.lastIndexOf('gateway');
  for (const [i, name] of order.entries()) {
    if (i === first) await gcWindow?.start();
    runs[name].push(
      await openLoop(targets[name], { rate: o.rate, seconds: half }),
    );
    if (i === last) await gcWindow?.end('during the gateway halves only');
    await sleep(1000);
  }
  const merge = (list, key) => list.flatMap(r => r[key]);
  printComparison(
    'non-streamed, full response',
    merge(runs.direct, 'latencies'),
    targets.gateway ? merge(runs.gateway, 'latencies') : undefined,
    { p50: 2, p99: 10 },
  );
  if (targets.gateway) {
    // The same rate on a trivial route of the same backend, for scale.
    const bare = await openLoop(targets.backstage, {
      rate: o.rate,
      seconds: half,
    });
    const direct = merge(runs.direct, 'latencies');
    console.log(
      `    for scale, a bare Backstage route of the same backend (GET ${
        targets.backstage.path
      }, ${bare.latencies.length}): p50 ${ms(
        pct(bare.latencies, 50),
      )}, p99 ${ms(pct(bare.latencies, 99))}; minus direct: p50 ${signedMs(
        pct(bare.latencies, 50) - pct(direct, 50),
      )}, p99 ${signedMs(pct(bare.latencies, 99) - pct(direct, 99))}`,
    );
  }
  for (const [name, list] of Object.entries(runs)) {
    if (!list.length) continue;
    const lags = merge(list, 'lags');
    console.log(
      `    ${name}: achieved ${list
        .map(r => r.achieved.toFixed(0))
        .join(' + ')} req/s; ` +
        `generator lag behind schedule p50 ${ms(pct(lags, 50))}, p99 ${ms(
          pct(lags, 99),
        )}`,
    );
    console.log(
      errorLine(name, {
        'non-200': list.reduce((n, r) => n + r.errors.non200, 0),
        failed: list.reduce((n, r) => n + r.errors.failed, 0),
      }),
    );
  }
}

export async function measureSaturation(targets, o) {
  console.log(
    `\n(c) saturation: autocannon, ${o.connections} connections, no rate limit, ${o.seconds} s per path (${o.shared})`,
  );
  const direct = await cannon(targets.direct, {
    connections: o.connections,
    seconds: o.seconds,
  });
  const line = (name, r, target = '') =>
    console.log(
      `    ${name}: ${r.rate.toFixed(0)} requests/s (${r.total} in ${
        o.seconds
      } s), latency p50 ${r.p50} ms, p99 ${r.p99} ms${target}`,
    );
  line('direct ', direct);
  console.log(errorLine('direct', direct.errors));
  if (!targets.gateway) return;
  await sleep(1000);
  const gateway = await cannon(targets.gateway, {
    connections: o.connections,
    seconds: o.seconds,
  });
  line(
    'gateway',
    gateway,
    '  [target ≥ 1500 requests/s through one backend process; the load generator shares the machine]',
  );
  console.log(errorLine('gateway', gateway.errors));
  await sleep(1000);
  const bare = await cannon(targets.backstage, {
    connections: o.connections,
    seconds: o.seconds,
  });
  line('bare Backstage route (for scale)', bare);
}

export async function measureMemory(
  targets,
  backend,
  upstreamUrl,
  { memoryFile, phases },
  o,
) {
  const pid = backend.pid;
  const rss = () => readRss(pid).rss;
  // VmRSS as it is, then live memory right after a forced full GC (KiB).
  const sample = async () => {
    const raw = rss();
    const m = await probeBackend(pid, memoryFile);
    return {
      raw,
      heap: m.heapUsed / 1024,
      heapTotal: m.heapTotal / 1024,
      external: m.external / 1024,
      gcRss: m.rss / 1024,
    };
  };
  const row = list => list.map(mib).join(' → ');
  console.log(
    `\n(d) memory of the backend process (pid ${pid}): VmRSS from /proc/${pid}/status as sampled, and heap used / RSS ` +
      'right after a forced full GC (the backend runs with --expose-gc and a SIGUSR2 probe); after the warm-up and the runs above',
  );
  console.log(`  ${phaseRssLine(phases)}`);
  await sleep(3000);
  const series = [await sample()];
  const b = series[0];
  console.log(
    `  baseline after forced GC: RSS ${mib(b.gcRss)} = V8 heap ${mib(
      b.heapTotal,
    )} (used ${mib(b.heap)}), ` +
      `external ${mib(
        b.external,
      )}, rest (code, stacks, native allocations) ${mib(
        b.gcRss - b.heapTotal - b.external,
      )}`,
  );
  const batchErrors = { non2xx: 0, errors: 0, timeouts: 0 };
  for (let i = 0; i < 5; i++) {
    const r = await cannon(targets.gateway, {
      connections: o.connections,
      amount: 2000,
    });
    for (const k of Object.keys(batchErrors)) batchErrors[k] += r.errors[k];
    series.push(await sample());
  }
  const [first, last] = [series[0], series[series.length - 1]];
  console.log(
    `  10,000 gateway requests in 5 batches of 2,000 (${o.connections} connections):`,
  );
  console.log(`    VmRSS:            ${row(series.map(x => x.raw))}`);
  console.log(
    `    after forced GC:  heap used ${row(series.map(x => x.heap))}`,
  );
  console.log(
    `                      RSS       ${row(series.map(x => x.gcRss))}`,
  );
  console.log(
    `    change over the 10,000 requests: heap used ${signedMib(
      last.heap - first.heap,
    )}, ` +
      `RSS after GC ${signedMib(last.gcRss - first.gcRss)}, VmRSS ${signedMib(
        last.raw - first.raw,
      )}  [target: flat]`,
  );
  console.log(errorLine('10,000 requests', batchErrors));

  console.log(
    `  ${
      o.streams
    } concurrent open streams through the gateway (the upstream holds each ${
      o.holdMs / 1000
    } s after its first chunk):`,
  );
  for (let round = 1; round <= 2; round++) {
    await setHold(upstreamUrl, o.holdMs);
    const before = await sample();
    const { state, firstChunks, done } = openStreams(
      targets.gateway,
      o.streams,
      round * o.streams,
    );
    await firstChunks;
    const upstream = await upstreamStats(upstreamUrl);
    let peakRaw = rss();
    const during = await sample();
    while (
      upstream.openStreams &&
      (await upstreamStats(upstreamUrl)).openStreams >= o.streams
    ) {
      peakRaw = Math.max(peakRaw, rss());
      await sleep(250);
    }
    await done;
    await setHold(upstreamUrl, 0);
    await sleep(1000);
    const after = await sample();
    console.log(
      `    round ${round}: ${state.first} streams got their first chunk, the upstream had ${upstream.openStreams} open;`,
    );
    console.log(
      `      VmRSS before ${mib(before.raw)}, during ${mib(
        during.raw,
      )} (peak ${mib(peakRaw)}), after ${mib(after.raw)}`,
    );
    console.log(
      `      after forced GC: heap used before ${mib(
        before.heap,
      )}, during ${mib(during.heap)}, after ${mib(after.heap)}; ` +
        `RSS before ${mib(before.gcRss)}, during ${mib(
          during.gcRss,
        )}, after ${mib(after.gcRss)}`,
    );
    console.log(
      `      while open: heap ${signedMib(during.heap - before.heap)} (${(
        ((during.heap - before.heap) * 1024) /
        o.streams
      ).toFixed(0)} bytes per stream); after − before: heap ${signedMib(
        after.heap - before.heap,
      )}, ` +
        `RSS after GC ${signedMib(after.gcRss - before.gcRss)}  [target: flat]`,
    );
    console.log(
      errorLine(`      round ${round}`, {
        'non-200': state.non200,
        failed: state.failed,
        incomplete: state.first - state.complete,
      }).slice(4),
    );
  }
  const { hwm } = readRss(pid);
  console.log(
    `  peak RSS of the backend over the whole run (VmHWM): ${mib(hwm)}`,
  );
}

/** Without a gateway: check that the upstream holds streams open (direct). */
export async function checkHeldStreamsDirect(targets, upstreamUrl, o) {
  await setHold(upstreamUrl, 2000);
  const { state, firstChunks, done } = openStreams(targets.direct, o.streams);
  await firstChunks;
  const upstream = await upstreamStats(upstreamUrl);
  await done;
  await setHold(upstreamUrl, 0);
  console.log(
    `\n(d) harness check: ${o.streams} streams held open directly at the upstream: ${state.first} got their first chunk, ` +
      `upstream had ${upstream.openStreams} open, ${state.complete} completed with [DONE]`,
  );
}
