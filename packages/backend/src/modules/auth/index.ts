/**
 * Company SSO (OIDC) sign-in for the AI portal: the `oidc` auth provider with
 * the portal's catalog- and group-based sign-in resolver.
 *
 * Add to the backend with `backend.add(import('./modules/auth'));`.
 */
export { authModuleAiPortalOidc as default } from './module';
export { authModuleAiPortalOidc } from './module';
export { createAiPortalSignInResolver, signInMessages } from './resolver';
export {
  readSignInPolicy,
  ALLOWED_GROUPS_CONFIG_KEY,
  type SignInPolicy,
} from './signInPolicy';
