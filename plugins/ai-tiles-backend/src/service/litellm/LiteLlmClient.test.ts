import { LiteLlmStandIn, startLiteLlmStandIn } from '@internal/litellm-standin';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { MockAgent } from 'undici';
import { hashLiteLlmKey, LiteLlmClient } from './LiteLlmClient';
import {
  BudgetExceededError,
  LiteLlmAlreadyExistsError,
  LiteLlmBadGatewayError,
  sanitize,
} from './errors';

const MASTER = 'sk-master-key-0123456789';

/** One scripted answer of LiteLLM: a string body is sent as it is. */
interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const json = (status: number, body: unknown): Answer => ({ status, body });

const envelope = (
  status: number,
  message: string,
  type: string,
  param?: string,
) =>
  json(status, {
    error: { message, type, param: param ?? 'None', code: String(status) },
  });

/** A client whose calls get the scripted answers (or errors) in turn. */
function client(
  answers: Array<Answer | Error>,
  options: { retries?: number; timeoutMs?: number } = {},
) {
  const agent = new MockAgent({ enableCallHistory: true });
  agent.disableNetConnect();
  const litellm = agent.get('http://litellm.test:4000');
  for (const answer of answers) {
    const next = litellm.intercept({ path: () => true, method: () => true });
    if (answer instanceof Error) {
      next.replyWithError(answer);
    } else {
      next.reply(
        answer.status,
        typeof answer.body === 'string'
          ? answer.body
          : JSON.stringify(answer.body),
        {
          headers: { 'content-type': 'application/json', ...answer.headers },
        },
      );
    }
  }
  return {
    calls: () => agent.getCallHistory()!.calls(),
    client: new LiteLlmClient({
      baseUrl: 'http://litellm.test:4000/',
      masterKey: MASTER,
      retryBaseDelayMs: 1,
      dispatcher: agent,
      ...options,
    }),
  };
}

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 10.0.0.7:4000'), {
    code: 'ECONNREFUSED',
  });

