import { useMemo } from 'react';
import { SignInPage as CoreSignInPage } from '@backstage/core-components';
import { configApiRef, useApi } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';
import type { SignInPageProps } from '@backstage/plugin-app-react';
import { OIDC_PROVIDER_TITLE, oidcAuthApiRef } from './oidcAuthApi';
import { selectSignInProviders } from './signInProviders';

const oidcProvider = {
  id: 'oidc',
  title: OIDC_PROVIDER_TITLE,
  message: 'Sign in with your company account',
  apiRef: oidcAuthApiRef,
};

/**
 * The portal's sign-in page: company SSO and/or guest, chosen from config
 * (see selectSignInProviders). A refused sign-in (no employee profile, not in
 * an allowed group) is shown as the error message the backend sent.
 */
export function AiPortalSignInPage(props: SignInPageProps) {
  const configApi = useApi(configApiRef);
  const providers = useMemo(
    () =>
      selectSignInProviders(configApi).map(id =>
        id === 'oidc' ? oidcProvider : ('guest' as const),
      ),
    [configApi],
  );
  return <CoreSignInPage {...props} align="center" providers={providers} />;
}

export const signInPage = SignInPageBlueprint.make({
  params: {
    loader: async () => AiPortalSignInPage,
  },
});
