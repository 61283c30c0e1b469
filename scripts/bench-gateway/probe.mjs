/*
 * Readings of the benchmarked backend process: VmRSS from /proc, and through
 * memory-probe.cjs (preloaded into it) memory after a forced GC plus its
 * event-loop delay and GC pauses since the previous reading.
 */
import { existsSync, readFileSync } from 'node:fs';
import { sleep } from './processes.mjs';
import { mib, ms } from './stats.mjs';

/** VmRSS and VmHWM (peak) of a process, in KiB. */
export function readRss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = key =>
    Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return { rss: kib('VmRSS'), hwm: kib('VmHWM') };
}

/**
 * Signals the backend (SIGUSR2) and waits for memory-probe.cjs's answer:
 * memory in bytes after a forced full GC, `window` (event-loop delay and GC
 * pauses since the previous call) and, the first time, `modules`.
 */
export async function probeBackend(pid, file) {
  const read = () =>
    existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { seq: 0 };
  const before = read().seq;
  process.kill(pid, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const m = read();
    if (m.seq > before) return m;
    if (Date.now() > deadline) {
      throw new Error('the backend did not answer the memory probe (SIGUSR2)');
    }
    await sleep(20);
  }
}

/** One line on what the backend's event loop and GC did during a phase. */
export function windowLine(window) {
  const { loopDelay: l, gc } = window;
  return (
    `backend event-loop delay p50 ${ms(l.p50)}, p99 ${ms(l.p99)}, max ${ms(
      l.max,
    )}; ` +
    `GC pauses ${gc.count} (total ${ms(gc.totalMs)}, longest ${ms(
      gc.maxMs,
    )}; major ${gc.major}, longest ${ms(gc.majorMaxMs)})` +
    (gc.scavenges
      ? `; scavenges promoted ${mib(gc.scavenges.promoted / 1024)} of ${mib(
          gc.scavenges.young / 1024,
        )} young to the old generation`
      : '') +
    (window.pretenuredStreams === undefined
      ? ''
      : `; streams' listener tables pretenured (old generation): ${
          window.pretenuredStreams ? 'yes' : 'no'
        }`)
  );
}

/**
 * Ends a phase: prints the backend's event loop and GC during it, and keeps
 * its VmRSS for the memory section.
 */
export async function endPhase(phases, phase, backend, memoryFile) {
  const rss = readRss(backend.pid).rss;
  const { window } = await probeBackend(backend.pid, memoryFile);
  phases.push([phase, rss]);
  console.log(`  during ${phase}: ${windowLine(window)}`);
}

/**
 * Brackets part of a phase: `start()` resets the backend's readings, `end(label)`
 * prints what its event loop and GC did since.
 */
export const partWindow = (backend, memoryFile) => ({
  start: () => probeBackend(backend.pid, memoryFile),
  async end(label) {
    const { window } = await probeBackend(backend.pid, memoryFile);
    console.log(`    ${label}: ${windowLine(window)}`);
  },
});

export const phaseRssLine = phases =>
  `VmRSS at phase ends: ${phases
    .map(([phase, kib]) => `${phase} ${mib(kib)}`)
    .join(', ')}`;