describe('LiteLlmClient', () => {
  it('authenticates with x-litellm-api-key and encodes the user id', async () => {
    const { client: c, calls } = client([
      json(200, {
        user_id: 'user:default/jane.doe',
        user_info: {
          user_id: 'user:default/jane.doe',
          spend: 1.5,
          max_budget: 20,
        },
        keys: [],
      }),
    ]);
    const info = await c.getUserInfo('user:default/jane.doe');
    expect(info?.user.spend).toBe(1.5);
    const [call] = calls();
    expect(call.fullUrl).toBe(
      'http://litellm.test:4000/user/info?user_id=user%3Adefault%2Fjane.doe',
    );
    expect(call.headers).toMatchObject({
      'x-litellm-api-key': `Bearer ${MASTER}`,
    });
  });

  it('maps 404 to undefined for reads', async () => {
    const { client: c } = client([
      envelope(404, 'User user:default/x not found', 'internal_server_error'),
      envelope(404, 'Key not found in database', 'not_found_error', 'key'),
    ]);
    await expect(c.getUserInfo('user:default/x')).resolves.toBeUndefined();
    await expect(c.getKeyInfo('abc')).resolves.toBeUndefined();
  });

  it("takes FastAPI's 404 for a missing route as a wrong base URL, not as nothing found", async () => {
    const { client: c } = client([
      json(404, { detail: 'Not Found' }),
      json(404, { detail: 'Not Found' }),
    ]);
    const error = await c.getUserInfo('user:default/x').catch(e => e);
    expect(error).toBeInstanceOf(LiteLlmBadGatewayError);
    expect(error.name).toBe('LiteLlmBadGatewayError');
    expect(error.message).toContain('check aiTiles.litellm.baseUrl');
    await expect(c.deleteKeys({ keys: ['abc'] })).rejects.toThrow(
      'LiteLLM has no route for POST /key/delete',
    );
  });

  it('maps budget_exceeded to BudgetExceededError with 400 and 429, without the key', async () => {
    for (const status of [400, 429]) {
      const { client: c } = client([
        envelope(
          status,
          'Budget has been exceeded! Key=ai-portal/user/default/jane.doe (sk-abcdEFGH1234) Current cost: 10.5, Max budget: 10.0',
          'budget_exceeded',
        ),
      ]);
      const error = await c.getModelInfo().catch(e => e);
      expect(error).toBeInstanceOf(BudgetExceededError);
      expect(error.statusCode).toBe(429);
      expect(error.upstreamStatus).toBe(status);
      expect(error.message).not.toContain('sk-abcdEFGH1234');
      expect(error.message).toContain('Current cost: 10.5');
    }
  });

  it('treats 409 and 400 "already exists" as AlreadyExists, other 400s as 502', async () => {
    const { client: c } = client([
      json(409, {
        error: {
          message: "{'error': 'User with id u already exists'}",
          type: 'internal_server_error',
          param: 'None',
          code: '409',
        },
      }),
      envelope(
        400,
        'User with email jane@example.com already exists',
        'internal_server_error',
      ),
      envelope(
        400,
        "Key with alias 'a' already exists. Unique key aliases across all keys are required.",
        'bad_request_error',
        'key_alias',
      ),
      envelope(400, 'Invalid key format', 'bad_request_error'),
    ]);
    const body = { user_id: 'u', auto_create_key: false as const };
    await expect(c.newUser(body)).rejects.toBeInstanceOf(
      LiteLlmAlreadyExistsError,
    );
    await expect(c.newUser(body)).rejects.toBeInstanceOf(
      LiteLlmAlreadyExistsError,
    );
    const alias = await c
      .generateKey({ key_alias: 'a', user_id: 'u' })
      .catch(e => e);
    expect(alias).toBeInstanceOf(LiteLlmAlreadyExistsError);
    expect(alias.param).toBe('key_alias');
    const other = await c
      .generateKey({ key_alias: 'a', user_id: 'u' })
      .catch(e => e);
    expect(other).not.toBeInstanceOf(LiteLlmAlreadyExistsError);
    expect(other.statusCode).toBe(502);
  });

  it('never lets LiteLLM 401/403 reach the browser as 401/403', async () => {
    const { client: c } = client([
      json(401, {
        error: {
          message: `Authentication Error, Invalid proxy server token passed. Received API Key = ${MASTER}`,
          type: 'auth_error',
          param: 'None',
          code: '401',
        },
      }),
      envelope(403, 'License is over limit', 'internal_server_error'),
    ]);
    const e401 = await c.getModelInfo().catch(e => e);
    expect(e401).toBeInstanceOf(LiteLlmBadGatewayError);
    expect(e401.statusCode).toBe(502);
    expect(e401.message).toBe(
      "LiteLLM rejected the portal's credentials (401 on GET /model/info): check aiTiles.litellm.masterKey",
    );
    const e403 = await c
      .newUser({ user_id: 'u', auto_create_key: false })
      .catch(e => e);
    expect(e403.statusCode).toBe(502);
    expect(e403.message).toContain('License is over limit');
    expect(JSON.stringify(e403)).not.toContain(MASTER);
  });

  it('answers 502 for malformed JSON or an unexpected shape, naming fields not values', async () => {
    const { client: c } = client([
      json(200, '{"user_id": "u", "user_info": {'),
      json(200, { key: 'not-a-key-sk-secret', token: 'x' }),
      json(200, { user_id: 'u', user_info: { spend: 'sk-leaked' } }),
    ]);
    const a = await c.getUserInfo('u').catch(e => e);
    expect(a.statusCode).toBe(502);
    expect(a.message).toBe(
      'LiteLLM sent a malformed response to GET /user/info: not JSON',
    );
    const b = await c
      .generateKey({ key_alias: 'a', user_id: 'u' })
      .catch(e => e);
    expect(b.statusCode).toBe(502);
    expect(b.message).toBe(
      'LiteLLM sent a malformed response to POST /key/generate: unexpected key',
    );
    const d = await c.getUserInfo('u').catch(e => e);
    expect(d.message).toContain('user_info.spend');
    expect(d.message).not.toContain('leaked');
  });

  it('retries idempotent GETs on connection errors and 503, never POSTs', async () => {
    const ok = json(200, { data: [] });
    const { client: c, calls } = client([
      refused(),
      envelope(503, 'busy', 'x'),
      ok,
    ]);
    await expect(c.getModelInfo()).resolves.toEqual({ data: [] });
    expect(calls()).toHaveLength(3);

    const post = client([refused(), json(200, { deleted_keys: [] })]);
    const error = await post.client.deleteKeys({ keys: ['h'] }).catch(e => e);
    expect(post.calls()).toHaveLength(1);
    expect(error.name).toBe('ServiceUnavailableError');
    expect(error.message).toBe(
      'LiteLLM refused the connection (POST /key/delete); AI access is temporarily unavailable, try again later',
    );
  });

  it('takes 502, 503 and 504 (a proxy answering for LiteLLM) as unavailable, without its body', async () => {
    const { client: c } = client([
      json(502, '<html><body>Bad Gateway</body></html>'),
      json(503, { detail: 'overloaded' }),
      json(504, ''),
    ]);
    for (const status of [502, 503, 504]) {
      const error = await c
        .generateKey({ key_alias: 'a', user_id: 'u' })
        .catch(e => e);
      expect(error.name).toBe('ServiceUnavailableError');
      expect(error.message).toBe(
        `LiteLLM answered ${status} (POST /key/generate); AI access is temporarily unavailable, try again later`,
      );
    }
  });

  it('gives up after the configured retries with 503', async () => {
    const { client: c, calls } = client([refused(), refused()], {
      retries: 1,
    });
    const error = await c.getUserInfo('u').catch(e => e);
    expect(calls()).toHaveLength(2);
    expect(error.name).toBe('ServiceUnavailableError');
  });

  it('does not follow a redirect, and names where it pointed', async () => {
    const { client: c } = client([
      {
        status: 308,
        body: '',
        headers: { location: 'https://litellm.test/key/generate' },
      },
    ]);
    const error = await c
      .generateKey({ key_alias: 'a', user_id: 'u' })
      .catch(e => e);
    expect(error).toBeInstanceOf(LiteLlmBadGatewayError);
    expect(error.message).toBe(
      'LiteLLM redirected POST /key/generate (308): set aiTiles.litellm.baseUrl to the URL LiteLLM answers on (it pointed to https://litellm.test/key/generate)',
    );
  });

  it('reads "No keys found" on delete as nothing deleted', async () => {
    const { client: c } = client([
      json(404, { detail: { error: 'No keys found' } }),
    ]);
    await expect(c.deleteKeys({ key_aliases: ['a'] })).resolves.toEqual([]);
  });

  it('derives the key hash when LiteLLM leaves the token out', async () => {
    const { client: c } = client([
      json(200, { key: 'sk-new-key-1234', key_alias: 'a' }),
    ]);
    await expect(
      c.generateKey({ key_alias: 'a', user_id: 'u' }),
    ).resolves.toEqual({
      key: 'sk-new-key-1234',
      tokenHash: hashLiteLlmKey('sk-new-key-1234'),
      keyAlias: 'a',
      expires: undefined,
    });
  });

  describe('against a real socket', () => {
    let server: Server;
    let url: string;
    beforeAll(async () => {
      // Accepts the request and never answers.
      server = createServer(() => {});
      await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    });

    it('names a refused connection as undici reports it', async () => {
      // A port that was just free: nothing listens on it.
      const closed = createServer();
      await new Promise<void>(r => closed.listen(0, '127.0.0.1', r));
      const port = (closed.address() as AddressInfo).port;
      await new Promise(r => closed.close(r));
      const c = new LiteLlmClient({
        baseUrl: `http://127.0.0.1:${port}`,
        masterKey: MASTER,
        retries: 0,
      });
      const error = await c.getUserInfo('u').catch(e => e);
      expect(error.name).toBe('ServiceUnavailableError');
      expect(error.message).toBe(
        'LiteLLM refused the connection (GET /user/info); AI access is temporarily unavailable, try again later',
      );
    });

    it('times out with 503 and says how long it waited, without retrying', async () => {
      const c = new LiteLlmClient({
        baseUrl: url,
        masterKey: MASTER,
        timeoutMs: 200,
      });
      const started = Date.now();
      const error = await c.getUserInfo('u').catch(e => e);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error.name).toBe('ServiceUnavailableError');
      expect(error.message).toBe(
        'LiteLLM did not answer within 0.2 s (GET /user/info); AI access is temporarily unavailable, try again later',
      );
    });
  });
});

