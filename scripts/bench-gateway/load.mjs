/*
 * Load generation for the gateway benchmark: one client at a time (undici,
 * keep-alive, performance.now()), an open-loop offered load, autocannon for
 * saturation, and many concurrently open streams.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { employee } from './backend.mjs';
import { abort, throwIfAborted } from './processes.mjs';

let undici;
let autocannon;
export function loadTools(root) {
  const require = createRequire(join(root, 'package.json'));
  undici = require('undici');
  autocannon = require('autocannon');
}

const CHAT = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Say hello.' }],
};
export const BODY = JSON.stringify(CHAT);
export const STREAM_BODY = JSON.stringify({
  ...CHAT,
  stream: true,
  stream_options: { include_usage: true },
});
export const EXPECTED_REPLY = 'Hello from the bench upstream.';

/**
 * The two ways to the same upstream. `headers(i)` are the headers of the
 * i-th request: the gateway's name the i-th employee (round robin).
 */
export function makeTargets({
  upstreamUrl,
  baseUrl,
  gatewayOrigin,
  clientToken,
  employees,
}) {
  const json = { 'content-type': 'application/json' };
  return {
    direct: {
      name: 'direct',
      origin: upstreamUrl,
      path: '/v1/chat/completions',
      headers: () => ({ ...json, authorization: 'Bearer sk-bench-direct' }),
    },
    // For scale: a trivial route of the same backend (Backstage's own
    // middleware, request log and routing, no gateway work).
    backstage: {
      name: 'bare route',
      origin: baseUrl,
      path: '/api/ai-tiles/health',
      method: 'GET',
      headers: () => ({}),
    },
    gateway: {
      name: 'gateway',
      origin: gatewayOrigin,
      path: '/api/ai-tiles/gateway/v1/chat/completions',
      headers: i => ({
        ...json,
        authorization: `Bearer ${clientToken}`,
        'x-openwebui-user-email': employee(i % employees).email,
      }),
    },
  };
}

export const newClient = origin =>
  new undici.Client(origin, { keepAliveTimeout: 60_000, pipelining: 1 });
export const newPool = (origin, connections) =>
  new undici.Pool(origin, {
    connections,
    keepAliveTimeout: 60_000,
    pipelining: 1,
  });

/**
 * One request; resolves when the whole body has arrived. `first` is the time
 * to the first body byte, `total` to the end; both from just before the
 * request is handed to undici.
 */
export async function once(
  dispatcher,
  target,
  i,
  { stream = false, keepText = false } = {},
) {
  const started = performance.now();
  const res = await dispatcher.request({
    path: target.path,
    method: target.method ?? 'POST',
    headers: target.headers(i),
    body: target.method === 'GET' ? undefined : stream ? STREAM_BODY : BODY,
  });
  let first;
  let text = '';
  for await (const chunk of res.body) {
    first ??= performance.now() - started;
    if (keepText) text += chunk;
  }
  return {
    status: res.statusCode,
    first,
    total: performance.now() - started,
    text,
  };
}

/**
 * One client at a time, `n` requests per target, interleaved (direct, gateway,
 * gateway, direct, …) on one keep-alive connection per target. Streamed:
 * records the time to the first body byte; else the full response time.
 */
export async function sequential(targetList, n, { stream = false } = {}) {
  const list = targetList.filter(Boolean);
  const clients = new Map(list.map(t => [t.name, newClient(t.origin)]));
  const times = Object.fromEntries(list.map(t => [t.name, []]));
  const errors = Object.fromEntries(
    list.map(t => [t.name, { non200: 0, failed: 0 }]),
  );
  try {
    for (let i = 0; i < n; i++) {
      throwIfAborted();
      for (const t of i % 2 ? [...list].reverse() : list) {
        try {
          const r = await once(clients.get(t.name), t, i, { stream });
          if (r.status !== 200) errors[t.name].non200++;
          else times[t.name].push(stream ? r.first : r.total);
        } catch {
          errors[t.name].failed++;
        }
      }
    }
  } finally {
    await Promise.all([...clients.values()].map(c => c.close()));
  }
  return { times, errors };
}

