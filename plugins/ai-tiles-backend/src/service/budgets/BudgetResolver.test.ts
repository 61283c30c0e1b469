import { mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { BudgetConfig } from '../../config/accessConfig';
import { EmployeeDirectory, resolveBudget } from './BudgetResolver';

const budgets = (over: Partial<BudgetConfig> = {}): BudgetConfig => ({
  default: 20,
  duration: '1mo',
  groups: [],
  users: [],
  ...over,
});

describe('resolveBudget', () => {
  const jane = 'user:default/jane.doe';

  it('uses the default without overrides', () => {
    expect(resolveBudget(budgets(), jane, new Map())).toEqual({
      maxBudget: 20,
      duration: '1mo',
      source: { kind: 'default' },
    });
  });

  it('prefers the closest group, then the higher budget on a tie', () => {
    const config = budgets({
      groups: [
        { group: 'group:default/engineering', maxBudget: 100 },
        { group: 'group:default/legal', maxBudget: 50 },
        { group: 'group:default/ml', maxBudget: 80 },
      ],
    });
    // legal is direct (1), engineering its parent (2): legal wins although lower.
    expect(
      resolveBudget(
        config,
        jane,
        new Map([
          ['group:default/legal', 1],
          ['group:default/engineering', 2],
        ]),
      ),
    ).toMatchObject({
      maxBudget: 50,
      source: { group: 'group:default/legal', distance: 1 },
    });
    // Two direct groups: the higher budget.
    expect(
      resolveBudget(
        config,
        jane,
        new Map([
          ['group:default/legal', 1],
          ['group:default/ml', 1],
        ]),
      ),
    ).toMatchObject({ maxBudget: 80 });
  });

  it('lets a user override win over every group', () => {
    const config = budgets({
      groups: [{ group: 'group:default/legal', maxBudget: 50 }],
      users: [{ user: jane, maxBudget: 5 }],
    });
    expect(
      resolveBudget(config, jane, new Map([['group:default/legal', 1]])),
    ).toMatchObject({ maxBudget: 5, source: { kind: 'user' } });
  });
});

const user = (name: string, memberOf: string[]): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name, namespace: 'default' },
  spec: {
    profile: { email: `${name}@example.com`, displayName: name.toUpperCase() },
    memberOf,
  },
  relations: memberOf.map(g => ({
    type: 'memberOf',
    targetRef: `group:default/${g}`,
  })),
});

const group = (name: string, parent?: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name, namespace: 'default' },
  spec: { type: 'team', children: [], ...(parent ? { parent } : {}) },
  relations: parent
    ? [{ type: 'childOf', targetRef: `group:default/${parent}` }]
    : [],
});

describe('EmployeeDirectory', () => {
  // company ← engineering ← platform ← sre;  company ← legal
  const entities = [
    group('company'),
    group('engineering', 'company'),
    group('platform', 'engineering'),
    group('sre', 'platform'),
    group('legal', 'company'),
    user('jane.doe', ['sre']),
    user('lee', ['legal', 'sre']),
    user('solo', []),
  ];

  const directory = (config: BudgetConfig) => {
    const catalog = catalogServiceMock({ entities });
    const getEntityByRef = jest.spyOn(catalog, 'getEntityByRef');
    const getEntitiesByRefs = jest.spyOn(catalog, 'getEntitiesByRefs');
    const dir = new EmployeeDirectory({
      catalog,
      auth: mockServices.auth(),
      cache: mockServices.cache.mock({
        get: async () => undefined,
        set: async () => {},
      }),
      logger: mockServices.logger.mock(),
      budgets: config,
    });
    return { dir, getEntityByRef, getEntitiesByRefs };
  };

  it('reads e-mail and name from the User entity; one catalog call without group overrides', async () => {
    const { dir, getEntityByRef, getEntitiesByRefs } = directory(budgets());
    await expect(dir.getProfile('user:default/jane.doe')).resolves.toEqual({
      entityRef: 'user:default/jane.doe',
      email: 'jane.doe@example.com',
      displayName: 'JANE.DOE',
      budget: { maxBudget: 20, duration: '1mo', source: { kind: 'default' } },
    });
    expect(getEntityByRef).toHaveBeenCalledTimes(1);
    expect(getEntitiesByRefs).not.toHaveBeenCalled();
  });

  it('walks up the hierarchy one level per request and stops at the nearest override', async () => {
    const { dir, getEntitiesByRefs } = directory(
      budgets({
        groups: [
          { group: 'group:default/company', maxBudget: 10 },
          { group: 'group:default/engineering', maxBudget: 100 },
        ],
      }),
    );
    const profile = await dir.getProfile('user:default/jane.doe');
    expect(profile.budget).toEqual({
      maxBudget: 100,
      duration: '1mo',
      source: {
        kind: 'group',
        group: 'group:default/engineering',
        distance: 3,
      },
    });
    // sre (1) → platform (2) → engineering (3): two batched reads, never the company level.
    expect(getEntitiesByRefs).toHaveBeenCalledTimes(2);
  });

  it('uses the nearest group across several memberships and the default when none matches', async () => {
    const { dir } = directory(
      budgets({
        groups: [
          { group: 'group:default/engineering', maxBudget: 100 },
          { group: 'group:default/legal', maxBudget: 30 },
        ],
      }),
    );
    // lee: legal (1) beats engineering (3).
    expect((await dir.getProfile('user:default/lee')).budget.maxBudget).toBe(
      30,
    );
    expect((await dir.getProfile('user:default/solo')).budget.maxBudget).toBe(
      20,
    );
    // Not in the catalog: default budget, no e-mail, and said so.
    await expect(dir.getProfile('user:default/ghost')).resolves.toEqual({
      entityRef: 'user:default/ghost',
      budget: { maxBudget: 20, duration: '1mo', source: { kind: 'default' } },
      notInCatalog: true,
    });
  });
});
