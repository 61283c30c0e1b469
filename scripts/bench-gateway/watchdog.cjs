/*
 * Preloaded into the benchmark's child processes (`--require`): exits when
 * the benchmark process ($BENCH_PARENT_PID) is gone, so that a killed
 * benchmark leaves nothing running. Checks once a second, off the event
 * loop's critical path (unref'd timer).
 */
const parent = Number(process.env.BENCH_PARENT_PID);
if (parent > 0) {
  setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch {
      process.exit(1);
    }
  }, 1000).unref();
}
