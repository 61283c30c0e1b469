import { Entity } from '@backstage/catalog-model';
import { NotFoundError, ConflictError } from '@backstage/errors';
import { mockServices } from '@backstage/backend-test-utils';
import { AuthResolverContext } from '@backstage/plugin-auth-node';
import { createAiPortalSignInResolver } from './resolver';

function group(name: string, parent?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name, namespace: 'default' },
    spec: { type: 'team', children: [], ...(parent ? { parent } : {}) },
    relations: parent
      ? [{ type: 'childOf', targetRef: `group:default/${parent}` }]
      : [],
  };
}

function user(name: string, email: string, memberOf: string[]): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'User',
    metadata: { name, namespace: 'default' },
    spec: { profile: { email }, memberOf },
    relations: memberOf.map(g => ({
      type: 'memberOf',
      targetRef: `group:default/${g}`,
    })),
  };
}

// The demo organisation of catalog/org.yaml.
const entities: Entity[] = [
  group('employees'),
  group('legal', 'employees'),
  group('finance', 'employees'),
  group('contractors'),
  user('jane.doe', 'jane.doe@example.com', ['legal']),
  user('carl.contractor', 'carl.contractor@example.com', ['contractors']),
  user('guest', 'guest@example.com', ['employees']),
  user('twin.a', 'twin@example.com', ['legal']),
  user('twin.b', 'twin@example.com', ['legal']),
];

const refOf = (e: Entity) =>
  `${e.kind}:${e.metadata.namespace}/${e.metadata.name}`.toLocaleLowerCase();

function mockContext(): jest.Mocked<AuthResolverContext> {
  return {
    issueToken: jest.fn(async ({ claims }) => ({
      token: `token-for-${claims.sub}`,
    })),
    findCatalogUser: jest.fn(async query => {
      if ('entityRef' in query) {
        const ref = String(query.entityRef).toLocaleLowerCase();
        const found = entities.find(e => refOf(e) === ref);
        if (!found) throw new NotFoundError('User not found');
        return { entity: found };
      }
      if ('filter' in query) {
        const filter = query.filter as Record<string, string>;
        const email = filter['spec.profile.email'];
        const matches = entities.filter(
          e =>
            e.kind === 'User' &&
            // the catalog compares case-insensitively
            String((e.spec as any).profile.email).toLocaleLowerCase() ===
              email.toLocaleLowerCase(),
        );
        if (matches.length > 1) {
          throw new ConflictError('User lookup resulted in multiple matches');
        }
        if (!matches.length) throw new NotFoundError('User not found');
        return { entity: matches[0] };
      }
      throw new Error('unexpected query');
    }),
    signInWithCatalogUser: jest
      .fn()
      .mockRejectedValue(new Error('not used by the resolver')),
    resolveOwnershipEntityRefs: jest.fn(async entity => ({
      ownershipEntityRefs: [
        refOf(entity),
        ...(entity.relations ?? [])
          .filter(r => r.type === 'memberOf')
          .map(r => r.targetRef),
      ],
    })),
  };
}

const profile = (email?: string) => ({
  profile: { email, displayName: 'Someone' },
  result: {},
});

describe('createAiPortalSignInResolver', () => {
  const logger = mockServices.logger.mock();

  const resolver = createAiPortalSignInResolver({
    policy: { allowedGroups: ['group:default/employees'] },
    logger,
  });

  it('admits a member of a sub-group of an allowed group', async () => {
    const ctx = mockContext();
    await expect(
      resolver(profile('Jane.Doe@Example.com'), ctx),
    ).resolves.toEqual({ token: 'token-for-user:default/jane.doe' });

    // looked up by lower-cased e-mail
    expect(ctx.findCatalogUser).toHaveBeenCalledWith({
      filter: { kind: 'User', 'spec.profile.email': 'jane.doe@example.com' },
    });
    expect(ctx.issueToken).toHaveBeenCalledWith({
      claims: {
        sub: 'user:default/jane.doe',
        ent: ['user:default/jane.doe', 'group:default/legal'],
      },
    });
  });

  it('admits a direct member of an allowed group without group lookups', async () => {
    const ctx = mockContext();
    await expect(resolver(profile('guest@example.com'), ctx)).resolves.toEqual({
      token: 'token-for-user:default/guest',
    });
    expect(ctx.findCatalogUser).toHaveBeenCalledTimes(1);
  });

  it('refuses a user who is not in an allowed group', async () => {
    const ctx = mockContext();
    await expect(
      resolver(profile('carl.contractor@example.com'), ctx),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message:
        'carl.contractor@example.com is not in a group allowed to use the AI portal',
    });
    expect(ctx.issueToken).not.toHaveBeenCalled();
  });

  it('refuses an e-mail without a User entity', async () => {
    const ctx = mockContext();
    await expect(
      resolver(profile('Nobody@example.com'), ctx),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message:
        'No employee profile found for nobody@example.com; ask the AI platform team to add you to the catalog',
    });
    expect(ctx.issueToken).not.toHaveBeenCalled();
  });

  it('refuses a profile without an e-mail', async () => {
    const ctx = mockContext();
    await expect(resolver(profile(undefined), ctx)).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringMatching(/did not return a verified e-mail/),
    });
    await expect(resolver(profile('  '), ctx)).rejects.toMatchObject({
      name: 'NotAllowedError',
    });
    expect(ctx.findCatalogUser).not.toHaveBeenCalled();
    expect(ctx.issueToken).not.toHaveBeenCalled();
  });

  it('refuses an e-mail shared by several User entities', async () => {
    const ctx = mockContext();
    await expect(
      resolver(profile('twin@example.com'), ctx),
    ).rejects.toMatchObject({
      name: 'NotAllowedError',
      message: expect.stringMatching(/Several employee profiles use twin@/),
    });
  });

  it('admits every catalog user when no groups are configured', async () => {
    const open = createAiPortalSignInResolver({
      policy: { allowedGroups: [] },
      logger,
    });
    const ctx = mockContext();
    await expect(
      open(profile('carl.contractor@example.com'), ctx),
    ).resolves.toEqual({ token: 'token-for-user:default/carl.contractor' });
    await expect(
      open(profile('nobody@example.com'), ctx),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
  });

  it('reports an unreachable catalog without leaking details', async () => {
    const ctx = mockContext();
    ctx.findCatalogUser.mockRejectedValue(
      new Error('connect ECONNREFUSED; Authorization: Bearer secret-token'),
    );
    const error = await resolver(profile('jane.doe@example.com'), ctx).catch(
      e => e,
    );
    expect(error.name).toBe('ServiceUnavailableError');
    expect(error.message).not.toMatch(/secret-token/);
  });

  it('survives cycles and dangling groups in the hierarchy', async () => {
    const ctx = mockContext();
    const loopA = group('loop-a', 'loop-b');
    const loopB = group('loop-b', 'loop-a');
    const looper = user('looper', 'looper@example.com', ['loop-a', 'gone']);
    ctx.findCatalogUser.mockImplementation(async query => {
      if ('filter' in query) return { entity: looper };
      const ref = String((query as any).entityRef);
      if (ref === 'group:default/loop-a') return { entity: loopA };
      if (ref === 'group:default/loop-b') return { entity: loopB };
      throw new NotFoundError('User not found');
    });
    await expect(
      resolver(profile('looper@example.com'), ctx),
    ).rejects.toMatchObject({ name: 'NotAllowedError' });
    // loop-a, gone, loop-b: each looked up once
    expect(ctx.findCatalogUser).toHaveBeenCalledTimes(4);
  });
});
