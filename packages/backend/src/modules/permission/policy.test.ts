import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import {
  catalogEntityDeletePermission,
  catalogEntityReadPermission,
  catalogLocationCreatePermission,
} from '@backstage/plugin-catalog-common/alpha';
import { unprocessedEntitiesDeletePermission } from '@backstage/plugin-catalog-unprocessed-entities-common';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { AiPortalPermissionPolicy } from './policy';

const user = (ref: string) => ({
  credentials: mockCredentials.user(ref),
  info: { userEntityRef: ref, ownershipEntityRefs: [] },
});

function policy(admins: string[], ownership: string[]) {
  return new AiPortalPermissionPolicy({
    admins,
    userInfo: mockServices.userInfo({ ownershipEntityRefs: ownership }),
  });
}

const decide = (
  p: AiPortalPermissionPolicy,
  permission: { name: string; attributes: object; type: string },
  who = user('user:default/jane.doe'),
) => p.handle({ permission } as never, who).then(d => d.result);

describe('AiPortalPermissionPolicy', () => {
  it('lets every employee read', async () => {
    const p = policy(['group:default/ai-admins'], ['user:default/jane.doe']);
    expect(await decide(p, catalogEntityReadPermission)).toBe(
      AuthorizeResult.ALLOW,
    );
  });

  it.each([
    catalogEntityDeletePermission,
    catalogLocationCreatePermission,
    unprocessedEntitiesDeletePermission,
  ])('keeps $name for administrators', async permission => {
    const employee = policy(
      ['group:default/ai-admins'],
      ['user:default/jane.doe', 'group:default/legal'],
    );
    expect(await decide(employee, permission)).toBe(AuthorizeResult.DENY);

    const admin = policy(
      ['group:default/ai-admins'],
      ['user:default/ada.admin', 'group:default/AI-Admins'],
    );
    expect(await decide(admin, permission)).toBe(AuthorizeResult.ALLOW);

    const namedUser = policy(
      ['user:default/jane.doe'],
      ['user:default/jane.doe'],
    );
    expect(await decide(namedUser, permission)).toBe(AuthorizeResult.ALLOW);
  });

  it('denies catalog changes without administrators or without a user', async () => {
    const none = policy([], ['group:default/ai-admins']);
    expect(await decide(none, catalogLocationCreatePermission)).toBe(
      AuthorizeResult.DENY,
    );
    const p = policy(['group:default/ai-admins'], ['group:default/ai-admins']);
    expect(
      await p
        .handle({ permission: catalogLocationCreatePermission } as never)
        .then(d => d.result),
    ).toBe(AuthorizeResult.DENY);
  });
});
