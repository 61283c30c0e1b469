import { ConfigApi } from '@backstage/frontend-plugin-api';

/** Sign-in methods the portal's sign-in page can offer. */
export type SignInProviderId = 'guest' | 'oidc';

const KNOWN: readonly SignInProviderId[] = ['guest', 'oidc'];

export const SIGN_IN_PROVIDERS_CONFIG_KEY = 'aiPortal.signIn.providers';

/**
 * Which sign-in methods the sign-in page offers, in order.
 *
 * 1. `aiPortal.signIn.providers` (declared frontend-visible in ./config.d.ts),
 *    when set: the listed methods, unknown names ignored. Production sets
 *    `[oidc]`.
 * 2. Otherwise `auth.environment: production` (frontend-visible, also used by
 *    the auth API) means company SSO only: the backend refuses guest sign-in
 *    outside development anyway.
 * 3. Otherwise (development): `guest`, the embedded default, plus `oidc` when
 *    `auth.providers.oidc` reaches the browser.
 *
 * `auth.providers.*` is not a reliable signal in the browser: those keys are
 * only visible through another plugin's schema, and a provider block without
 * nested objects (such as `guest: {}` or `guest: { userEntityRef }`) is
 * filtered out entirely. Hence the explicit key.
 */
export function selectSignInProviders(config: ConfigApi): SignInProviderId[] {
  const explicit = config
    .getOptionalStringArray(SIGN_IN_PROVIDERS_CONFIG_KEY)
    ?.map(id => id.trim().toLocaleLowerCase('en-US'))
    .filter((id): id is SignInProviderId =>
      KNOWN.includes(id as SignInProviderId),
    );
  if (explicit?.length) {
    return Array.from(new Set(explicit));
  }

  if (config.getOptionalString('auth.environment') === 'production') {
    return ['oidc'];
  }
  return config.has('auth.providers.oidc') ? ['guest', 'oidc'] : ['guest'];
}
