/*
 * Before measuring: is there a gateway in the build, the first call of every
 * employee (provisions the key), a checked sample of answers, and a warm-up
 * of both paths.
 */
import { EXPECTED_REPLY, cannon, newPool, once, sequential } from './load.mjs';
import { ChildFailedError } from './processes.mjs';

/** Is the gateway there? 404 from the plugin router = not built yet. */
export async function probeGateway(targets) {
  const pool = newPool(targets.gateway.origin, 1);
  try {
    const r = await once(pool, targets.gateway, 0, { keepText: true });
    return r;
  } finally {
    await pool.close();
  }
}

/**
 * No gateway in the build: the plugin router answers 404, or Backstage's own
 * auth layer refuses the client token before any gateway route (401 "Illegal
 * token" in Backstage's error shape, which names the request).
 */
export function gatewayMissing(probe) {
  if (probe.status === 404) return true;
  if (probe.status !== 401) return false;
  try {
    const body = JSON.parse(probe.text);
    return body.error?.name === 'AuthenticationError' && Boolean(body.request);
  } catch {
    return false;
  }
}

/**
 * First call per employee (provisions the key). A first call that fails is
 * reported and retried (twice at most); an employee still without a 200 stops
 * the benchmark with the backend's log.
 */
export async function warmUpEmployees(targets, backend, o) {
  const pool = newPool(targets.gateway.origin, 8);
  const started = Date.now();
  const call = async i => {
    const r = await once(pool, targets.gateway, i, { keepText: true }).catch(
      e => ({
        status: 'error',
        text: String(e),
      }),
    );
    return r.status === 200 ? undefined : `${r.status} ${r.text.slice(0, 200)}`;
  };
  const inParallel = async (items, fn) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < items.length) await fn(items[next++]);
      }),
    );
  };
  const firstFailures = new Map();
  await inParallel(
    Array.from({ length: o.employees }, (_, i) => i),
    async i => {
      const failure = await call(i);
      if (failure) firstFailures.set(i, failure);
    },
  );
  let failing = [...firstFailures.keys()];
  for (let attempt = 0; attempt < 2 && failing.length; attempt++) {
    const still = [];
    await inParallel(failing, async i => {
      if (await call(i)) still.push(i);
    });
    failing = still;
  }
  await pool.close();
  if (firstFailures.size) {
    const samples = new Map();
    for (const f of firstFailures.values())
      samples.set(f, (samples.get(f) ?? 0) + 1);
    console.log(
      `  FIRST CALLS FAILED for ${firstFailures.size}/${o.employees} employees (8 at a time); retried:\n` +
        [...samples].map(([f, n]) => `    ${n}× ${f}`).join('\n'),
    );
  }
  if (failing.length) {
    throw new ChildFailedError(
      backend,
      `${failing.length}/${o.employees} bench employees still get no 200 from the gateway after retries`,
    );
  }
  console.log(
    `  ${o.employees} employees provisioned through the gateway in ${
      Date.now() - started
    } ms`,
  );
}

/** A sample of gateway answers, checked: status, body, stream end, usage chunk. */
export async function verifyGateway(targets, samples = 50) {
  const pool = newPool(targets.gateway.origin, 1);
  const bad = { status: 0, body: 0, streamEnd: 0, usage: 0 };
  try {
    for (let i = 0; i < samples; i++) {
      const plain = await once(pool, targets.gateway, i, { keepText: true });
      if (plain.status !== 200) bad.status++;
      else if (
        JSON.parse(plain.text).choices?.[0]?.message?.content !== EXPECTED_REPLY
      )
        bad.body++;
      const stream = await once(pool, targets.gateway, i, {
        stream: true,
        keepText: true,
      });
      if (stream.status !== 200) bad.status++;
      else {
        if (!stream.text.includes('data: [DONE]')) bad.streamEnd++;
        if (
          !/"choices":\[\],.*"usage"|"usage".*"choices":\[\]/.test(stream.text)
        )
          bad.usage++;
      }
    }
  } finally {
    await pool.close();
  }
  console.log(
    `  verified ${samples} non-streamed and ${samples} streamed gateway answers: ` +
      `non-200 ${bad.status}, wrong body ${bad.body}, stream without [DONE] ${bad.streamEnd}, without usage chunk ${bad.usage}`,
  );
}

/** JIT and connection pools: both paths, one at a time and under load. */
export async function warmUp(targets, o) {
  const all = [targets.direct, targets.gateway, targets.backstage];
  await sequential(all, 500);
  await sequential(all, 200, { stream: true });
  for (const t of [targets.direct, targets.gateway].filter(Boolean)) {
    await cannon(t, { connections: o.connections, seconds: 5 });
  }
}
