import { mockServices } from '@backstage/backend-test-utils';
import { ServiceUnavailableError } from '@backstage/errors';
import { KeyVault } from '../../database/KeyVault';
import { LiteLlmBadGatewayError, liteLlmUnavailable } from '../litellm/errors';
import { LiteLlmClient } from '../litellm/LiteLlmClient';
import { BudgetSync, FAILURES_IN_A_ROW_TO_STOP } from './BudgetSync';

describe('BudgetSync', () => {
  const owners = [
    'user:default/a',
    'user:default/b',
    'user:default/c',
    'user:default/gone',
  ];
  /** A vault whose active owners are `all`, in pages after a cursor. */
  const vaultOf = (all: string[]) =>
    ({
      activeOwners: async (after: string | undefined, limit: number) =>
        all.filter(o => after === undefined || o > after).slice(0, limit),
    } as unknown as KeyVault);
  const vault = vaultOf(owners);

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

  const inLine = (ref: string) => ({
    userId: ref,
    user: { user_id: ref, max_budget: 20, budget_duration: '1mo' },
    keys: [],
  });
  const profile = async (ref: string) => ({
    entityRef: ref,
    budget: {
      maxBudget: 20,
      duration: '1mo',
      source: { kind: 'default' as const },
    },
  });

  it('stops between owners when the task is cancelled, and resumes there next time', async () => {
    const abort = new AbortController();
    const asked: string[] = [];
    const sync = new BudgetSync({
      vault,
      client: () =>
        ({
          getUserInfo: async (ref: string) => {
            asked.push(ref);
            if (ref === 'user:default/c') abort.abort();
            return inLine(ref);
          },
        } as unknown as LiteLlmClient),
      profile,
      logger: mockServices.logger.mock(),
      pageSize: 2,
      concurrency: 1,
    });
    expect(await sync.run(abort.signal)).toEqual({
      checked: 3,
      updated: 0,
      failed: 0,
      stopped: 'cancelled',
    });
    // The page that was cut is checked again, then the rest.
    asked.length = 0;
    expect(await sync.run()).toEqual({
      checked: 2,
      updated: 0,
      failed: 0,
      resumedAfter: 'user:default/b',
    });
    expect(asked).toEqual(['user:default/c', 'user:default/gone']);
    // A run that reached the end starts again from the first owner.
    expect(await sync.run()).toEqual({ checked: 4, updated: 0, failed: 0 });
  });

  const tenOwners = Array.from(
    { length: 10 },
    (_, i) => `user:default/u${String(i).padStart(2, '0')}`,
  );
  it.each([
    [
      'LiteLLM down',
      new ServiceUnavailableError('LiteLLM could not be reached'),
    ],
    [
      'the master key refused',
      new LiteLlmBadGatewayError("LiteLLM rejected the portal's credentials", {
        upstreamStatus: 401,
      }),
    ],
    [
      'a wrong base URL',
      new LiteLlmBadGatewayError('LiteLLM has no route for GET /user/info', {
        upstreamStatus: 404,
      }),
    ],
    [
      'the ingress answering for it',
      liteLlmUnavailable({ method: 'GET', path: '/user/info' }, 'answered 503'),
    ],
  ])(
    'stops with one error after failures of LiteLLM itself in a row (%s), and resumes there',
    async (_case, failure) => {
      let down = true;
      const asked: string[] = [];
      const logger = mockServices.logger.mock();
      const sync = new BudgetSync({
        vault: vaultOf(tenOwners),
        client: () =>
          ({
            getUserInfo: async (ref: string) => {
              asked.push(ref);
              if (down && ref >= 'user:default/u04') throw failure;
              return inLine(ref);
            },
          } as unknown as LiteLlmClient),
        profile,
        logger,
        pageSize: 4,
        concurrency: 1,
      });
      expect(await sync.run()).toEqual({
        checked: 4 + FAILURES_IN_A_ROW_TO_STOP,
        updated: 0,
        failed: FAILURES_IN_A_ROW_TO_STOP,
        stopped: 'litellm-unusable',
      });
      expect(logger.error).toHaveBeenCalledTimes(1);
      expect(logger.error).toHaveBeenCalledWith(
        expect.stringContaining(
          'LiteLLM budget sync stopped after 7 key owners; the next run resumes there',
        ),
      );
      // The failures before the stop are each a warning, no more.
      expect(logger.warn).toHaveBeenCalledTimes(FAILURES_IN_A_ROW_TO_STOP - 1);

      down = false;
      asked.length = 0;
      expect(await sync.run()).toMatchObject({
        checked: 6,
        failed: 0,
        resumedAfter: 'user:default/u03',
      });
      expect(asked).toEqual(tenOwners.slice(4));
    },
  );

  it('goes on past one owner that LiteLLM is slow for', async () => {
    const logger = mockServices.logger.mock();
    const sync = new BudgetSync({
      vault: vaultOf(tenOwners),
      client: () =>
        ({
          getUserInfo: async (ref: string) => {
            if (ref === 'user:default/u02') {
              throw new ServiceUnavailableError(
                'LiteLLM did not answer within 10000 ms',
              );
            }
            return inLine(ref);
          },
        } as unknown as LiteLlmClient),
      profile,
      logger,
      pageSize: 4,
    });
    expect(await sync.run()).toEqual({ checked: 10, updated: 0, failed: 1 });
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.error).not.toHaveBeenCalled();
    // Nothing to resume: the next run starts from the first owner.
    expect(await sync.run()).not.toHaveProperty('resumedAfter');
  });

  it('stops after the first failure of a long page, not after every owner', async () => {
    const many = Array.from(
      { length: 50 },
      (_, i) => `user:default/u${String(i).padStart(2, '0')}`,
    );
    let calls = 0;
    const sync = new BudgetSync({
      vault: vaultOf(many),
      client: () =>
        ({
          getUserInfo: async () => {
            calls++;
            throw new ServiceUnavailableError('LiteLLM did not answer');
          },
        } as unknown as LiteLlmClient),
      profile,
      logger: mockServices.logger.mock(),
      concurrency: 4,
    });
    expect(await sync.run()).toMatchObject({
      checked: 4,
      failed: 4,
      stopped: 'litellm-unusable',
    });
    expect(calls).toBe(4);
  });
});
