// Preloaded (node --require) into the backend started by harness.ts: exits
// the process when the test runner that started it is gone, so an aborted
// run never leaves a backend behind. Test-only; not part of the portal.
const parentPid = Number(process.env.OIDC_E2E_PARENT_PID);
if (parentPid) {
  setInterval(() => {
    try {
      process.kill(parentPid, 0);
    } catch {
      process.exit(1);
    }
  }, 1000).unref();
}