describe('sanitize', () => {
  it('removes keys, bearer tokens and hashes but keeps masked keys', () => {
    expect(
      sanitize(
        `Key sk-ABC_def-123 Bearer abc.def and sk-...1234 hash ${'a'.repeat(
          64,
        )}`,
      ),
    ).toBe('Key sk-[redacted] Bearer [redacted] and sk-...1234 hash [hash]');
  });
});

describe('LiteLlmClient against the LiteLLM stand-in', () => {
  let standIn: LiteLlmStandIn;
  beforeAll(async () => {
    standIn = await startLiteLlmStandIn({ masterKey: MASTER, port: 0 });
  });
  afterAll(() => standIn.close());

  it('refuses a base URL with a path: reads fail instead of finding nobody', async () => {
    const litellm = new LiteLlmClient({
      baseUrl: `${standIn.url}/v1`,
      masterKey: MASTER,
    });
    await expect(litellm.getUserInfo('user:default/jane.doe')).rejects.toThrow(
      'LiteLLM has no route for GET /user/info',
    );
  });

  it('parses every call the suite uses: users, keys, models, daily activity, spend logs', async () => {
    const litellm = new LiteLlmClient({
      baseUrl: standIn.url,
      masterKey: MASTER,
    });
    const user = 'user:default/jane.doe';
    await litellm.newUser({
      user_id: user,
      user_email: 'jane.doe@example.com',
      user_role: 'internal_user',
      max_budget: 20,
      budget_duration: '1mo',
      auto_create_key: false,
    });
    await litellm.updateUser({ user_id: user, max_budget: 30 });
    const key = await litellm.generateKey({
      key_alias: 'ai-portal/user/default/jane.doe',
      user_id: user,
      metadata: { source: 'ai-portal' },
    });
    expect(key.tokenHash).toBe(hashLiteLlmKey(key.key));

    const chat = await fetch(`${standIn.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key.key}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hello' }],
      }),
    });
    expect(chat.status).toBe(200);

    const info = await litellm.getUserInfo(user);
    expect(info?.user).toMatchObject({
      max_budget: 30,
      budget_duration: '1mo',
    });
    expect(info?.user.spend).toBeGreaterThan(0);
    expect(info?.keys?.map(k => k.token)).toEqual([key.tokenHash]);
    expect((await litellm.getKeyInfo(key.tokenHash))?.user_id).toBe(user);

    const listed = await litellm.listKeys({
      user_id: user,
      return_full_object: true,
    });
    expect(listed.keys).toEqual([
      expect.objectContaining({ key_alias: 'ai-portal/user/default/jane.doe' }),
    ]);

    const models = await litellm.getModelInfo();
    expect(models.data.map(m => m.model_name)).toContain('gpt-4o-mini');

    const today = new Date().toISOString().slice(0, 10);
    const activity = await litellm.getUserDailyActivity({
      start_date: today,
      end_date: today,
      user_id: user,
    });
    expect(activity.results).toHaveLength(1);
    expect(activity.results[0].metrics.api_requests).toBe(1);
    expect(activity.results[0].metrics.spend).toBeCloseTo(info!.user.spend!);

    const logs = await litellm.getSpendLogs({
      start_date: `${today} 00:00:00`,
      end_date: `${today} 23:59:59`,
      api_key: key.tokenHash,
    });
    expect(logs.data).toEqual([
      expect.objectContaining({
        api_key: key.tokenHash,
        user,
        model: 'gpt-4o-mini',
      }),
    ]);

    expect(await litellm.deleteKeys({ keys: [key.tokenHash] })).toHaveLength(1);
    expect(await litellm.getKeyInfo(key.tokenHash)).toBeUndefined();
  });
});
