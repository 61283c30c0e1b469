import { mockServices } from '@backstage/backend-test-utils';
import { KeyVault } from '../../database/KeyVault';
import { LiteLlmClient } from '../litellm/LiteLlmClient';
import { BudgetSync } from './BudgetSync';

describe('BudgetSync', () => {
  const owners = [
    'user:default/a',
    'user:default/b',
    'user:default/c',
    'user:default/gone',
  ];
  const vault = {
    activeOwners: async (after: string | undefined, limit: number) =>
      owners.filter(o => after === undefined || o > after).slice(0, limit),
  } as unknown as KeyVault;

  it('pages through every owner, writes only differing budgets, and survives one failure', async () => {
    const updates: Array<{ user_id: string; max_budget?: number }> = [];
    const client = {
      getUserInfo: async (ref: string) => {
        if (ref === 'user:default/b') throw new Error('LiteLLM answered 500');
        return {
          userId: ref,
          user: {
            user_id: ref,
            max_budget: ref === 'user:default/a' ? 20 : 5,
            budget_duration: '1mo',
          },
          keys: [],
        };
      },
      updateUser: async (body: { user_id: string; max_budget?: number }) => {
        updates.push(body);
      },
    } as unknown as LiteLlmClient;
    const invalidated: string[] = [];
    const logger = mockServices.logger.mock();
    const sync = new BudgetSync({
      vault,
      client: () => client,
      profile: async ref => ({
        entityRef: ref,
        budget: { maxBudget: 20, duration: '1mo', source: { kind: 'default' } },
        ...(ref.endsWith('/gone') ? { notInCatalog: true as const } : {}),
      }),
      onUpdated: async ref => {
        invalidated.push(ref);
      },
      logger,
      pageSize: 2,
    });

    // `gone` left the catalog: its budget (5 at LiteLLM) is left alone.
    expect(await sync.run()).toEqual({ checked: 4, updated: 1, failed: 1 });
    expect(updates).toEqual([{ user_id: 'user:default/c', max_budget: 20 }]);
    expect(invalidated).toEqual(['user:default/c']);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('user:default/b'),
    );
  });

  it('stops between owners when the task is cancelled', async () => {
    const abort = new AbortController();
    abort.abort();
    const sync = new BudgetSync({
      vault,
      client: () => ({} as LiteLlmClient),
      profile: async () => {
        throw new Error('not reached');
      },
      logger: mockServices.logger.mock(),
    });
    expect(await sync.run(abort.signal)).toEqual({
      checked: 0,
      updated: 0,
      failed: 0,
    });
  });
});
