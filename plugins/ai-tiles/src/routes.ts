import { createRouteRef } from '@backstage/core-plugin-api';

/** The tiles page, the portal's home page (mounted at `/`). */
export const rootRouteRef = createRouteRef({ id: 'ai-tiles' });

/** The page of one AI app (mounted at `/ai/apps/:namespace/:name`). */
export const appRouteRef = createRouteRef({
  id: 'ai-tiles:app',
  params: ['namespace', 'name'],
});

/** The acceptable-use policy page (mounted at `/ai/policy`). */
export const policyRouteRef = createRouteRef({ id: 'ai-tiles:policy' });

/** The signed-in employee's "My AI access" page: budget, API key, examples (mounted at `/ai/me`). */
export const myAccessRouteRef = createRouteRef({ id: 'ai-tiles:my-access' });

/** Default paths, used by the app wiring and as fallbacks when a route is not bound. */
export const AI_TILES_PATHS = {
  root: '/',
  app: '/ai/apps/:namespace/:name',
  appBase: '/ai/apps',
  policy: '/ai/policy',
  myAccess: '/ai/me',
} as const;
