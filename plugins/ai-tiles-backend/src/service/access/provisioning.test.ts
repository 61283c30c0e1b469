import { TestDatabases, mockCredentials } from '@backstage/backend-test-utils';
import { createHash } from 'node:crypto';
import request from 'supertest';
import {
  JANE,
  JOHN,
  aiTilesConfig,
  asUser,
  chat,
  deferred,
  deleteKeyAsAdmin,
  recordAcceptance,
  recordStatements,
  startAiTiles,
  usePolicyFile,
  useStandInAndDatabase,
  watchLiteLlm,
} from '../../__testUtils__/access';

jest.setTimeout(60_000);

// The whole employee flow against the LiteLLM stand-in, on SQLite and on a
// real Postgres server.
const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const ALIAS = 'ai-portal/user/default/jane.doe';

describe.each(databases.eachSupportedId())('AI access on %s', databaseId => {
  const policy = usePolicyFile();
  const env = useStandInAndDatabase(databases, databaseId);

  const config = (extra: Partial<Parameters<typeof aiTilesConfig>[0]> = {}) =>
    aiTilesConfig({
      baseUrl: env.standIn.url,
      policyPath: policy.path,
      ...extra,
    });

  const rows = () => env.knex('ai_user_keys').select();
  const keysOf = (userRef: string) =>
    env.standIn.keys().filter(k => k.user_id === userRef);

  const accept = (server: any, userRef = JANE, version = '2026-11') =>
    request(server)
      .post('/api/ai-tiles/me/policy/accept')
      .set('Authorization', asUser(userRef))
      .send({ version });

  /** Records each LiteLLM call the portal makes, as `METHOD /path`. */
  const recordCalls = () => {
    const calls: string[] = [];
    const litellmDispatcher = watchLiteLlm(({ method, path }) => {
      calls.push(`${method} ${path}`);
    });
    return { calls, litellmDispatcher };
  };

  it('provisions on first use: LiteLLM user and key, encrypted in the vault', async () => {
    const litellm = recordCalls();
    const { server, auditor } = await startAiTiles({
      knex: env.knex,
      config: config(),
      plugin: { litellmDispatcher: litellm.litellmDispatcher },
    });

    const statements = recordStatements(env.knex);
    const res = await accept(server);
    statements.stop();
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    // Three statements: the acceptance, the claim of the key row (not read
    // first: a first acceptance has none) and the key stored.
    expect(
      statements.seen.filter(s => s.table).map(s => `${s.verb} ${s.table}`),
    ).toEqual([
      'insert ai_policy_acceptances',
      'insert ai_user_keys',
      'update ai_user_keys',
    ]);
    expect(res.body).toMatchObject({
      status: 'ready',
      user: {
        entityRef: JANE,
        email: 'jane.doe@example.com',
        displayName: 'jane doe',
      },
      policy: {
        version: '2026-11',
        acceptedVersion: '2026-11',
        accepted: true,
      },
      budget: {
        currency: 'USD',
        maxBudget: 20,
        spend: 0,
        budgetDuration: '1mo',
      },
      key: { alias: ALIAS, rotatedAt: null },
      apiBaseUrl: 'https://llm.example.com',
    });
    expect(res.body.budget.resetAt).toMatch(/^\d{4}-\d\d-01T00:00:00/);
    expect(res.body.key.masked).toMatch(/^sk-\.\.\.[\w-]{4}$/);
    // The acceptance as stored (the answer did not read it back); accepting
    // again keeps the first time.
    for (const answer of [
      await request(server)
        .get('/api/ai-tiles/me/access')
        .set('Authorization', asUser(JANE)),
      await accept(server),
    ]) {
      expect(answer.body.policy).toEqual(res.body.policy);
    }
    // Three round trips: the summary reuses what provisioning read.
    expect(litellm.calls).toEqual([
      'POST /user/new',
      'GET /user/info',
      'POST /key/generate',
    ]);

    // LiteLLM: one internal user with the budget, one key with our alias.
    const users = env.standIn.users().filter(u => u.user_id === JANE);
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({
      user_email: 'jane.doe@example.com',
      user_role: 'internal_user',
      max_budget: 20,
      budget_duration: '1mo',
    });
    const keys = keysOf(JANE);
    expect(keys).toHaveLength(1);
    expect(keys[0].key_alias).toBe(ALIAS);
    expect(keys[0].metadata).toMatchObject({ source: 'ai-portal' });
    expect(keys[0].metadata.tags).toBeUndefined();

    // The vault: one active row, ciphertext only.
    const reveal = await request(server)
      .post('/api/ai-tiles/me/key/reveal')
      .set('Authorization', asUser(JANE));
    expect(reveal.status).toBe(200);
    expect(reveal.headers['cache-control']).toBe('no-store');
    const rawKey: string = reveal.body.key;
    expect(rawKey).toMatch(/^sk-/);
    expect(sha256(rawKey)).toBe(keys[0].token);
    expect(res.body.key.masked).toBe(`sk-...${rawKey.slice(-4)}`);

    const stored = await rows();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      user_ref: JANE,
      litellm_user_id: JANE,
      key_alias: ALIAS,
      key_hash: keys[0].token,
      key_last4: rawKey.slice(-4),
      status: 'active',
      encryption_key_id: 'k-2026-01',
      claim_id: null,
    });
    expect(stored[0].encrypted_key).not.toBe(rawKey);
    expect(stored[0].encrypted_key).not.toContain(rawKey.slice(3));

    // The key works at LiteLLM.
    expect(await chat(env.standIn.url, rawKey)).toBe(200);

    // GET again: same key, nothing new at LiteLLM, no call (cached).
    const again = await request(server)
      .get('/api/ai-tiles/me/access')
      .set('Authorization', asUser(JANE));
    expect(again.body.key).toEqual(res.body.key);
    expect(keysOf(JANE)).toHaveLength(1);
    expect(litellm.calls).toHaveLength(3);

    // Audit: acceptance, provisioning, acceptance again, reveal; never key
    // material.
    expect(auditor.events.map(e => [e.eventId, e.outcome])).toEqual([
      ['ai-policy-accept', 'success'],
      ['ai-key-provision', 'success'],
      ['ai-policy-accept', 'success'],
      ['ai-key-reveal', 'success'],
    ]);
    expect(auditor.events[1].meta).toMatchObject({
      userEntityRef: JANE,
      keyAlias: ALIAS,
    });
    expect(auditor.events[3].severityLevel).toBe('high');
    const audited = JSON.stringify(auditor.events);
    expect(audited).not.toContain(rawKey);
    expect(audited).not.toContain(rawKey.slice(3, 12));
  });

  it('gates keys behind the current policy version and asks again for a new one', async () => {
    const first = await startAiTiles({ knex: env.knex, config: config() });
    const server = first.server;

    const before = await request(server)
      .get('/api/ai-tiles/me/access')
      .set('Authorization', asUser(JANE));
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      status: 'policy-required',
      user: {
        entityRef: JANE,
        email: 'jane.doe@example.com',
        displayName: 'jane doe',
      },
      policy: {
        version: '2026-11',
        title: 'Acceptable use of AI',
        accepted: false,
      },
      apiBaseUrl: 'https://llm.example.com',
    });
    for (const [path, eventId] of [
      ['/me/key/reveal', 'ai-key-reveal'],
      ['/me/key/rotate', 'ai-key-rotate'],
    ]) {
      const denied = await request(server)
        .post(`/api/ai-tiles${path}`)
        .set('Authorization', asUser(JANE));
      expect(denied.status).toBe(403);
      expect(denied.body.error.message).toBe(
        'Accept the acceptable-use policy (version 2026-11) before using your API key',
      );
      // A refused attempt is audited as a failure under the caller's name.
      expect(first.auditor.events.at(-1)).toMatchObject({
        eventId,
        outcome: 'fail',
        meta: { userEntityRef: JANE },
      });
    }
    // Nothing was issued: no LiteLLM user, no key, no row.
    expect(env.standIn.users()).toHaveLength(0);
    expect(env.standIn.keys()).toHaveLength(0);
    expect(await rows()).toHaveLength(0);

    const wrong = await accept(server, JANE, '2026-10');
    expect(wrong.status).toBe(409);
    expect(wrong.body.error.message).toMatch(
      /Policy version 2026-10 is not the current version \(2026-11\)/,
    );
    const invalid = await request(server)
      .post('/api/ai-tiles/me/policy/accept')
      .set('Authorization', asUser(JANE))
      .send({ version: 7 });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.name).toBe('InputError');
    expect(await env.knex('ai_policy_acceptances').select()).toHaveLength(0);

    const ok = await accept(server);
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('ready');
    const firstKey = ok.body.key;
    await first.backend.stop();

    // A new policy version: asked again, key hidden, not revealed.
    const second = await startAiTiles({
      knex: env.knex,
      config: config({ policyVersion: '2027-01' }),
    });
    const asked = await request(second.server)
      .get('/api/ai-tiles/me/access')
      .set('Authorization', asUser(JANE));
    expect(asked.body).toMatchObject({
      status: 'policy-required',
      policy: {
        version: '2027-01',
        acceptedVersion: '2026-11',
        accepted: false,
      },
    });
    expect(asked.body.key).toBeUndefined();
    const hidden = await request(second.server)
      .post('/api/ai-tiles/me/key/reveal')
      .set('Authorization', asUser(JANE));
    expect(hidden.status).toBe(403);
    expect((await accept(second.server, JANE, '2026-11')).status).toBe(409);

    const again = await accept(second.server, JANE, '2027-01');
    expect(again.body).toMatchObject({
      status: 'ready',
      policy: { acceptedVersion: '2027-01', accepted: true },
    });
    // Same key as before: accepting again does not re-issue it.
    expect(again.body.key).toEqual(firstKey);
    expect(keysOf(JANE)).toHaveLength(1);
  });

  it('50 parallel first requests across two replicas: one LiteLLM user, one key, one row', async () => {
    const a = await startAiTiles({ knex: env.knex, config: config() });
    const b = await startAiTiles({ knex: env.knex, config: config() });
    // Record the acceptance without provisioning (a version mismatch cannot
    // provision), so that the 50 requests are the first ones to need the key.
    await recordAcceptance(env.knex, JANE);

    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        request(i % 2 ? a.server : b.server)
          .get('/api/ai-tiles/me/access')
          .set('Authorization', asUser(JANE)),
      ),
    );
    expect(responses.map(r => r.status)).toEqual(Array(50).fill(200));
    expect(new Set(responses.map(r => r.body.key.masked)).size).toBe(1);

    expect(env.standIn.users().filter(u => u.user_id === JANE)).toHaveLength(1);
    expect(keysOf(JANE)).toHaveLength(1);
    const stored = await rows();
    expect(stored).toHaveLength(1);
    expect(stored[0].key_hash).toBe(keysOf(JANE)[0].token);
    const provisions = [...a.auditor.events, ...b.auditor.events].filter(
      e => e.eventId === 'ai-key-provision',
    );
    expect(provisions).toHaveLength(1);
  });

  it('repairs a crash between key creation and the vault write: no orphan, no second key', async () => {
    const keyCreated = deferred<string>();
    const never = deferred();
    // Replica A "crashes": the hook never returns, so the key it created is
    // never stored, and its claim is neither released nor renewed.
    const a = await startAiTiles({
      knex: env.knex,
      config: config(),
      plugin: {
        provisioning: {
          heartbeatMs: 3_600_000,
          hooks: {
            afterKeyCreated: async ({ keyHash }) => {
              keyCreated.resolve(keyHash);
              await never.promise;
            },
          },
        },
      },
    });
    await recordAcceptance(env.knex, JANE);
    const crashed = request(a.server)
      .get('/api/ai-tiles/me/access')
      .set('Authorization', asUser(JANE))
      .then(r => r);
    const orphanHash = await keyCreated.promise;
    expect(env.standIn.findKey(orphanHash)).toBeDefined();
    expect(await rows()).toMatchObject([{ status: 'pending', key_hash: null }]);

    // Replica B, while A's claim is fresh: waits, then gives up with 503.
    const b = await startAiTiles({
      knex: env.knex,
      config: config(),
      plugin: {
        provisioning: {
          heartbeatMs: 500,
          staleClaimMs: 1500,
          waitTimeoutMs: 300,
        },
      },
    });
    const busy = await request(b.server)
      .get('/api/ai-tiles/me/access')
      .set('Authorization', asUser(JANE));
    expect(busy.status).toBe(503);
    expect(busy.body.error.message).toMatch(/still being set up/);

    // Once the claim is stale, B takes over and repairs.
    await new Promise(r => setTimeout(r, 1600));
    const repaired = await request(b.server)
      .get('/api/ai-tiles/me/access')
      .set('Authorization', asUser(JANE));
    expect(repaired.status).toBe(200);
    expect(repaired.body.status).toBe('ready');

    const keys = keysOf(JANE);
    expect(keys).toHaveLength(1);
    expect(keys[0].token).not.toBe(orphanHash);
    expect(env.standIn.findKey(orphanHash)).toBeUndefined();
    const stored = await rows();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      status: 'active',
      key_hash: keys[0].token,
    });

    const reveal = await request(b.server)
      .post('/api/ai-tiles/me/key/reveal')
      .set('Authorization', asUser(JANE));
    expect(await chat(env.standIn.url, reveal.body.key)).toBe(200);

    // A wakes up: its write is refused (claim lost), its key is not kept,
    // and it answers with the repaired key.
    never.resolve();
    const late = await crashed;
    expect(late.status).toBe(200);
    expect(late.body.key.masked).toBe(repaired.body.key.masked);
    expect(keysOf(JANE)).toHaveLength(1);
    expect((await rows())[0].key_hash).toBe(keys[0].token);
  });

  it('never takes the claim of a live owner that is slow: its lease is renewed', async () => {
    const keyCreated = deferred();
    const a = await startAiTiles({
      knex: env.knex,
      config: config(),
      plugin: {
        provisioning: {
          heartbeatMs: 100,
          hooks: {
            afterKeyCreated: async () => {
              keyCreated.resolve();
              await new Promise(r => setTimeout(r, 1200));
            },
          },
        },
      },
    });
    const b = await startAiTiles({
      knex: env.knex,
      config: config(),
      plugin: {
        provisioning: {
          heartbeatMs: 100,
          staleClaimMs: 400,
          waitTimeoutMs: 5000,
        },
      },
    });
    await recordAcceptance(env.knex, JANE);
    const slow = request(a.server)
      .get('/api/ai-tiles/me/access')
      .set('Authorization', asUser(JANE))
      .then(r => r);
    await keyCreated.promise;
    // B waits three times as long as a claim may go unrenewed, and gets A's key.
    const waited = await request(b.server)
      .get('/api/ai-tiles/me/access')
      .set('Authorization', asUser(JANE));
    const first = await slow;
    expect([first.status, waited.status]).toEqual([200, 200]);
    expect(waited.body.key.masked).toBe(first.body.key.masked);
    expect(keysOf(JANE)).toHaveLength(1);
    expect(b.auditor.events.map(e => e.eventId)).not.toContain(
      'ai-key-provision',
    );
  });

  it('leaves nothing half-written when storing fails after the key was created', async () => {
    let fail = true;
    const { server, auditor } = await startAiTiles({
      knex: env.knex,
      config: config(),
      plugin: {
        provisioning: {
          hooks: {
            afterKeyCreated: () => {
              if (fail) throw new Error('vault write failed');
            },
          },
        },
      },
    });
    const res = await accept(server);
    expect(res.status).toBe(500);
    // The acceptance stands; the internal cause stays in the log.
    expect(res.body.error).toEqual(
      expect.objectContaining({
        name: 'AiKeyNotReadyError',
        message:
          'Your acceptance of policy version 2026-11 is recorded, but your AI key could not be set up because of an internal error (logged); try again in a moment',
      }),
    );
    expect(keysOf(JANE)).toHaveLength(0); // the created key was deleted
    expect(await rows()).toHaveLength(0); // the claim was removed
    expect(
      auditor.events.find(e => e.eventId === 'ai-key-provision'),
    ).toMatchObject({
      outcome: 'fail',
      error: 'vault write failed',
    });

    fail = false;
    const ok = await request(server)
      .get('/api/ai-tiles/me/access')
      .set('Authorization', asUser(JANE));
    expect(ok.body.status).toBe('ready');
    expect(keysOf(JANE)).toHaveLength(1);
  });

  it('rotation replaces the key: the old one fails at LiteLLM at once', async () => {
    const litellm = recordCalls();
    const { server, auditor } = await startAiTiles({
      knex: env.knex,
      config: config(),
      plugin: { litellmDispatcher: litellm.litellmDispatcher },
    });
    const first = await accept(server);
    const oldKey = (
      await request(server)
        .post('/api/ai-tiles/me/key/reveal')
        .set('Authorization', asUser(JANE))
    ).body.key;
    expect(await chat(env.standIn.url, oldKey)).toBe(200);

    litellm.calls.length = 0;
    const rotated = await request(server)
      .post('/api/ai-tiles/me/key/rotate')
      .set('Authorization', asUser(JANE));
    expect(rotated.status).toBe(200);
    expect(rotated.body.status).toBe('ready');
    // The summary needs no read of its own, and no drift check (cached
    // with the new key listed and the old one gone).
    expect(litellm.calls).toEqual([
      'GET /user/info',
      'POST /key/delete',
      'POST /key/generate',
    ]);
    // Read during the rotation: includes the old key's chat call above.
    expect(rotated.body.budget.maxBudget).toBe(20);
    expect(rotated.body.budget.spend).toBeGreaterThan(0);
    expect(rotated.body.key.masked).not.toBe(first.body.key.masked);
    expect(rotated.body.key.rotatedAt).toEqual(expect.any(String));
    expect(rotated.body.key.createdAt).toBe(first.body.key.createdAt);

    const newKey = (
      await request(server)
        .post('/api/ai-tiles/me/key/reveal')
        .set('Authorization', asUser(JANE))
    ).body.key;
    expect(newKey).not.toBe(oldKey);
    expect(await chat(env.standIn.url, oldKey)).toBe(401);
    expect(await chat(env.standIn.url, newKey)).toBe(200);
    expect(keysOf(JANE)).toHaveLength(1);
    expect(keysOf(JANE)[0].key_alias).toBe(ALIAS);

    const rotation = auditor.events.find(e => e.eventId === 'ai-key-rotate');
    expect(rotation).toMatchObject({
      outcome: 'success',
      meta: { userEntityRef: JANE },
    });
    expect(JSON.stringify(auditor.events)).not.toContain(newKey);
  });

  it('issues a new key when LiteLLM lost the stored one', async () => {
    const { server } = await startAiTiles({
      knex: env.knex,
      config: config(),
      plugin: { userCacheTtlMs: 1 },
    });
    await accept(server);
    const hash = keysOf(JANE)[0].token;
    // An admin deletes the key in LiteLLM.
    await deleteKeyAsAdmin(env.standIn.url, hash);
    await new Promise(r => setTimeout(r, 5));
    const res = await request(server)
      .get('/api/ai-tiles/me/access')
      .set('Authorization', asUser(JANE));
    expect(res.body.status).toBe('ready');
    expect(keysOf(JANE)).toHaveLength(1);
    expect(keysOf(JANE)[0].token).not.toBe(hash);
    expect((await rows())[0].key_hash).toBe(keysOf(JANE)[0].token);
  });

  it("never reveals another employee's key", async () => {
    const { server, auditor } = await startAiTiles({
      knex: env.knex,
      config: config(),
    });
    await accept(server, JANE);
    const janeKey = (
      await request(server)
        .post('/api/ai-tiles/me/key/reveal')
        .set('Authorization', asUser(JANE))
    ).body.key;

    // John has not accepted: refused, even when he names Jane.
    const refused = await request(server)
      .post('/api/ai-tiles/me/key/reveal')
      .set('Authorization', asUser(JOHN))
      .send({ user: JANE, userEntityRef: JANE });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).not.toContain(janeKey);
    // The attempt is in the audit log, as John's.
    expect(auditor.events.at(-1)).toMatchObject({
      eventId: 'ai-key-reveal',
      outcome: 'fail',
      severityLevel: 'high',
      meta: { userEntityRef: JOHN },
    });

    await accept(server, JOHN);
    const johns = await request(server)
      .post('/api/ai-tiles/me/key/reveal?user=user:default/jane.doe')
      .set('Authorization', asUser(JOHN))
      .send({ user: JANE });
    expect(johns.status).toBe(200);
    expect(johns.body.key).not.toBe(janeKey);
    expect(keysOf(JOHN).map(k => k.token)).toEqual([sha256(johns.body.key)]);

    // Service tokens are not employees.
    const service = await request(server)
      .post('/api/ai-tiles/me/key/reveal')
      .set('Authorization', mockCredentials.service.header());
    expect([401, 403]).toContain(service.status);
    expect(service.body.key).toBeUndefined();
  });
});
