import { setup } from '../testHarness';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('/user/new (requirement 3)', () => {
  const t = setup({ now: () => new Date('2026-08-14T10:30:00Z') });

  it('creates a user with a generated UUID and a raw key', async () => {
    const res = await t.post('/user/new', {
      user_email: 'ada@example.com',
      user_role: 'internal_user',
      max_budget: 25,
      budget_duration: '30d',
      metadata: { team: 'core' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      user_id: expect.stringMatching(UUID),
      key: expect.stringMatching(/^sk-/),
      max_budget: 25,
      budget_duration: '30d',
      expires: null,
      user_email: 'ada@example.com',
      user_role: 'internal_user',
      teams: [],
      metadata: { team: 'core' },
    });
    expect(res.body).not.toHaveProperty('token');
    expect(res.body).not.toHaveProperty('token_id');
    const info = await t.get(`/user/info?user_id=${res.body.user_id}`);
    expect(info.body.user_info.budget_reset_at).toBe(
      '2026-09-01T00:00:00.000Z',
    );
  });

  it('returns key "" and creates no key with auto_create_key:false', async () => {
    const res = await t.post('/user/new', {
      user_id: 'no-key',
      auto_create_key: false,
    });
    expect(res.status).toBe(200);
    expect(res.body.key).toBe('');
    expect(t.standIn.keys()).toHaveLength(0);
    expect(t.standIn.users().map(u => u.user_id)).toEqual(['no-key']);
  });

  it('sets expires from duration on the auto-created key', async () => {
    const res = await t.post('/user/new', { user_id: 'dur', duration: '7d' });
    expect(res.body.expires).toBe('2026-08-21T10:30:00.000Z');
  });

  it('answers 409 for a duplicate user_id and leaves the row alone', async () => {
    await t.post('/user/new', { user_id: 'dup', max_budget: 5 });
    const res = await t.post('/user/new', { user_id: 'dup', max_budget: 50 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('409');
    expect(res.body.error.message).toContain('User with id dup already exists');
    expect(t.standIn.users()[0].max_budget).toBe(5);
    expect(t.standIn.keys()).toHaveLength(1);
  });

  it('answers 409 for a duplicate email, case-insensitively', async () => {
    await t.post('/user/new', { user_id: 'e1', user_email: 'Bob@Example.com' });
    const res = await t.post('/user/new', {
      user_id: 'e2',
      user_email: 'bob@example.com',
    });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain(
      'User with email bob@example.com already exists',
    );
  });

  it('rejects an unparsable budget_duration with 400', async () => {
    const res = await t.post('/user/new', {
      user_id: 'bad',
      budget_duration: 'monthly',
    });
    expect(res.status).toBe(400);
    expect(t.standIn.users()).toHaveLength(0);
  });

  it('rejects a clashing key_alias before creating the user', async () => {
    await t.post('/key/generate', { key_alias: 'taken' });
    const res = await t.post('/user/new', {
      user_id: 'alias-clash',
      key_alias: 'taken',
    });
    expect(res.status).toBe(400);
    expect(t.standIn.users()).toHaveLength(0);
  });
});

describe('/user/new in legacy duplicate mode (requirement 3)', () => {
  const t = setup({ legacyDuplicateUsers: true });

  it('answers 200 for a duplicate user_id, keeps the row and mints another key', async () => {
    const first = await t.post('/user/new', {
      user_id: 'legacy',
      max_budget: 5,
    });
    const second = await t.post('/user/new', {
      user_id: 'legacy',
      max_budget: 50,
    });
    expect(second.status).toBe(200);
    expect(second.body.key).toMatch(/^sk-/);
    expect(second.body.key).not.toBe(first.body.key);
    const info = await t.get('/user/info?user_id=legacy');
    expect(info.body.user_info.max_budget).toBe(5);
    expect(info.body.keys).toHaveLength(2);
  });

  it('answers 400 for a duplicate email', async () => {
    await t.post('/user/new', { user_id: 'l1', user_email: 'x@example.com' });
    const res = await t.post('/user/new', {
      user_id: 'l2',
      user_email: 'x@example.com',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('already exists');
  });

  it('can be switched at runtime', async () => {
    t.standIn.configure({ legacyDuplicateUsers: false });
    await t.post('/user/new', { user_id: 'rt' });
    expect((await t.post('/user/new', { user_id: 'rt' })).status).toBe(409);
    t.standIn.configure({ legacyDuplicateUsers: true });
    expect((await t.post('/user/new', { user_id: 'rt' })).status).toBe(200);
  });
});

describe('/user/info (requirement 4)', () => {
  const t = setup();

  it('returns user_info, keys and teams', async () => {
    await t.post('/user/new', {
      user_id: 'info',
      max_budget: 10,
      budget_duration: '1d',
    });
    const res = await t.get('/user/info?user_id=info');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      user_id: 'info',
      user_info: {
        user_id: 'info',
        spend: 0,
        max_budget: 10,
        budget_duration: '1d',
        budget_reset_at: expect.any(String),
      },
      keys: [expect.objectContaining({ user_id: 'info', team_alias: 'None' })],
      teams: [],
    });
  });

  it('keeps a + in an email user_id (read raw from the query string)', async () => {
    await t.post('/user/new', { user_id: 'ann+ai@example.com' });
    const res = await t.get('/user/info?user_id=ann+ai%40example.com');
    expect(res.status).toBe(200);
    expect(res.body.user_id).toBe('ann+ai@example.com');
  });

  it('answers 404 for an unknown user', async () => {
    const res = await t.get('/user/info?user_id=ghost');
    expect(res.status).toBe(404);
    expect(res.body.error.message).toContain('User ghost not found');
  });

  it('answers default_user_id with every key for the admin without user_id', async () => {
    await t.newUser('u1');
    await t.newUser('u2');
    const res = await t.get('/user/info');
    expect(res.body.user_id).toBe('default_user_id');
    expect(res.body.keys).toHaveLength(2);
  });

  it('gives a non-admin their own user without user_id, and 403 for others', async () => {
    const key = await t.newUser('self');
    await t.newUser('someone-else');
    expect((await t.get('/user/info', key)).body.user_id).toBe('self');
    expect((await t.get('/user/info?user_id=someone-else', key)).status).toBe(
      403,
    );
  });
});

describe('/user/update (requirement 5)', () => {
  const t = setup({ now: () => new Date('2026-08-14T10:30:00Z') });

  it('applies only non-empty values and replaces metadata', async () => {
    await t.post('/user/new', {
      user_id: 'up',
      max_budget: 10,
      models: ['gpt-4o-mini'],
      metadata: { a: 1 },
      user_alias: 'Up',
    });
    const res = await t.post('/user/update', {
      user_id: 'up',
      max_budget: 0,
      models: [],
      user_alias: null,
      metadata: { b: 2 },
      tpm_limit: 100,
    });
    expect(res.status).toBe(200);
    const user = (await t.get('/user/info?user_id=up')).body.user_info;
    expect(user.max_budget).toBe(10);
    expect(user.models).toEqual(['gpt-4o-mini']);
    expect(user.user_alias).toBe('Up');
    expect(user.metadata).toEqual({ b: 2 });
    expect(user.tpm_limit).toBe(100);
  });

  it('recomputes budget_reset_at when budget_duration changes', async () => {
    await t.post('/user/new', { user_id: 'dur', budget_duration: '1d' });
    expect(
      (await t.get('/user/info?user_id=dur')).body.user_info.budget_reset_at,
    ).toBe('2026-08-15T00:00:00.000Z');
    await t.post('/user/update', { user_id: 'dur', budget_duration: '7d' });
    // 2026-08-14 is a Friday → next Monday.
    expect(
      (await t.get('/user/info?user_id=dur')).body.user_info.budget_reset_at,
    ).toBe('2026-08-17T00:00:00.000Z');
  });

  it('creates a user when updating by an unknown email', async () => {
    const res = await t.post('/user/update', {
      user_email: 'new@example.com',
      max_budget: 3,
    });
    expect(res.status).toBe(200);
    const [user] = t.standIn.users();
    expect(user.user_email).toBe('new@example.com');
    expect(user.user_id).toMatch(UUID);
    expect(user.max_budget).toBe(3);
  });

  it('answers 400 auth_error without user_id or user_email', async () => {
    const res = await t.post('/user/update', { max_budget: 3 });
    expect(res.status).toBe(400);
    expect(res.body.error.type).toBe('auth_error');
    expect(res.body.error.message).toContain(
      'Either user_id or user_email must be provided',
    );
  });

  it('rejects an unparsable budget_duration', async () => {
    await t.post('/user/new', { user_id: 'x' });
    expect(
      (await t.post('/user/update', { user_id: 'x', budget_duration: '2mo' }))
        .status,
    ).toBe(400);
  });
});

describe('/user/delete (requirement 6)', () => {
  const t = setup();

  it('returns a bare count and deletes the users’ keys', async () => {
    const key = await t.newUser('gone');
    await t.newUser('stays');
    const res = await t.post('/user/delete', { user_ids: ['gone'] });
    expect(res.status).toBe(200);
    expect(res.text).toBe('1');
    expect(t.standIn.users().map(u => u.user_id)).toEqual(['stays']);
    expect((await t.chat(key)).status).toBe(401);
    expect(t.standIn.keys()).toHaveLength(1);
  });

  it('answers 404 in {"detail"} shape for an unknown id and deletes nothing', async () => {
    await t.newUser('kept');
    const res = await t.post('/user/delete', { user_ids: ['kept', 'ghost'] });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      detail: { error: 'User not found, passed user_id=ghost' },
    });
    expect(t.standIn.users()).toHaveLength(1);
  });
});

describe('/user/list (requirement 7)', () => {
  const t = setup();

  beforeEach(async () => {
    for (const [id, email, role] of [
      ['alice', 'alice@corp.com', 'internal_user'],
      ['bob', 'bob@corp.com', 'internal_user'],
      ['carol', 'carol@other.com', 'proxy_admin_viewer'],
    ]) {
      await t.post('/user/new', {
        user_id: id,
        user_email: email,
        user_role: role,
      });
    }
  });

  it('paginates with key_count', async () => {
    const res = await t.get('/user/list?page=1&page_size=2&sort_by=user_id');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      total: 3,
      page: 1,
      page_size: 2,
      total_pages: 2,
    });
    expect(res.body.users.map((u: { user_id: string }) => u.user_id)).toEqual([
      'alice',
      'bob',
    ]);
    expect(res.body.users[0].key_count).toBe(1);
    const page2 = await t.get('/user/list?page=2&page_size=2&sort_by=user_id');
    expect(page2.body.users.map((u: { user_id: string }) => u.user_id)).toEqual(
      ['carol'],
    );
  });

  it('filters by user_ids (contains for one, exact for several), email and role', async () => {
    const one = await t.get('/user/list?user_ids=AL');
    expect(one.body.users.map((u: { user_id: string }) => u.user_id)).toEqual([
      'alice',
    ]);
    const several = await t.get(
      '/user/list?user_ids=alice,bob&sort_by=user_id',
    );
    expect(several.body.total).toBe(2);
    const email = await t.get('/user/list?user_email=CORP.COM');
    expect(email.body.total).toBe(2);
    const role = await t.get('/user/list?role=proxy_admin_viewer');
    expect(role.body.users[0].user_id).toBe('carol');
  });

  it('sorts desc on request', async () => {
    const res = await t.get('/user/list?sort_by=user_id&sort_order=desc');
    expect(res.body.users.map((u: { user_id: string }) => u.user_id)).toEqual([
      'carol',
      'bob',
      'alice',
    ]);
  });

  it('answers 422 for page_size > 100 and 400 for an unknown sort_by', async () => {
    const big = await t.get('/user/list?page_size=101');
    expect(big.status).toBe(422);
    expect(big.body.detail[0].loc).toEqual(['query', 'page_size']);
    const sort = await t.get('/user/list?sort_by=password');
    expect(sort.status).toBe(400);
    expect(sort.body.detail.error).toContain('Invalid sort column');
  });
});
