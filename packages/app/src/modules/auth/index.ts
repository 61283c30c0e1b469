/**
 * Sign-in for the AI portal: the company SSO (OIDC) auth API and the sign-in
 * page. Add `authModule` to the app's features (packages/app/src/App.tsx).
 */
import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { oidcAuthApi } from './oidcAuthApi';
import { signInPage } from './SignInPage';

export const authModule = createFrontendModule({
  pluginId: 'app',
  extensions: [oidcAuthApi, signInPage],
});

export { oidcAuthApiRef, OIDC_PROVIDER_TITLE } from './oidcAuthApi';
export {
  selectSignInProviders,
  type SignInProviderId,
} from './signInProviders';
