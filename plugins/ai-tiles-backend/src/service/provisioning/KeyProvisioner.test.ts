import { TestDatabases, mockServices } from '@backstage/backend-test-utils';
import { LiteLlmStandIn, startLiteLlmStandIn } from '@internal/litellm-standin';
import { Knex } from 'knex';
import { ENC_OLD, MASTER_KEY } from '../../__testUtils__/access';
import { KeyVault } from '../../database/KeyVault';
import { applyMigrations } from '../../database/migrations';
import { KeyEncryption } from '../crypto/KeyEncryption';
import { LiteLlmClient } from '../litellm/LiteLlmClient';
import { KeyProvisioner, ZERO_BUDGET, keyAliasFor } from './KeyProvisioner';

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
    ) {
      const fetchWithHook: typeof fetch = async (input, init) => {
        const url = new URL(String(input));
        await before?.(init?.method ?? 'GET', url.pathname);
        return fetch(input, init);
      };
      const client = new LiteLlmClient({
        baseUrl: standIn.url,
        masterKey: MASTER_KEY,
        fetch: fetchWithHook,
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
      // Second run: recognised as equal, nothing to update.
      const updates: string[] = [];
      await provisioner(0, async (_method, path) => {
        if (path === '/user/update') updates.push(path);
      }).replaceKey(JANE);
      expect(updates).toEqual([]);
    });
  },
);
