import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import {
  authProvidersExtensionPoint,
  createOAuthProviderFactory,
} from '@backstage/plugin-auth-node';
import { createAiPortalSignInResolver } from './resolver';
import { createRetryingOidcAuthenticator } from './retryingOidcAuthenticator';
import { ALLOWED_GROUPS_CONFIG_KEY, readSignInPolicy } from './signInPolicy';

/**
 * Company SSO (OpenID Connect) sign-in for the AI portal.
 *
 * Registers the `oidc` auth provider (config: `auth.providers.oidc.<env>`)
 * with the portal's own sign-in resolver, using the stock OIDC authenticator
 * of `@backstage/plugin-auth-backend-module-oidc-provider`, wrapped so that an
 * identity provider that is down at startup doesn't break SSO until restart.
 *
 * Replaces that package's own module, which must not be added as well (both
 * register the provider id `oidc`).
 */
export const authModuleAiPortalOidc = createBackendModule({
  pluginId: 'auth',
  moduleId: 'ai-portal-oidc',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ providers, config, logger }) {
        // Fails startup with a message naming the key on a bad group ref.
        const policy = readSignInPolicy(config);
        if (policy.allowedGroups.length) {
          logger.info(
            `AI portal sign-in admits members of ${policy.allowedGroups.join(
              ', ',
            )} (including their sub-groups)`,
          );
        } else {
          logger.warn(
            `${ALLOWED_GROUPS_CONFIG_KEY} is empty or not set: every employee with a catalog User entity may sign in`,
          );
        }

        providers.registerProvider({
          providerId: 'oidc',
          factory: createOAuthProviderFactory({
            // the stock oidcAuthenticator, retrying a failed IdP discovery
            authenticator: createRetryingOidcAuthenticator({ logger }),
            signInResolver: createAiPortalSignInResolver({ policy, logger }),
          }),
        });
      },
    });
  },
});
