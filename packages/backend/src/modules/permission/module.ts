import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { ADMINS_CONFIG_KEY, readAdminRefs } from './admins';
import { AiPortalPermissionPolicy } from './policy';

/**
 * The AI portal's permission policy (see {@link AiPortalPermissionPolicy}):
 * every signed-in employee reads, the administrators of `aiPortal.admins`
 * change the catalog. Replaces the allow-all policy.
 */
export const permissionModuleAiPortalPolicy = createBackendModule({
  pluginId: 'permission',
  moduleId: 'ai-portal-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        policy: policyExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
        userInfo: coreServices.userInfo,
      },
      async init({ policy, config, logger, userInfo }) {
        // Fails startup with the entry to fix on a bad ref.
        const admins = readAdminRefs(config);
        if (admins.length === 0) {
          logger.warn(
            `${ADMINS_CONFIG_KEY} is empty or not set: nobody may change the catalog through Backstage (register or delete locations and entities)`,
          );
        }
        policy.setPolicy(new AiPortalPermissionPolicy({ admins, userInfo }));
      },
    });
  },
});
