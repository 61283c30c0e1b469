import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { LiteLlmStandIn, startLiteLlmStandIn } from '@internal/litellm-standin';
import { Knex } from 'knex';
import {
  ENC_OLD,
  MASTER_KEY,
  recordStatements,
  recordingAuditor,
  watchLiteLlm,
} from '../../__testUtils__/access';
import { KeyVault } from '../../database/KeyVault';
import { applyMigrations } from '../../database/migrations';
import { KeyEncryption } from '../crypto/KeyEncryption';
import { LiteLlmClient } from '../litellm/LiteLlmClient';
import {
  KeyProvisioner,
  KeyProvisionerOptions,
  ZERO_BUDGET,
  keyAliasFor,
  reconcileBudget,
} from './KeyProvisioner';

const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });
const JANE = 'user:default/jane.doe';

describe('keyAliasFor', () => {
  it('derives a deterministic alias LiteLLM accepts', () => {
    expect(keyAliasFor('user:default/jane.doe')).toBe(
      'ai-portal/user/default/jane.doe',
    );
    expect(keyAliasFor('User:Ops/Kim_Lee')).toBe('ai-portal/user/ops/kim_lee');
  });
});

describe("reconcileBudget: the zero cap of the employee's key", () => {
  const alias = keyAliasFor(JANE);
  const run = async (
    maxBudget: number,
    keys: Array<{ key_alias: string; max_budget: number | null }> | null,
  ) => {
    const writes: Array<{ key_alias: string; max_budget: number | null }> = [];
    const client = {
      updateUser: async () => {},
      updateKey: async (body: (typeof writes)[number]) => {
        writes.push(body);
      },
    } as unknown as LiteLlmClient;
    const { user, keyCap } = await reconcileBudget(
      client,
      {
        userId: JANE,
        user: {
          max_budget: maxBudget === 0 ? ZERO_BUDGET : maxBudget,
          budget_duration: '1mo',
        },
        keys,
      },
      { maxBudget, duration: '1mo' },
    );
    return { written: user || keyCap, writes };
  };

  it('caps the key at 0 for a zero budget, once', async () => {
    expect(await run(0, [{ key_alias: alias, max_budget: null }])).toEqual({
      written: true,
      writes: [{ key_alias: alias, max_budget: 0 }],
    });
    expect(await run(0, [{ key_alias: alias, max_budget: 0 }])).toEqual({
      written: false,
      writes: [],
    });
    // Keys not listed (some releases): written, it is idempotent.
    expect((await run(0, null)).writes).toEqual([
      { key_alias: alias, max_budget: 0 },
    ]);
  });

  it('lifts only its own zero cap when the budget is raised', async () => {
    expect(
      (await run(20, [{ key_alias: alias, max_budget: 0 }])).writes,
    ).toEqual([{ key_alias: alias, max_budget: null }]);
    // An admin's cap on the key, another key of the user, unknown keys: kept.
    for (const keys of [
      [{ key_alias: alias, max_budget: 3 }],
      [{ key_alias: 'own-experiment', max_budget: 0 }],
      null,
    ]) {
      expect(await run(20, keys)).toEqual({ written: false, writes: [] });
    }
  });

  it('lifts the cap when keys are not listed and the budget leaves 0, and audits every write', async () => {
    const auditor = recordingAuditor();
    const writes: object[] = [];
    const client = {
      updateUser: async (body: object) => writes.push(body),
      updateKey: async (body: object) => writes.push(body),
    } as unknown as LiteLlmClient;
    const info = (maxBudget: number) => ({
      userId: JANE,
      user: { max_budget: maxBudget, budget_duration: '1mo' },
      keys: null,
    });
    const want = { maxBudget: 20, duration: '1mo' };
    await reconcileBudget(client, info(ZERO_BUDGET), want, {
      auditor: auditor.service,
      trigger: 'sync',
    });
    expect(writes).toEqual([
      { user_id: JANE, max_budget: 20 },
      { key_alias: alias, max_budget: null },
    ]);
    // Nothing to write: no event.
    await reconcileBudget(client, info(20), want, {
      auditor: auditor.service,
      trigger: 'sync',
    });
    expect(writes).toHaveLength(2);
    expect(auditor.events).toEqual([
      {
        eventId: 'ai-budget-update',
        severityLevel: 'medium',
        meta: {
          ownerRef: JANE,
          trigger: 'sync',
          from: { maxBudget: 0, budgetDuration: '1mo' },
          to: { maxBudget: 20, budgetDuration: '1mo' },
          keyMaxBudget: null,
        },
        outcome: 'success',
        outcomeMeta: undefined,
      },
    ]);
  });
});

