/**
 * Frontend-visible configuration of the AI portal's sign-in page.
 *
 * Referenced from packages/app/package.json
 * (`"configSchema": "src/modules/auth/config.d.ts"`): the browser only
 * receives keys declared with `@visibility frontend` in the app's own
 * dependency tree, so this schema has to be part of the app package.
 */
export interface Config {
  aiPortal?: {
    signIn?: {
      /**
       * Sign-in methods offered on the sign-in page, in order: `oidc`
       * (company SSO) and/or `guest` (local development only).
       * Not set: derived from `auth.environment` and `auth.providers`
       * (production offers only `oidc`).
       * @visibility frontend
       */
      providers?: Array<'guest' | 'oidc'>;
    };
  };
}