/**
 * Open loop: requests are started on a fixed schedule (`rate` per second,
 * evenly spaced) whatever the answers do, round-robin over `connections`
 * keep-alive connections opened beforehand (as autocannon holds them), enough
 * that none waits for another and none is opened mid-run (a busy Node server
 * accepts one new connection per event-loop turn).
 * Latency is measured from the moment the request is handed to undici; `lag`
 * is how late the generator was against the schedule (it shares the CPU).
 */
export async function openLoop(target, { rate, seconds, connections = 100 }) {
  const clients = Array.from({ length: connections }, () =>
    newClient(target.origin),
  );
  const closeAll = () => Promise.all(clients.map(c => c.close()));
  // Open every connection (one request each, not measured).
  await Promise.all(clients.map((c, i) => once(c, target, i)));
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies = [];
  const lags = [];
  const errors = { non200: 0, failed: 0 };
  let sent = 0;
  let done = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const finish = () => {
      if (++done < total) return;
      const elapsed = (performance.now() - started) / 1000;
      closeAll().then(() =>
        resolve({ latencies, lags, errors, achieved: total / elapsed }),
      );
    };
    const tick = () => {
      if (abort.signal.aborted) {
        Promise.all(clients.map(c => c.destroy())).catch(() => {});
        reject(new Error('aborted'));
        return;
      }
      const now = performance.now();
      while (sent < total && started + sent * interval <= now) {
        lags.push(now - (started + sent * interval));
        const i = sent++;
        const t0 = performance.now();
        clients[i % clients.length]
          .request({
            path: target.path,
            method: target.method ?? 'POST',
            headers: target.headers(i),
            body: target.method === 'GET' ? undefined : BODY,
          })
          .then(async res => {
            await res.body.dump({ limit: Infinity });
            if (res.statusCode === 200) latencies.push(performance.now() - t0);
            else errors.non200++;
          })
          .catch(() => errors.failed++)
          .finally(finish);
      }
      if (sent < total) {
        setTimeout(
          tick,
          Math.max(0, started + sent * interval - performance.now()),
        );
      }
    };
    tick();
  });
}

/**
 * autocannon against a target: `connections` keep-alive connections, each
 * sending as soon as its previous answer arrived, for `seconds` or `amount`
 * requests. Each connection speaks for its own employee.
 */
export function cannon(target, { connections, seconds, amount }) {
  let next = 0;
  throwIfAborted();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${target.origin}${target.path}`,
        method: target.method ?? 'POST',
        body: target.method === 'GET' ? undefined : BODY,
        headers: target.headers(0),
        connections,
        ...(amount ? { amount } : { duration: seconds }),
        timeout: 10,
        setupClient: client => client.setHeaders(target.headers(next++)),
      },
      (error, result) =>
        error || abort.signal.aborted
          ? reject(error ?? new Error('aborted'))
          : resolve(result),
    );
    abort.signal.addEventListener('abort', () => instance.stop(), {
      once: true,
    });
  }).then(r => ({
    rate: r.requests.total / r.duration,
    total: r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: { non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts },
  }));
}

/**
 * Opens `count` streams at once, one connection and one employee each.
 * Returns `firstChunks` (resolves when every stream has its first chunk) and
 * `done` (resolves when all have ended) plus the counters.
 */
export function openStreams(target, count, offset = 0) {
  const agent = newPool(target.origin, count);
  const state = { first: 0, complete: 0, non200: 0, failed: 0 };
  let allFirst;
  const firstChunks = new Promise(r => (allFirst = r));
  const settleFirst = () => {
    if (state.first + state.non200 + state.failed === count) allFirst();
  };
  const streams = Array.from({ length: count }, async (_, k) => {
    try {
      const res = await agent.request({
        path: target.path,
        method: 'POST',
        headers: target.headers(offset + k),
        body: STREAM_BODY,
      });
      if (res.statusCode !== 200) {
        state.non200++;
        settleFirst();
        await res.body.dump({ limit: Infinity });
        return;
      }
      let seen = false;
      let text = '';
      for await (const chunk of res.body) {
        if (!seen) {
          seen = true;
          state.first++;
          settleFirst();
        }
        text += chunk;
      }
      if (text.includes('data: [DONE]')) state.complete++;
    } catch {
      state.failed++;
      settleFirst();
    }
  });
  const done = Promise.all(streams).then(() => agent.close());
  return { state, firstChunks, done };
}
