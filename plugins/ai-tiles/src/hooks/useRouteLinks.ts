import { RouteRef, useRouteRef } from '@backstage/core-plugin-api';
import { useCallback } from 'react';
import {
  AI_TILES_PATHS,
  appRouteRef,
  myAccessRouteRef,
  policyRouteRef,
  rootRouteRef,
} from '../routes';

type AppParams = { namespace: string; name: string };

/*
 * `useRouteRef` throws when the app has not mounted a route (a legacy app that
 * mounts only the tiles page, or an NFS app that disabled a page in config).
 * The links then fall back to the default paths instead of breaking the home
 * page. `useRouteRef` runs all of its own hooks before it throws, so catching
 * keeps the hook order identical on every render.
 */

/** Link to the page of one AI app (`/ai/apps/:namespace/:name`). */
export function useAppPageLink(): (params: AppParams) => string {
  let route: ((params: AppParams) => string) | undefined;
  try {
    // eslint-disable-next-line react-hooks/rules-of-hooks -- see above
    route = useRouteRef(appRouteRef);
  } catch {
    route = undefined;
  }
  return useCallback(
    (params: AppParams) =>
      route
        ? route(params)
        : `${AI_TILES_PATHS.appBase}/${encodeURIComponent(
            params.namespace,
          )}/${encodeURIComponent(params.name)}`,
    [route],
  );
}

/** Link to a page without parameters, or its default path. */
function usePageLink(routeRef: RouteRef<undefined>, fallback: string): string {
  try {
    return useRouteRef(routeRef)();
  } catch {
    return fallback;
  }
}

/** Link to the acceptable-use policy page (`/ai/policy`). */
export const usePolicyPageLink = (): string =>
  usePageLink(policyRouteRef, AI_TILES_PATHS.policy);

/** Link to the tiles page (`/`). */
export const useTilesPageLink = (): string =>
  usePageLink(rootRouteRef, AI_TILES_PATHS.root);

/** Link to the "My AI access" page (`/ai/me`). */
export const useMyAccessPageLink = (): string =>
  usePageLink(myAccessRouteRef, AI_TILES_PATHS.myAccess);