describe.each(databases.eachSupportedId())(
  'KeyProvisioner on %s',
  databaseId => {
    let standIn: LiteLlmStandIn;
    let knex: Knex;

    beforeEach(async () => {
      standIn = await startLiteLlmStandIn({ masterKey: MASTER_KEY, port: 0 });
      knex = await databases.init(databaseId);
      await applyMigrations(mockServices.database({ knex }));
    });
    afterEach(async () => {
      await standIn.close();
    });

    const admin = (path: string, body: object) =>
      fetch(`${standIn.url}${path}`, {
        method: 'POST',
        headers: {
          'x-litellm-api-key': MASTER_KEY,
          'content-type': 'application/json',
        },
        body: JSON.stringify(body),
      });

    /**
     * A provisioner whose LiteLLM client lets a test act just before a call
     * reaches LiteLLM (e.g. another portal replica creating the user).
     */
    function provisioner(
      maxBudget: number,
      before?: (method: string, path: string) => Promise<void>,
      onKeyChanged?: KeyProvisionerOptions['onKeyChanged'],
    ) {
      const client = new LiteLlmClient({
        baseUrl: standIn.url,
        masterKey: MASTER_KEY,
        dispatcher: watchLiteLlm(call => before?.(call.method, call.path)),
      });
      return new KeyProvisioner({
        vault: new KeyVault(knex, KeyEncryption.fromConfig([ENC_OLD])),
        client: () => client,
        profile: async ref => ({
          entityRef: ref,
          email: 'jane.doe@example.com',
          budget: { maxBudget, duration: '1mo', source: { kind: 'default' } },
        }),
        auditor: {
          createEvent: async () => ({
            success: async () => {},
            fail: async () => {},
          }),
        },
        logger: mockServices.logger.mock(),
        staleClaimMs: 60_000,
        onKeyChanged,
      });
    }

    it.each([
      ['409 (current releases)', false],
      ['a silent 200 that keeps the old row (older releases)', true],
    ])(
      'settles a user created meanwhile by someone else: %s',
      async (_name, legacy) => {
        standIn.configure({ legacyDuplicateUsers: legacy });
        let raced = false;
        const p = provisioner(20, async (method, path) => {
          if (method === 'POST' && path === '/user/new' && !raced) {
            raced = true; // another replica wins the race, with another budget
            await admin('/user/new', {
              user_id: JANE,
              max_budget: 5,
              auto_create_key: false,
            });
          }
        });
        const record = await p.ensureKey(JANE);
        expect(raced).toBe(true);
        expect(record.status).toBe('active');
        const users = standIn.users().filter(u => u.user_id === JANE);
        expect(users).toHaveLength(1);
        expect(users[0].max_budget).toBe(20); // re-read and updated
        expect(standIn.keys()).toHaveLength(1);
      },
    );

    it('writes a zero budget although /user/update ignores 0', async () => {
      await admin('/user/new', {
        user_id: JANE,
        max_budget: 50,
        auto_create_key: false,
      });
      await provisioner(0).ensureKey(JANE);
      const jane = standIn.users().find(u => u.user_id === JANE)!;
      expect(jane.max_budget).toBeLessThanOrEqual(ZERO_BUDGET);
      // That alone lets one call a period through: the key is capped at 0.
      expect(standIn.keys().map(k => k.max_budget)).toEqual([0]);
      // Second run: recognised as equal, nothing to update.
      const updates: string[] = [];
      await provisioner(0, async (_method, path) => {
        if (path === '/user/update') updates.push(path);
      }).replaceKey(JANE);
      expect(updates).toEqual([]);
    });

    it("hands on LiteLLM's state after a key change only when it is exact", async () => {
      const changes: Array<{ keys?: string[] | null; budget?: number | null }> =
        [];
      const p = provisioner(20, undefined, async (_ref, user) => {
        changes.push(
          user
            ? {
                keys: user.keys && user.keys.map(k => k.token!),
                budget: user.user.max_budget,
              }
            : {},
        );
      });

      // First key: the new user with the new key listed.
      const first = await p.ensureKey(JANE);
      expect(changes).toEqual([{ keys: [first.keyHash], budget: 20 }]);

      // A repair that meets an orphan holding the alias (a crashed run):
      // LiteLLM lost the stored key, the orphan is deleted, only the new key
      // is listed.
      await admin('/key/delete', { keys: [first.keyHash] });
      await admin('/key/generate', {
        user_id: JANE,
        key_alias: keyAliasFor(JANE),
      });
      await knex('ai_user_keys').update({ status: 'pending', claim_id: null });
      const repaired = await p.ensureKey(JANE);
      expect(repaired.keyHash).not.toBe(first.keyHash);
      expect(standIn.keys().map(k => k.token)).toEqual([repaired.keyHash]);
      expect(changes[1]).toEqual({ keys: [repaired.keyHash], budget: 20 });

      // The budget had to be written: what was read is stale, so nothing.
      await provisioner(30, undefined, async (_ref, user) => {
        changes.push(user ? { budget: user.user.max_budget } : {});
      }).replaceKey(JANE);
      expect(changes[2]).toEqual({});
    });

    it('claims at once for an employee expected to be new, and still finds a key that exists', async () => {
      const statements = recordStatements(knex);
      const verbs = () => statements.seen.splice(0).map(s => s.verb);
      try {
        const p = provisioner(20);
        const first = await p.ensureKey(JANE, {}, { expectNew: true });
        // The claim, then the key stored: no read before the claim.
        expect(verbs()).toEqual(['insert', 'update']);

        // Expected new but not (a new policy version): the key is kept.
        const again = await p.ensureKey(JANE, {}, { expectNew: true });
        expect(again.keyHash).toBe(first.keyHash);
        expect(verbs()).toEqual(['insert', 'select']);
        expect(standIn.keys().map(k => k.token)).toEqual([first.keyHash]);
      } finally {
        statements.stop();
      }
    });

    it('leaves a key alone that a late repair no longer names', async () => {
      const p = provisioner(20);
      const first = await p.ensureKey(JANE);
      const repaired = await p.replaceKey(JANE, {}, 'repair', {
        ifKeyHash: first.keyHash,
      });
      expect(repaired.keyHash).not.toBe(first.keyHash);
      // A second repair of the same lost key (another call that saw it fail).
      const late = await p.replaceKey(JANE, {}, 'repair', {
        ifKeyHash: first.keyHash,
      });
      expect(late.keyHash).toBe(repaired.keyHash);
      expect(standIn.keys().map(k => k.token)).toEqual([repaired.keyHash]);
    });

    it('uses a user that already exists when LiteLLM refuses to create one (a licence cap)', async () => {
      await admin('/user/new', {
        user_id: JANE,
        max_budget: 20,
        budget_duration: '1mo',
        auto_create_key: false,
      });
      standIn.setFailureMode({
        mode: 'error',
        status: 403,
        message: 'License is over limit',
        routes: ['/user/new'],
      });
      const record = await provisioner(20).ensureKey(JANE);
      expect(record.status).toBe('active');
      expect(standIn.keys().map(k => k.token)).toEqual([record.keyHash]);

      // No such user: the refusal is the answer.
      await expect(
        provisioner(20).ensureKey('user:default/new.hire'),
      ).rejects.toThrow(/403/);
    });
  },
);
