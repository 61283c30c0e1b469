import { TestDatabases } from '@backstage/backend-test-utils';
import request from 'supertest';
import {
  ENC_NEW,
  ENC_OLD,
  JANE,
  JOHN,
  LEE,
  SOLO,
  aiTilesConfig,
  asUser,
  chat,
  startAiTiles,
  usePolicyFile,
  useStandInAndDatabase,
} from '../../__testUtils__/access';
import { REENCRYPT_TASK_ID } from '../../plugin';
import { BUDGET_SYNC_TASK_ID } from '../budgets/BudgetSync';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

describe.each(databases.eachSupportedId())(
  'Budgets and encryption keys on %s',
  databaseId => {
    const policy = usePolicyFile();
    const env = useStandInAndDatabase(databases, databaseId);

    const accept = (server: any, userRef: string) =>
      request(server)
        .post('/api/ai-tiles/me/policy/accept')
        .set('Authorization', asUser(userRef))
        .send({ version: '2026-11' });
    const reveal = async (server: any, userRef: string) =>
      (
        await request(server)
          .post('/api/ai-tiles/me/key/reveal')
          .set('Authorization', asUser(userRef))
      ).body.key as string;
    const litellmBudget = (userRef: string) =>
      env.standIn.users().find(u => u.user_id === userRef)?.max_budget;

    // company(10) ← engineering(100) ← platform ← sre;  company ← legal(50)
    const budgets = {
      default: 20,
      ceiling: 500,
      groups: [
        { group: 'group:default/company', maxBudget: 10 },
        { group: 'group:default/engineering', maxBudget: 100 },
        { group: 'group:default/legal', maxBudget: 50 },
      ],
      users: [],
    };

    it('resolves default, direct group, nearest ancestor group and user overrides', async () => {
      const { server, backend } = await startAiTiles({
        knex: env.knex,
        config: aiTilesConfig({
          baseUrl: env.standIn.url,
          policyPath: policy.path,
          budgets,
        }),
      });
      const expected: Array<[string, number]> = [
        [JANE, 50], // legal, direct member
        [JOHN, 100], // sre → platform → engineering (3) beats company (4)
        [LEE, 50], // sre and legal: legal (1) is nearer than engineering (3)
        [SOLO, 20], // no group: default
      ];
      for (const [userRef, budget] of expected) {
        const res = await accept(server, userRef);
        expect(res.status).toBe(200);
        expect(res.body.budget.maxBudget).toBe(budget);
        expect(litellmBudget(userRef)).toBe(budget);
      }
      await backend.stop();

      // A user override wins over every group, and a changed config reaches
      // employees who already have a key on their next visit.
      const changed = await startAiTiles({
        knex: env.knex,
        config: aiTilesConfig({
          baseUrl: env.standIn.url,
          policyPath: policy.path,
          budgets: {
            ...budgets,
            default: 25,
            users: [{ user: JOHN, maxBudget: 7 }],
          },
        }),
      });
      for (const [userRef, budget] of [
        [JOHN, 7],
        [SOLO, 25],
        [JANE, 50],
      ] as const) {
        const res = await request(changed.server)
          .get('/api/ai-tiles/me/access')
          .set('Authorization', asUser(userRef));
        expect(res.body.budget.maxBudget).toBe(budget);
        expect(litellmBudget(userRef)).toBe(budget);
      }
      // Still one key each.
      expect(env.standIn.keys()).toHaveLength(4);
      // Each budget written is audited, with the old and the new value.
      expect(
        changed.auditor.events.filter(e => e.eventId === 'ai-budget-update'),
      ).toEqual([
        expect.objectContaining({
          outcome: 'success',
          meta: {
            ownerRef: JOHN,
            trigger: 'visit',
            from: { maxBudget: 100, budgetDuration: '1mo' },
            to: { maxBudget: 7, budgetDuration: '1mo' },
          },
        }),
        expect.objectContaining({
          outcome: 'success',
          meta: expect.objectContaining({
            ownerRef: SOLO,
            from: { maxBudget: 20, budgetDuration: '1mo' },
            to: { maxBudget: 25, budgetDuration: '1mo' },
          }),
        }),
      ]);
    });

    it('brings the budgets of employees who never visit in line, on schedule', async () => {
      const config = (extra: object) =>
        aiTilesConfig({
          baseUrl: env.standIn.url,
          policyPath: policy.path,
          budgets: { ...budgets, ...extra },
        });
      const v1 = await startAiTiles({ knex: env.knex, config: config({}) });
      for (const userRef of [JANE, JOHN, SOLO]) {
        expect((await accept(v1.server, userRef)).status).toBe(200);
      }
      await v1.backend.stop();

      // New budgets; the employees only use chat (no visit to the portal).
      const v2 = await startAiTiles({
        knex: env.knex,
        config: config({ default: 25, users: [{ user: JOHN, maxBudget: 7 }] }),
      });
      expect([JANE, JOHN, SOLO].map(ref => litellmBudget(ref))).toEqual([
        50, 100, 20,
      ]);
      await v2.scheduler.triggerTask(BUDGET_SYNC_TASK_ID);
      expect([JANE, JOHN, SOLO].map(ref => litellmBudget(ref))).toEqual([
        50, 7, 25,
      ]);
      expect(env.standIn.keys()).toHaveLength(3);
    });

    it('refuses a zero budget from the first call, on the key itself, and lifts that when the budget is raised', async () => {
      const config = (users: object[]) =>
        aiTilesConfig({
          baseUrl: env.standIn.url,
          policyPath: policy.path,
          budgets: { ...budgets, users },
        });
      const v1 = await startAiTiles({
        knex: env.knex,
        config: config([{ user: SOLO, maxBudget: 0 }]),
      });
      const keys: Record<string, string> = {};
      for (const userRef of [SOLO, JANE]) {
        expect((await accept(v1.server, userRef)).status).toBe(200);
        keys[userRef] = await reveal(v1.server, userRef);
      }
      // Used directly, not only through the gateway.
      expect(await chat(env.standIn.url, keys[SOLO])).toBe(429);
      expect(await chat(env.standIn.url, keys[JANE])).toBe(200);
      await v1.backend.stop();

      const v2 = await startAiTiles({
        knex: env.knex,
        config: config([
          { user: SOLO, maxBudget: 5 },
          { user: JANE, maxBudget: 0 },
        ]),
      });
      await v2.scheduler.triggerTask(BUDGET_SYNC_TASK_ID);
      expect(
        v2.auditor.events
          .filter(e => e.eventId === 'ai-budget-update')
          .map(e => [e.meta?.ownerRef, e.meta?.trigger, e.meta?.keyMaxBudget]),
      ).toEqual([
        [JANE, 'sync', 0], // the key's zero cap set
        [SOLO, 'sync', null], // and lifted
      ]);
      expect(await chat(env.standIn.url, keys[SOLO])).toBe(200);
      expect(await chat(env.standIn.url, keys[JANE])).toBe(429);
      expect(
        (
          await request(v2.server)
            .get('/api/ai-tiles/me/access')
            .set('Authorization', asUser(JANE))
        ).body.budget.maxBudget,
      ).toBe(0);
      // The same keys: a budget change never reissues one.
      expect(env.standIn.keys()).toHaveLength(2);
    });

    it('shows spend and a forecast from LiteLLM', async () => {
      const { server } = await startAiTiles({
        knex: env.knex,
        config: aiTilesConfig({
          baseUrl: env.standIn.url,
          policyPath: policy.path,
        }),
        plugin: { userCacheTtlMs: 1 },
      });
      await accept(server, JANE);
      const key = await reveal(server, JANE);
      expect(await chat(env.standIn.url, key)).toBe(200);
      await new Promise(r => setTimeout(r, 5));
      const res = await request(server)
        .get('/api/ai-tiles/me/access')
        .set('Authorization', asUser(JANE));
      expect(res.body.budget.spend).toBeGreaterThan(0);
      expect(res.body.budget.forecast).toBeGreaterThanOrEqual(
        Math.round(res.body.budget.spend * 100) / 100,
      );
    });

    it('rotates encryption keys without downtime: old rows decrypt, the task re-encrypts', async () => {
      const v1 = await startAiTiles({
        knex: env.knex,
        config: aiTilesConfig({
          baseUrl: env.standIn.url,
          policyPath: policy.path,
          keys: [ENC_OLD],
        }),
      });
      await accept(v1.server, JANE);
      await accept(v1.server, JOHN);
      const janeKey = await reveal(v1.server, JANE);
      const johnKey = await reveal(v1.server, JOHN);
      await v1.backend.stop();

      // Deploy with the new key first: old rows still decrypt, new rows use the new key.
      const v2 = await startAiTiles({
        knex: env.knex,
        config: aiTilesConfig({
          baseUrl: env.standIn.url,
          policyPath: policy.path,
          keys: [ENC_NEW, ENC_OLD],
        }),
      });
      expect(await reveal(v2.server, JANE)).toBe(janeKey);
      await accept(v2.server, LEE);
      const ids = async () =>
        Object.fromEntries(
          (
            await env
              .knex('ai_user_keys')
              .select('user_ref', 'encryption_key_id')
          ).map(r => [r.user_ref, r.encryption_key_id]),
        );
      expect(await ids()).toEqual({
        [JANE]: 'k-2026-01',
        [JOHN]: 'k-2026-01',
        [LEE]: 'k-2026-11',
      });

      await v2.scheduler.triggerTask(REENCRYPT_TASK_ID);
      expect(await ids()).toEqual({
        [JANE]: 'k-2026-11',
        [JOHN]: 'k-2026-11',
        [LEE]: 'k-2026-11',
      });
      await v2.backend.stop();

      // The old key can go: everything still decrypts, keys unchanged at LiteLLM.
      const v3 = await startAiTiles({
        knex: env.knex,
        config: aiTilesConfig({
          baseUrl: env.standIn.url,
          policyPath: policy.path,
          keys: [ENC_NEW],
        }),
      });
      expect(await reveal(v3.server, JANE)).toBe(janeKey);
      expect(await reveal(v3.server, JOHN)).toBe(johnKey);
      expect(await chat(env.standIn.url, johnKey)).toBe(200);
    });
  },
);
