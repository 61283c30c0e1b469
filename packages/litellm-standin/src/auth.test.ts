import { createHash } from 'node:crypto';
import { MASTER_KEY, setup } from './testHarness';

describe('authentication (requirement 1)', () => {
  const t = setup();

  it('accepts the master key as Authorization: Bearer', async () => {
    const res = await t.get('/user/list');
    expect(res.status).toBe(200);
  });

  it('accepts x-litellm-api-key with and without Bearer', async () => {
    for (const value of [MASTER_KEY, `Bearer ${MASTER_KEY}`]) {
      const res = await t.get('/user/list', null, {
        'x-litellm-api-key': value,
      });
      expect(res.status).toBe(200);
    }
  });

  it('lets x-litellm-api-key win over Authorization', async () => {
    const wins = await t.get('/user/list', 'sk-wrong-key', {
      'x-litellm-api-key': MASTER_KEY,
    });
    expect(wins.status).toBe(200);
    const loses = await t.get('/user/list', MASTER_KEY, {
      'x-litellm-api-key': 'sk-wrong-key',
    });
    expect(loses.status).toBe(401);
  });

  it('answers 401 auth_error for a missing key', async () => {
    const res = await t.get('/user/list', null);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: {
        message: expect.stringMatching(/^Authentication Error, /),
        type: 'auth_error',
        param: 'None',
        code: '401',
      },
    });
  });

  it('answers 401 auth_error for a non-Bearer Authorization header', async () => {
    const res = await t.get('/user/list', null, {
      authorization: `Token ${MASTER_KEY}`,
    });
    expect(res.status).toBe(401);
    expect(res.body.error.type).toBe('auth_error');
  });

  it('answers 401 token_not_found_in_db for an unknown sk- key, naming its SHA-256 hash', async () => {
    const unknown = 'sk-unknown-key-1234';
    const res = await t.chat(unknown);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({
      type: 'token_not_found_in_db',
      param: 'key',
      code: '401',
    });
    expect(res.body.error.message).toContain('Authentication Error');
    expect(res.body.error.message).toContain(
      createHash('sha256').update(unknown).digest('hex'),
    );
    expect(res.body.error.message).toContain('sk-...1234');
  });

  it('stores virtual keys only as SHA-256 hashes', async () => {
    const key = await t.newUser('hash-check');
    const hash = createHash('sha256').update(key).digest('hex');
    const rows = t.standIn.keys();
    expect(rows.map(k => k.token)).toEqual([hash]);
    expect(JSON.stringify(rows)).not.toContain(key);
    expect(JSON.stringify(t.standIn.users())).not.toContain(key);
  });

  it('accepts a virtual key through x-litellm-api-key as well', async () => {
    const key = await t.newUser('via-header');
    const res = await t.post(
      '/chat/completions',
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
      null,
      { 'x-litellm-api-key': key },
    );
    expect(res.status).toBe(200);
  });

  it('refuses an expired key with 401 expired_key', async () => {
    const key = await t.newUser('expiring', { duration: '1h' });
    expect((await t.chat(key)).status).toBe(200);
    t.standIn.clock.advance(2 * 3_600_000);
    const res = await t.chat(key);
    expect(res.status).toBe(401);
    expect(res.body.error.type).toBe('expired_key');
    expect(res.body.error.message).toContain('Expired Key');
  });

  it('refuses a blocked key and accepts it again after unblock', async () => {
    const key = await t.newUser('blocked-one');
    expect((await t.post('/key/block', { key })).status).toBe(200);
    const res = await t.chat(key);
    expect(res.status).toBe(401);
    expect(res.body.error.message).toContain('Key is blocked');
    await t.post('/key/unblock', { key });
    expect((await t.chat(key)).status).toBe(200);
  });
});

