/*
 * Preloaded into the benchmarked backend (`--expose-gc --require`). On
 * SIGUSR2 it writes to $BENCH_MEMORY_FILE:
 *   - `window`: since the previous signal, the event-loop delay (sampled every
 *     10 ms), the GC pauses, and what young-generation collections moved
 *     to the old generation (its growth across each scavenge, from
 *     v8.GCProfiler): garbage promoted there is what later costs
 *     mark-compact pauses;
 *   - process.memoryUsage() right after a forced full GC, so that memory can
 *     be compared independently of when V8 last collected;
 *   - on the first signal, `modules`: the loaded CommonJS modules, how many
 *     real files were loaded twice, and how many come from the repository's
 *     workspace sources ($BENCH_REPO_ROOT/packages|plugins) instead of the
 *     extracted production build (both should be 0);
 *   - `pretenuredStreams`: whether V8 now allocates streams' listener tables
 *     (the `_events` of every Readable: requests, response bodies, sockets)
 *     in the old generation. Allocation-site pretenuring decides that on its
 *     own, after a phase in which most streams lived long, and keeps it for
 *     the life of the process; from then on a dead table keeps whatever its
 *     listeners reach alive until the next full GC. Needs
 *     --allow-natives-syntax (undefined without).
 * Costs a 10 ms timer and a GC observer until signalled.
 */
const { realpathSync, renameSync, writeFileSync } = require('node:fs');
const { sep } = require('node:path');
const {
  PerformanceObserver,
  monitorEventLoopDelay,
  performance,
} = require('node:perf_hooks');
const { Readable } = require('node:stream');
const { GCProfiler } = require('node:v8');

const file = process.env.BENCH_MEMORY_FILE;
const repoRoot = process.env.BENCH_REPO_ROOT;
const MAJOR = 4; // perf_hooks.constants.NODE_PERFORMANCE_GC_MAJOR
const OLD_SPACES = new Set(['old_space', 'code_space', 'large_object_space']);

const oldUsed = spaces =>
  spaces
    .filter(s => OLD_SPACES.has(s.spaceName))
    .reduce((n, s) => n + s.spaceUsedSize, 0);

/** Bytes scavenges allocated young and moved to the old generation. */
function summarizeScavenges(profile) {
  let young = 0;
  let promoted = 0;
  for (const gc of profile?.statistics ?? []) {
    if (gc.gcType !== 'Scavenge') continue;
    const before = gc.beforeGC.heapSpaceStatistics;
    const after = gc.afterGC.heapSpaceStatistics;
    young += before.find(s => s.spaceName === 'new_space')?.spaceUsedSize ?? 0;
    promoted += Math.max(0, oldUsed(after) - oldUsed(before));
  }
  return { young, promoted };
}
const RESOLUTION_MS = 10;

/** %InYoungGeneration, when the process runs with --allow-natives-syntax. */
let inYoungGeneration;
try {
  // eslint-disable-next-line no-new-func
  inYoungGeneration = new Function('o', 'return %InYoungGeneration(o)');
} catch {
  // A syntax error without the flag: the reading is left out.
}

function streamsPretenured() {
  if (!inYoungGeneration) return undefined;
  return !inYoungGeneration(new Readable({ read() {} })._events);
}

function describeModules() {
  const seen = new Set();
  let duplicates = 0;
  const fromRepoSources = [];
  const keys = Object.keys(require.cache);
  const sources = ['packages', 'plugins'].map(
    d => `${repoRoot}${sep}${d}${sep}`,
  );
  for (const key of keys) {
    let real;
    try {
      real = realpathSync(key);
    } catch {
      continue;
    }
    if (seen.has(real)) duplicates++;
    seen.add(real);
    if (
      repoRoot &&
      sources.some(p => real.startsWith(p)) &&
      !real.includes(`${sep}node_modules${sep}`)
    ) {
      fromRepoSources.push(real);
    }
  }
  return {
    count: keys.length,
    duplicates,
    fromRepoSources: fromRepoSources.slice(0, 5),
    fromRepoSourcesCount: fromRepoSources.length,
  };
}

if (file) {
  let seq = 0;
  const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loop.enable();
  let gcs = [];
  // The probe's own forced collections, left out of the next window.
  const forced = [];
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) {
      if (!forced.some(([a, b]) => e.startTime >= a && e.startTime <= b)) {
        gcs.push({ ms: e.duration, major: e.detail?.kind === MAJOR });
      }
    }
  }).observe({ entryTypes: ['gc'] });
  let profiler = new GCProfiler();
  profiler.start();

  process.on('SIGUSR2', () => {
    const majors = gcs.filter(g => g.major);
    // The histogram holds whole timer intervals: the delay is what exceeds
    // the 10 ms resolution.
    const delay = ns => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    const window = {
      loopDelay: {
        p50: delay(loop.percentile(50)),
        p99: delay(loop.percentile(99)),
        max: delay(loop.max),
      },
      gc: {
        count: gcs.length,
        totalMs: gcs.reduce((n, g) => n + g.ms, 0),
        maxMs: Math.max(0, ...gcs.map(g => g.ms)),
        major: majors.length,
        majorMaxMs: Math.max(0, ...majors.map(g => g.ms)),
      },
    };
    window.gc.scavenges = summarizeScavenges(profiler.stop());
    window.pretenuredStreams = streamsPretenured();
    gcs = [];
    const started = performance.now();
    if (typeof global.gc === 'function') {
      global.gc();
      global.gc();
    }
    forced.push([started, performance.now()]);
    profiler = new GCProfiler();
    profiler.start();
    if (forced.length > 4) forced.shift();
    // After the late sample that the forced GC itself causes.
    setTimeout(() => loop.reset(), 50).unref();
    seq += 1;
    const modules = seq === 1 ? describeModules() : undefined;
    writeFileSync(
      `${file}.tmp`,
      JSON.stringify({ seq, ...process.memoryUsage(), window, modules }),
    );
    renameSync(`${file}.tmp`, file);
  });
}
