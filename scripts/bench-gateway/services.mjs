/*
 * The gateway benchmark's helper servers: the fast upstream
 * (upstream.mjs) and the LiteLLM stand-in (packages/litellm-standin), each a
 * child process with its log in the run directory.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort, nextMessage, startChild, waitUntil } from './processes.mjs';

export async function startUpstream(root, dir) {
  const child = startChild(
    'fast upstream',
    process.execPath,
    [join(root, 'scripts/bench-gateway/upstream.mjs')],
    {
      logFile: join(dir, 'upstream.log'),
      ipc: true,
      env: { ...process.env, BENCH_UPSTREAM_PORT: '0' },
    },
  );
  const { port } = await nextMessage(child, 'ready');
  return { child, url: `http://127.0.0.1:${port}` };
}

export async function startStandIn(root, dir, masterKey) {
  const port = await freePort();
  const transform = createRequire(join(root, 'package.json')).resolve(
    '@backstage/cli-node/config/nodeTransform.cjs',
  );
  const child = startChild(
    'LiteLLM stand-in',
    process.execPath,
    [
      '--require',
      transform,
      '--require',
      join(root, 'scripts/exit-with-parent.cjs'),
      'src/main.ts',
    ],
    {
      cwd: join(root, 'packages/litellm-standin'),
      logFile: join(dir, 'litellm-standin.log'),
      env: {
        ...process.env,
        LITELLM_MASTER_KEY: masterKey,
        LITELLM_STANDIN_PORT: String(port),
        LITELLM_STANDIN_QUIET: '1',
        EXIT_WITH_PARENT_PID: String(process.pid),
      },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    child,
    'health',
    () => fetch(`${url}/health/liveliness`).then(r => r.ok),
    60_000,
  );
  return { child, url };
}

export const upstreamStats = url =>
  fetch(`${url}/__bench/stats`).then(r => r.json());
export const setHold = (url, holdMs) =>
  fetch(`${url}/__bench/hold`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ms: holdMs }),
  });
