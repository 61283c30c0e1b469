import { LoggerService } from '@backstage/backend-plugin-api';
import { Config } from '@backstage/config';
import { ServiceUnavailableError } from '@backstage/errors';
import {
  OAuthAuthenticator,
  createOAuthAuthenticator,
} from '@backstage/plugin-auth-node';
import {
  OidcAuthResult,
  oidcAuthenticator,
} from '@backstage/plugin-auth-backend-module-oidc-provider';

type OidcContext = ReturnType<typeof oidcAuthenticator.initialize>;

interface RetryingContext {
  init: { callbackUrl: string; config: Config };
  current: OidcContext;
}

/**
 * The stock `oidcAuthenticator`, made to survive an identity provider that is
 * unreachable when the backend starts.
 *
 * The stock authenticator fetches the IdP's discovery document once, at
 * startup, and keeps a failed attempt forever: company SSO then stays broken
 * until the backend restarts (typical when the IdP and the portal restart
 * together). This wrapper repeats the discovery on the next sign-in attempt
 * after a failure; everything else is delegated unchanged.
 */
export function createRetryingOidcAuthenticator(options: {
  logger: LoggerService;
  authenticator?: OAuthAuthenticator<OidcContext, OidcAuthResult>;
}): OAuthAuthenticator<RetryingContext, OidcAuthResult> {
  const { logger, authenticator = oidcAuthenticator } = options;

  const initialize = (init: RetryingContext['init']): OidcContext => {
    const ctx = authenticator.initialize(init);
    // Failures are handled when the context is used; don't let a failed
    // discovery surface as an unhandled rejection in the meantime.
    ctx.promise.catch(() => {});
    return ctx;
  };

  const ready = async (holder: RetryingContext): Promise<OidcContext> => {
    const ctx = holder.current;
    try {
      await ctx.promise;
      return ctx;
    } catch (error) {
      if (holder.current === ctx) {
        logger.warn(
          `OIDC discovery at the identity provider failed (${error}); retrying`,
        );
        holder.current = initialize(holder.init);
      }
      try {
        await holder.current.promise;
        return holder.current;
      } catch (retryError) {
        throw new ServiceUnavailableError(
          'The company sign-in service could not be reached; try again in a moment',
          retryError,
        );
      }
    }
  };

  return createOAuthAuthenticator<RetryingContext, OidcAuthResult>({
    defaultProfileTransform: authenticator.defaultProfileTransform,
    scopes: authenticator.scopes,
    shouldPersistScopes: authenticator.shouldPersistScopes,
    initialize(init) {
      return { init, current: initialize(init) };
    },
    async start(input, holder) {
      return authenticator.start(input, await ready(holder));
    },
    async authenticate(input, holder) {
      return authenticator.authenticate(input, await ready(holder));
    },
    async refresh(input, holder) {
      return authenticator.refresh(input, await ready(holder));
    },
    async logout(input, holder) {
      return authenticator.logout?.(input, await ready(holder));
    },
  });
}
