import { TestDatabases } from '@backstage/backend-test-utils';
import { createServer } from 'node:net';
import request from 'supertest';
import {
  ENC_OLD,
  JANE,
  MASTER_KEY,
  aiTilesConfig,
  asUser,
  chat,
  startAiTiles,
  usePolicyFile,
  useStandInAndDatabase,
} from '../../__testUtils__/access';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const policy = usePolicyFile();

const getAccess = (server: any, userRef = JANE) =>
  request(server)
    .get('/api/ai-tiles/me/access')
    .set('Authorization', asUser(userRef));
const acceptPolicy = (server: any, userRef = JANE) =>
  request(server)
    .post('/api/ai-tiles/me/policy/accept')
    .set('Authorization', asUser(userRef))
    .send({ version: '2026-11' });

/** The acceptance stands; the answer says the key could not be set up, and why. */
function expectKeyNotReady(
  res: request.Response,
  status: number,
  reason: string,
) {
  expect(res.status).toBe(status);
  expect(res.body.error).toMatchObject({
    name: 'AiKeyNotReadyError',
    message: `Your acceptance of policy version 2026-11 is recorded, but your AI key could not be set up: ${reason}`,
  });
}

describe.each(databases.eachSupportedId())(
  'AI access when LiteLLM misbehaves, on %s',
  databaseId => {
    const env = useStandInAndDatabase(databases, databaseId);

    const rows = () => env.knex('ai_user_keys').select();
    const config = (extra: Partial<Parameters<typeof aiTilesConfig>[0]> = {}) =>
      aiTilesConfig({
        baseUrl: env.standIn.url,
        policyPath: policy.path,
        ...extra,
      });

    it('answers 503 with a clear message when LiteLLM is down, and writes nothing', async () => {
      const port = await closedPort();
      const { server, auditor } = await startAiTiles({
        knex: env.knex,
        config: config({ baseUrl: `http://127.0.0.1:${port}` }),
      });
      const res = await acceptPolicy(server);
      expectKeyNotReady(
        res,
        503,
        'LiteLLM refused the connection (POST /user/new); AI access is temporarily unavailable, try again later',
      );
      expect(await rows()).toHaveLength(0);
      // The acceptance itself is kept: the next visit provisions.
      expect(await env.knex('ai_policy_acceptances').select()).toHaveLength(1);
      expect(
        auditor.events.find(e => e.eventId === 'ai-key-provision'),
      ).toMatchObject({ outcome: 'fail' });

      const again = await getAccess(server);
      expect(again.status).toBe(503);
      expect(again.body.error.message).toMatch(
        /^LiteLLM refused the connection/,
      );
    });

    it('answers 503 when LiteLLM is slower than the timeout, and leaves no half-written key', async () => {
      const { server } = await startAiTiles({
        knex: env.knex,
        config: config({ timeoutMs: 1000 }),
      });
      env.standIn.setFailureMode({ mode: 'hang' });
      const started = Date.now();
      const res = await acceptPolicy(server);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(res.status).toBe(503);
      expect(res.body.error.message).toMatch(
        /is recorded, but your AI key could not be set up: LiteLLM did not answer within 1 s \(POST \/user\/new\); AI access is temporarily unavailable, try again later$/,
      );
      expect(await rows()).toHaveLength(0);

      // Slow only when creating the key: the user exists, no key, no row.
      env.standIn.setFailureMode({ mode: 'hang', routes: ['/key/generate'] });
      const slowKey = await getAccess(server);
      expect(slowKey.status).toBe(503);
      expect(slowKey.body.error.message).toMatch(
        /did not answer within 1 s \(POST \/key\/generate\)/,
      );
      expect(env.standIn.users().map(u => u.user_id)).toEqual([JANE]);
      expect(env.standIn.keys()).toHaveLength(0);
      expect(await rows()).toHaveLength(0);

      // LiteLLM makes the key but answers too late: the key nobody stored
      // is deleted by its alias before the claim is given up.
      env.standIn.setFailureMode({
        mode: 'hang-after',
        routes: ['/key/generate'],
        times: 1,
      });
      const late = await getAccess(server);
      expect(late.status).toBe(503);
      expect(late.body.error.message).toMatch(
        /did not answer within 1 s \(POST \/key\/generate\)/,
      );
      expect(env.standIn.keys()).toHaveLength(0);
      expect(await rows()).toHaveLength(0);

      env.standIn.setFailureMode(null);
      const ok = await getAccess(server);
      expect(ok.body.status).toBe('ready');
      expect(env.standIn.keys()).toHaveLength(1);
    });

    it('answers 503 when a proxy in front of LiteLLM answers for it (502, 503, 504)', async () => {
      const { server } = await startAiTiles({
        knex: env.knex,
        config: config({ retries: 0 }),
      });
      env.standIn.setFailureMode({
        mode: 'error',
        status: 503,
        message: '<html>Service Unavailable</html>',
        routes: ['/user/new'],
      });
      const res = await acceptPolicy(server);
      expectKeyNotReady(
        res,
        503,
        'LiteLLM answered 503 (POST /user/new); AI access is temporarily unavailable, try again later',
      );
      expect(await rows()).toHaveLength(0);

      // A gateway timeout while creating the key: 503 too, nothing left.
      env.standIn.setFailureMode({
        mode: 'error',
        status: 504,
        routes: ['/key/generate'],
      });
      const timedOut = await getAccess(server);
      expect(timedOut.status).toBe(503);
      expect(timedOut.body.error.message).toBe(
        'LiteLLM answered 504 (POST /key/generate); AI access is temporarily unavailable, try again later',
      );
      expect(env.standIn.keys()).toHaveLength(0);
      expect(await rows()).toHaveLength(0);
    });

    it('answers 502 for malformed or failed LiteLLM answers, never 401/403', async () => {
      const { server } = await startAiTiles({
        knex: env.knex,
        config: config(),
      });
      env.standIn.setFailureMode({
        mode: 'malformed-json',
        routes: ['/user/info'],
      });
      const malformed = await acceptPolicy(server);
      expectKeyNotReady(
        malformed,
        502,
        'LiteLLM sent a malformed response to GET /user/info: not JSON',
      );
      expect(await rows()).toHaveLength(0);

      env.standIn.setFailureMode({
        mode: 'error',
        status: 500,
        message: 'database is down',
        routes: ['/key/generate'],
      });
      const failed = await getAccess(server);
      expect(failed.status).toBe(502);
      expect(failed.body.error.message).toBe(
        'LiteLLM answered 500 on POST /key/generate: database is down',
      );
      expect(await rows()).toHaveLength(0);
      expect(env.standIn.keys()).toHaveLength(0);
      env.standIn.setFailureMode(null);

      // A wrong master key: LiteLLM's 401 must not look like an expired session.
      const wrong = await startAiTiles({
        knex: env.knex,
        config: config({ masterKey: 'sk-wrong-master-key' }),
      });
      const denied = await getAccess(wrong.server);
      expect(denied.status).toBe(502);
      expect(denied.body.error.message).toBe(
        "LiteLLM rejected the portal's credentials (401 on POST /user/new): check aiTiles.litellm.masterKey",
      );
      expect(JSON.stringify(denied.body)).not.toContain('sk-wrong-master-key');
    });

    it('keeps the old key when a rotation fails before touching it, and repairs one that failed after', async () => {
      const { server } = await startAiTiles({
        knex: env.knex,
        config: config({ timeoutMs: 1000, retries: 0 }),
      });
      await acceptPolicy(server);
      const reveal = () =>
        request(server)
          .post('/api/ai-tiles/me/key/reveal')
          .set('Authorization', asUser(JANE));
      const oldKey = (await reveal()).body.key;

      // Fails before the old key is deleted: it keeps working.
      env.standIn.setFailureMode({ mode: 'hang', routes: ['/user/info'] });
      const early = await request(server)
        .post('/api/ai-tiles/me/key/rotate')
        .set('Authorization', asUser(JANE));
      expect(early.status).toBe(503);
      env.standIn.setFailureMode(null);
      expect((await rows())[0]).toMatchObject({
        status: 'active',
        claim_id: null,
      });
      expect((await reveal()).body.key).toBe(oldKey);
      expect(await chat(env.standIn.url, oldKey)).toBe(200);

      // Fails after the old key was deleted: the next request issues a new one.
      env.standIn.setFailureMode({
        mode: 'error',
        status: 500,
        routes: ['/key/generate'],
      });
      const late = await request(server)
        .post('/api/ai-tiles/me/key/rotate')
        .set('Authorization', asUser(JANE));
      expect(late.status).toBe(502);
      env.standIn.setFailureMode(null);
      expect(await chat(env.standIn.url, oldKey)).toBe(401);
      expect((await rows())[0]).toMatchObject({
        status: 'pending',
        claim_id: null,
      });

      const repaired = await getAccess(server);
      expect(repaired.body.status).toBe('ready');
      const newKey = (await reveal()).body.key;
      expect(newKey).not.toBe(oldKey);
      expect(await chat(env.standIn.url, newKey)).toBe(200);
      expect(env.standIn.keys()).toHaveLength(1);
    });

    it('handles LiteLLM releases that answer duplicates differently (409 / legacy 400 and silent 200)', async () => {
      for (const legacy of [false, true]) {
        env.standIn.reset();
        env.standIn.configure({ legacyDuplicateUsers: legacy });
        const db = await databases.init(databaseId);
        // Someone created a LiteLLM user with Jane's e-mail outside the portal.
        await fetch(`${env.standIn.url}/user/new`, {
          method: 'POST',
          headers: {
            'x-litellm-api-key': MASTER_KEY,
            'content-type': 'application/json',
          },
          body: JSON.stringify({
            user_id: 'manual-jane',
            user_email: 'jane.doe@example.com',
            auto_create_key: false,
          }),
        });
        const { server, backend } = await startAiTiles({
          knex: db,
          config: config(),
        });
        const res = await acceptPolicy(server);
        expect(res.status).toBe(200);
        expect(res.body.status).toBe('ready');
        const jane = env.standIn.users().find(u => u.user_id === JANE);
        expect(jane).toMatchObject({ max_budget: 20, user_email: null });
        expect(env.standIn.keys().filter(k => k.user_id === JANE)).toHaveLength(
          1,
        );
        await backend.stop();
      }
    });
  },
);

