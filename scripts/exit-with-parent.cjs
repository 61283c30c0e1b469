/*
 * Preloaded (`node --require`) into the processes the benchmarks and the
 * end-to-end harness start: exits when the process that started them
 * ($EXIT_WITH_PARENT_PID) is gone, so an aborted run leaves nothing running.
 * Checks once a second on an unref'd timer. Tooling only; not part of the
 * portal.
 */
const parentPid = Number(process.env.EXIT_WITH_PARENT_PID);
if (parentPid > 0) {
  setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch {
      process.exit(1);
    }
  }, 1000).unref();
}
