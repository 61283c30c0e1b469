import { UserInfoService } from '@backstage/backend-plugin-api';
import {
  catalogEntityCreatePermission,
  catalogEntityDeletePermission,
  catalogIngestionManagePermission,
  catalogLocationCreatePermission,
  catalogLocationDeletePermission,
} from '@backstage/plugin-catalog-common/alpha';
import { unprocessedEntitiesDeletePermission } from '@backstage/plugin-catalog-unprocessed-entities-common';
import {
  AuthorizeResult,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';

/**
 * What only administrators may do: change what the catalog holds. Everyone
 * else's tiles, users and groups come and go with their catalog files and
 * the company directory, not with a click or an API call.
 */
export const ADMIN_ONLY_PERMISSIONS = new Set(
  [
    catalogEntityCreatePermission,
    catalogEntityDeletePermission,
    catalogIngestionManagePermission,
    catalogLocationCreatePermission,
    catalogLocationDeletePermission,
    unprocessedEntitiesDeletePermission,
  ].map(permission => permission.name),
);

/**
 * The AI portal's permission policy: reading is open to every signed-in
 * employee, changing the catalog is for the administrators
 * (`aiPortal.admins`). Service-to-service calls never reach a policy.
 */
export class AiPortalPermissionPolicy implements PermissionPolicy {
  private readonly admins: Set<string>;

  constructor(
    private readonly options: {
      /** Lower-cased entity refs of the administrators (users or groups). */
      admins: string[];
      userInfo: UserInfoService;
    },
  ) {
    this.admins = new Set(options.admins);
  }

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    if (!ADMIN_ONLY_PERMISSIONS.has(request.permission.name)) {
      return { result: AuthorizeResult.ALLOW };
    }
    if (!user || this.admins.size === 0) {
      return { result: AuthorizeResult.DENY };
    }
    const { ownershipEntityRefs } = await this.options.userInfo.getUserInfo(
      user.credentials,
    );
    const isAdmin = ownershipEntityRefs.some(ref =>
      this.admins.has(ref.toLocaleLowerCase('en-US')),
    );
    return { result: isAdmin ? AuthorizeResult.ALLOW : AuthorizeResult.DENY };
  }
}
