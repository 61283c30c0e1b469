import { type LiteLlmStandIn, startLiteLlmStandIn } from './server';
import type { LiteLlmStandInOptions } from './options';

/** Shared helpers for this package's tests: real HTTP against a started stand-in. */

export const MASTER_KEY = 'sk-master-test-0000';

/**
 * The LiteLLM headers of a charged model call: cost, the key's spend after
 * it (when given), a call id and the model group.
 */
export function expectCallHeaders(
  headers: Headers,
  expected: { cost: number; keySpend?: number; modelGroup: string },
) {
  expect(Number(headers.get('x-litellm-response-cost'))).toBeCloseTo(
    expected.cost,
    12,
  );
  if (expected.keySpend !== undefined) {
    expect(Number(headers.get('x-litellm-key-spend'))).toBeCloseTo(
      expected.keySpend,
      12,
    );
  }
  expect(headers.get('x-litellm-call-id')).toMatch(/^[0-9a-f-]{36}$/);
  expect(headers.get('x-litellm-model-group')).toBe(expected.modelGroup);
}

export interface Res {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

export interface SseEvent {
  /** `Date.now()` when the event was read. */
  at: number;
  data: string;
}

/** Reads a whole SSE body, time-stamping each `data:` event as it arrives. */
export async function readSse(res: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let idx = buffer.indexOf('\n\n');
    while (idx !== -1) {
      const block = buffer.slice(0, idx);
      buffer = buffer.slice(idx + 2);
      if (block.startsWith('data: '))
        events.push({ at: Date.now(), data: block.slice(6) });
      idx = buffer.indexOf('\n\n');
    }
  }
  return events;
}

/** POSTs JSON with `fetch` and hands back the raw response (streams, binary bodies). */
export function postRaw(
  standIn: LiteLlmStandIn,
  path: string,
  body: unknown,
  key: string = MASTER_KEY,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${standIn.url}${path}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
    signal,
  });
}

export async function call(
  standIn: LiteLlmStandIn,
  method: string,
  path: string,
  opts: {
    key?: string | null;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
): Promise<Res> {
  const headers: Record<string, string> = { ...opts.headers };
  const key = opts.key === undefined ? MASTER_KEY : opts.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${standIn.url}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: any = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body, text };
}

export function setup(options: Partial<LiteLlmStandInOptions> = {}) {
  const ctx = {} as {
    standIn: LiteLlmStandIn;
    get(
      path: string,
      key?: string | null,
      headers?: Record<string, string>,
    ): Promise<Res>;
    post(
      path: string,
      body?: unknown,
      key?: string | null,
      headers?: Record<string, string>,
    ): Promise<Res>;
    /** Creates an internal user and returns its auto-created key. */
    newUser(userId: string, extra?: Record<string, unknown>): Promise<string>;
    chat(
      key: string,
      body?: Record<string, unknown>,
      headers?: Record<string, string>,
    ): Promise<Res>;
  };
  beforeAll(async () => {
    ctx.standIn = await startLiteLlmStandIn({
      masterKey: MASTER_KEY,
      ...options,
    });
  });
  afterAll(async () => {
    await ctx.standIn.close();
  });
  beforeEach(() => {
    ctx.standIn.reset();
  });
  ctx.get = (path, key, headers) =>
    call(ctx.standIn, 'GET', path, { key, headers });
  ctx.post = (path, body, key, headers) =>
    call(ctx.standIn, 'POST', path, { key, body, headers });
  ctx.newUser = async (userId, extra = {}) => {
    const res = await ctx.post('/user/new', {
      user_id: userId,
      user_role: 'internal_user',
      ...extra,
    });
    if (res.status !== 200)
      throw new Error(`user/new failed: ${res.status} ${res.text}`);
    return res.body.key as string;
  };
  ctx.chat = (key, body = {}, headers) =>
    ctx.post(
      '/chat/completions',
      {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hello stand-in' }],
        ...body,
      },
      key,
      headers,
    );
  return ctx;
}