describe('AI access configuration', () => {
  it('reports not-configured with the missing keys when nothing is configured', async () => {
    const { server } = await startAiTiles({
      config: aiTilesConfig({ policyPath: policy.path }),
    });
    const res = await getAccess(server);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'not-configured',
      missingConfig: [
        'aiTiles.litellm.baseUrl',
        'aiTiles.litellm.masterKey',
        'aiTiles.encryption.keys',
        'aiTiles.budgets.default',
      ],
      user: { entityRef: JANE },
      policy: {
        version: '2026-11',
        title: 'Acceptable use of AI',
        accepted: false,
      },
    });
    // Accepting works (it is recorded); keys are unavailable with a clear message.
    const accepted = await acceptPolicy(server);
    expect(accepted.body).toMatchObject({
      status: 'not-configured',
      policy: { accepted: true, acceptedVersion: '2026-11' },
    });
    const reveal = await request(server)
      .post('/api/ai-tiles/me/key/reveal')
      .set('Authorization', asUser(JANE));
    expect(reveal.status).toBe(503);
    expect(reveal.body.error.message).toBe(
      'AI access is not configured: set aiTiles.litellm.baseUrl, aiTiles.litellm.masterKey, aiTiles.encryption.keys, aiTiles.budgets.default',
    );
    // The rest of the plugin is unaffected.
    expect((await request(server).get('/api/ai-tiles/policy')).status).toBe(
      200,
    );
  });

  it('starts without the master key and names it on use', async () => {
    const { server } = await startAiTiles({
      config: aiTilesConfig({
        baseUrl: 'http://127.0.0.1:9',
        masterKey: '',
        policyPath: policy.path,
      }),
    });
    const res = await getAccess(server);
    expect(res.status).toBe(503);
    expect(res.body.error.message).toBe(
      'AI access is unavailable: aiTiles.litellm.masterKey is not set',
    );
  });

  it('refuses to start with invalid budgets, naming the value', async () => {
    await expect(
      startAiTiles({
        config: aiTilesConfig({
          baseUrl: 'http://127.0.0.1:9',
          policyPath: policy.path,
          budgets: {
            default: 20,
            ceiling: 500,
            groups: [
              { group: 'group:default/legal', maxBudget: 50 },
              { group: 'group:default/engineering', maxBudget: 900 },
            ],
          },
        }),
      }),
    ).rejects.toThrow(
      'aiTiles.budgets.groups[1].maxBudget must be a number ≥ 0 and ≤ aiTiles.budgets.ceiling (500)',
    );
    await expect(
      startAiTiles({
        config: aiTilesConfig({
          baseUrl: 'http://127.0.0.1:9',
          policyPath: policy.path,
          budgets: { default: -1 },
        }),
      }),
    ).rejects.toThrow('aiTiles.budgets.default must be a number ≥ 0');
  });

  it('refuses to start with LiteLLM configured but no encryption key', async () => {
    const config = aiTilesConfig({
      baseUrl: 'http://127.0.0.1:9',
      policyPath: policy.path,
    });
    delete (config.aiTiles as any).encryption;
    await expect(startAiTiles({ config })).rejects.toThrow(
      /aiTiles\.encryption\.keys is required when aiTiles\.litellm is configured/,
    );
    const weak = aiTilesConfig({
      baseUrl: 'http://127.0.0.1:9',
      policyPath: policy.path,
      keys: [{ id: 'k', secret: 'too-short' }],
    });
    await expect(startAiTiles({ config: weak })).rejects.toThrow(
      /aiTiles\.encryption\.keys\[0\]\.secret must be at least 32 characters/,
    );
  });

  it('refuses to start with LiteLLM configured but no acceptable-use policy', async () => {
    const config = aiTilesConfig({
      baseUrl: 'http://127.0.0.1:9',
      policyPath: policy.path,
      keys: [ENC_OLD],
    });
    delete (config.aiTiles as any).policy;
    await expect(startAiTiles({ config })).rejects.toThrow(
      /aiTiles\.policy is required when aiTiles\.litellm is configured/,
    );
  });
});