describe('admin-only routes (requirement 18)', () => {
  const t = setup();

  const adminOnly: [string, string, unknown][] = [
    ['POST', '/user/new', { user_id: 'x' }],
    ['POST', '/user/update', { user_id: 'x', max_budget: 1 }],
    ['POST', '/user/delete', { user_ids: ['x'] }],
    ['GET', '/user/list', undefined],
    ['POST', '/customer/new', { user_id: 'c' }],
    ['GET', '/customer/info?end_user_id=c', undefined],
    ['POST', '/customer/update', { user_id: 'c' }],
    ['POST', '/customer/delete', { user_ids: ['c'] }],
    ['GET', '/customer/list', undefined],
    [
      'GET',
      '/global/spend/report?start_date=2026-01-01&end_date=2026-01-02',
      undefined,
    ],
  ];

  it.each(adminOnly)(
    '%s %s with an internal_user key → 401',
    async (method, path, body) => {
      const key = await t.newUser('employee-12345');
      const res =
        method === 'GET'
          ? await t.get(path, key)
          : await t.post(path, body, key);
      expect(res.status).toBe(401);
      const route = path.split('?')[0];
      expect(res.body.error).toEqual({
        message: `Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=${route}. Your role=internal_user. Your user_id=employ******45`,
        type: 'auth_error',
        param: 'None',
        code: '401',
      });
    },
  );

  it('refuses /key/generate for another user with 401 and allows it for oneself', async () => {
    const key = await t.newUser('employee-a');
    await t.newUser('employee-b');
    const other = await t.post('/key/generate', { user_id: 'employee-b' }, key);
    expect(other.status).toBe(401);
    expect(other.body.error.message).toContain('Only proxy admin');
    const own = await t.post('/key/generate', { key_alias: 'mine' }, key);
    expect(own.status).toBe(200);
    expect(own.body.user_id).toBe('employee-a');
  });

  it('answers 403 for /key/info on someone else’s key, 200 for one’s own', async () => {
    const a = await t.newUser('owner-a');
    const b = await t.newUser('owner-b');
    const forbidden = await t.get(`/key/info?key=${encodeURIComponent(b)}`, a);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('403');
    expect(forbidden.body.error.message).toContain(
      "You are not allowed to access this key's info",
    );
    const own = await t.get(`/key/info?key=${encodeURIComponent(a)}`, a);
    expect(own.status).toBe(200);
    const self = await t.get('/key/info', a);
    expect(self.status).toBe(200);
    expect(self.body.info.user_id).toBe('owner-a');
  });

  it('answers 403 when deleting someone else’s key', async () => {
    const a = await t.newUser('del-a');
    const b = await t.newUser('del-b');
    const res = await t.post('/key/delete', { keys: [b] }, a);
    expect(res.status).toBe(403);
    expect(res.body.error.message).toContain(
      'You are not authorized to delete this key',
    );
  });

  it('lets a proxy_admin_viewer read but not write', async () => {
    const viewer = await t.newUser('viewer', {
      user_role: 'proxy_admin_viewer',
    });
    expect((await t.get('/user/list', viewer)).status).toBe(200);
    expect(
      (await t.post('/user/new', { user_id: 'nope' }, viewer)).status,
    ).toBe(401);
  });

  it('treats a proxy_admin user key like the master key for admin routes', async () => {
    const admin = await t.newUser('an-admin', { user_role: 'proxy_admin' });
    const res = await t.post('/user/new', { user_id: 'made-by-admin' }, admin);
    expect(res.status).toBe(200);
  });
});

describe('error envelope and validation (requirement 2)', () => {
  const t = setup();

  it('answers 422 {"detail":[…]} for a user_role outside the enum', async () => {
    const res = await t.post('/user/new', { user_id: 'x', user_role: 'team' });
    expect(res.status).toBe(422);
    expect(res.body.detail).toEqual([
      expect.objectContaining({
        type: 'enum',
        loc: ['body', 'user_role'],
        input: 'team',
      }),
    ]);
  });

  it('answers 422 for invalid JSON', async () => {
    const res = await fetch(`${t.standIn.url}/user/new`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}` },
      body: '{"user_id": ',
    });
    expect(res.status).toBe(422);
    expect((await res.json()).detail[0].type).toBe('json_invalid');
  });

  it('answers FastAPI 404/405 for unknown routes and methods', async () => {
    expect((await t.get('/no/such/route')).status).toBe(404);
    const res = await t.get('/user/new');
    expect(res.status).toBe(405);
    expect(res.body).toEqual({ detail: 'Method Not Allowed' });
  });

  it('serves /health/liveliness without a key', async () => {
    const res = await t.get('/health/liveliness', null);
    expect(res.status).toBe(200);
    expect(res.body).toBe("I'm alive!");
  });
});
