import { type LiteLlmStandIn, startLiteLlmStandIn } from './server';
import type { LiteLlmStandInOptions } from './options';

/** Shared helpers for this package's tests: real HTTP against a started stand-in. */

export const MASTER_KEY = 'sk-master-test-0000';

export interface Res {
  status: number;
  headers: Headers;
  body: any;
  text: string;
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
