import { createHash } from 'node:crypto';
import { setup } from '../testHarness';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');

describe('/key/generate (requirement 8)', () => {
  const t = setup({ now: () => new Date('2026-08-14T10:30:00Z') });

  it('returns the raw key once, token = token_id = hash, key_name sk-...XXXX', async () => {
    await t.post('/user/new', { user_id: 'owner', auto_create_key: false });
    const res = await t.post('/key/generate', {
      key_alias: 'owner-main',
      user_id: 'owner',
      max_budget: 12.5,
      budget_duration: '30d',
      duration: '30d',
      metadata: { purpose: 'test' },
    });
    expect(res.status).toBe(200);
    const key = res.body.key as string;
    expect(key).toMatch(/^sk-[A-Za-z0-9_-]{22}$/);
    expect(res.body).toMatchObject({
      token: sha(key),
      token_id: sha(key),
      key_name: `sk-...${key.slice(-4)}`,
      key_alias: 'owner-main',
      user_id: 'owner',
      max_budget: 12.5,
      budget_duration: '30d',
      budget_reset_at: '2026-09-01T00:00:00.000Z',
      expires: '2026-09-13T10:30:00.000Z',
      metadata: { purpose: 'test' },
    });
    // Only the hash is kept: nothing served later contains the raw key.
    const info = await t.get(`/key/info?key=${sha(key)}`);
    expect(JSON.stringify(info.body)).not.toContain(key.slice(3));
    expect(
      JSON.stringify((await t.get('/key/list?return_full_object=true')).body),
    ).not.toContain(key.slice(3));
  });

  it('does not create the user named by user_id', async () => {
    const res = await t.post('/key/generate', { user_id: 'not-a-user' });
    expect(res.status).toBe(200);
    expect(t.standIn.users()).toHaveLength(0);
  });

  it('answers 400 bad_request_error for a duplicate key_alias', async () => {
    await t.post('/key/generate', { key_alias: 'dup' });
    const res = await t.post('/key/generate', { key_alias: 'dup' });
    expect(res.status).toBe(400);
    expect(res.body.error).toEqual({
      message:
        "Key with alias 'dup' already exists. Unique key aliases across all keys are required.",
      type: 'bad_request_error',
      param: 'key_alias',
      code: '400',
    });
  });

  it('answers 500 for top-level tags without a licence, accepts metadata.tags', async () => {
    const res = await t.post('/key/generate', { tags: ['team-a'] });
    expect(res.status).toBe(500);
    expect(res.body.error.message).toContain(
      'Only premium users can add tags to keys',
    );
    const ok = await t.post('/key/generate', {
      metadata: { tags: ['team-a'] },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.metadata.tags).toEqual(['team-a']);
  });

  it('moves top-level tags into metadata.tags when licensed', async () => {
    t.standIn.configure({ licensed: true });
    try {
      const res = await t.post('/key/generate', { tags: ['t1'] });
      expect(res.status).toBe(200);
      expect(res.body.metadata.tags).toEqual(['t1']);
    } finally {
      t.standIn.configure({ licensed: false });
    }
  });

  it('accepts a caller-chosen sk- key and rejects one without the prefix', async () => {
    const ok = await t.post('/key/generate', { key: 'sk-my-own-key-0001' });
    expect(ok.status).toBe(200);
    expect(ok.body.token).toBe(sha('sk-my-own-key-0001'));
    const bad = await t.post('/key/generate', { key: 'my-own-key' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain("must start with 'sk-'");
  });

  it('rejects an unknown team_id and an unparsable budget_duration', async () => {
    expect((await t.post('/key/generate', { team_id: 'nope' })).status).toBe(
      400,
    );
    expect(
      (await t.post('/key/generate', { budget_duration: '1y' })).status,
    ).toBe(400);
  });
});

describe('/key/info, /key/update, /key/delete, /key/list, /key/regenerate (requirement 9)', () => {
  const t = setup();

  it('/key/info accepts raw key or hash and never returns the token', async () => {
    const key = (await t.post('/key/generate', { key_alias: 'k' })).body.key;
    for (const value of [key, sha(key)]) {
      const res = await t.get(`/key/info?key=${value}`);
      expect(res.status).toBe(200);
      expect(res.body.key).toBe(value);
      expect(res.body.info).toMatchObject({ key_alias: 'k', spend: 0 });
      expect(res.body.info).not.toHaveProperty('token');
    }
  });

  it('/key/info answers 404 not_found_error for an unknown key', async () => {
    const res = await t.get('/key/info?key=sk-nope');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      type: 'not_found_error',
      code: '404',
      message: 'Key not found in database',
    });
  });

  it('/key/update applies what is sent (null included) and enforces alias uniqueness', async () => {
    const a = (
      await t.post('/key/generate', {
        key_alias: 'a',
        max_budget: 5,
        metadata: { x: 1 },
      })
    ).body.key;
    await t.post('/key/generate', { key_alias: 'b' });
    const clash = await t.post('/key/update', { key: a, key_alias: 'b' });
    expect(clash.status).toBe(400);
    expect(clash.body.error.param).toBe('key_alias');
    const res = await t.post('/key/update', {
      key: a,
      max_budget: null,
      metadata: { y: 2 },
      key_alias: 'a2',
    });
    expect(res.status).toBe(200);
    const info = (await t.get(`/key/info?key=${a}`)).body.info;
    expect(info).toMatchObject({
      max_budget: null,
      metadata: { y: 2 },
      key_alias: 'a2',
    });
  });

  it('/key/update finds a key by key_alias', async () => {
    const k = (await t.post('/key/generate', { key_alias: 'by-alias' })).body
      .key;
    const res = await t.post('/key/update', {
      key_alias: 'by-alias',
      max_budget: 7,
    });
    expect(res.status).toBe(200);
    expect((await t.get(`/key/info?key=${k}`)).body.info.max_budget).toBe(7);
  });

  it('/key/delete by keys or key_aliases, 404 when nothing matches', async () => {
    const k1 = (await t.post('/key/generate', { key_alias: 'd1' })).body.key;
    await t.post('/key/generate', { key_alias: 'd2' });
    const byKey = await t.post('/key/delete', { keys: [k1] });
    expect(byKey.status).toBe(200);
    expect(byKey.body).toEqual({ deleted_keys: [k1] });
    const byAlias = await t.post('/key/delete', { key_aliases: ['d2'] });
    expect(byAlias.body).toEqual({ deleted_keys: ['d2'] });
    expect(t.standIn.keys()).toHaveLength(0);
    const none = await t.post('/key/delete', { keys: [k1] });
    expect(none.status).toBe(404);
    expect(none.body.error.message).toContain('No keys found');
  });

  it('frees the alias again after delete (OSS rotation)', async () => {
    const old = (await t.post('/key/generate', { key_alias: 'rot' })).body.key;
    await t.post('/key/delete', { keys: [old] });
    expect((await t.post('/key/generate', { key_alias: 'rot' })).status).toBe(
      200,
    );
  });

  it('/key/regenerate answers 500 enterprise-only without a licence (both routes)', async () => {
    const k = (await t.post('/key/generate', {})).body.key;
    for (const path of ['/key/regenerate', `/key/${k}/regenerate`]) {
      const res = await t.post(path, { key: k });
      expect(res.status).toBe(500);
      expect(res.body.error.message).toContain(
        'Regenerating Virtual Keys is an Enterprise feature',
      );
    }
  });

  it('/key/regenerate rotates the key when licensed, keeping alias, budget and spend', async () => {
    t.standIn.configure({ licensed: true });
    try {
      const k = (
        await t.post('/key/generate', { key_alias: 'rotate-me', max_budget: 9 })
      ).body.key;
      await t.chat(k);
      const res = await t.post(`/key/${k}/regenerate`, {});
      expect(res.status).toBe(200);
      const fresh = res.body.key as string;
      expect(fresh).not.toBe(k);
      expect(res.body).toMatchObject({
        key_alias: 'rotate-me',
        max_budget: 9,
        token: sha(fresh),
      });
      expect((await t.chat(k)).status).toBe(401);
      expect((await t.chat(fresh)).status).toBe(200);
      expect(
        (await t.post('/key/regenerate', { key: 'sk-missing' })).status,
      ).toBe(404);
      expect(
        (await t.post(`/key/${fresh}/regenerate`, { new_key: 'bad' })).status,
      ).toBe(400);
    } finally {
      t.standIn.configure({ licensed: false });
    }
  });

  it('/key/regenerate with grace_period keeps the old key working until it lapses', async () => {
    t.standIn.configure({ licensed: true });
    try {
      const old = (await t.post('/key/generate', {})).body.key;
      const fresh = (
        await t.post('/key/regenerate', { key: old, grace_period: '1h' })
      ).body.key;
      expect((await t.chat(old)).status).toBe(200);
      expect((await t.chat(fresh)).status).toBe(200);
      t.standIn.clock.advance(2 * 3_600_000);
      expect((await t.chat(old)).status).toBe(401);
      expect((await t.chat(fresh)).status).toBe(200);
    } finally {
      t.standIn.configure({ licensed: false });
    }
  });

  it('/key/list returns hashes by default, objects on request, with paging', async () => {
    for (let i = 0; i < 12; i++)
      await t.post('/key/generate', { key_alias: `l${i}` });
    const res = await t.get('/key/list');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      total_count: 12,
      current_page: 1,
      total_pages: 2,
    });
    expect(res.body.keys).toHaveLength(10);
    expect(res.body.keys[0]).toMatch(/^[0-9a-f]{64}$/);
    const full = await t.get('/key/list?page=2&return_full_object=true');
    expect(full.body.keys).toHaveLength(2);
    expect(full.body.keys[0]).toHaveProperty('key_alias');
    expect((await t.get('/key/list?size=101')).status).toBe(422);
  });

  it('/key/list narrows an internal user to their own keys', async () => {
    const mine = await t.newUser('lister');
    await t.newUser('other');
    const res = await t.get('/key/list', mine);
    expect(res.body.keys).toEqual([sha(mine)]);
    expect((await t.get('/key/list?user_id=other', mine)).status).toBe(403);
  });
});
