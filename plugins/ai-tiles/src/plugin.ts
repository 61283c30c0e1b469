import {
  createApiFactory,
  createPlugin,
  createRoutableExtension,
  discoveryApiRef,
  fetchApiRef,
} from '@backstage/core-plugin-api';
import { aiTilesApiRef, AiTilesClient } from './api';
import {
  appRouteRef,
  myAccessRouteRef,
  policyRouteRef,
  rootRouteRef,
} from './routes';

/** Factory of the {@link AiTilesApi}, shared by the legacy and the new frontend system. */
export const aiTilesApiFactory = createApiFactory({
  api: aiTilesApiRef,
  deps: { discoveryApi: discoveryApiRef, fetchApi: fetchApiRef },
  factory: ({ discoveryApi, fetchApi }) =>
    new AiTilesClient({ discoveryApi, fetchApi }),
});

/**
 * The AI portal frontend plugin for legacy (core-plugin-api) apps. Apps on
 * the new frontend system use the default export of
 * `@internal/plugin-ai-tiles/alpha` instead.
 */
export const aiTilesPlugin = createPlugin({
  id: 'ai-tiles',
  apis: [aiTilesApiFactory],
  routes: {
    root: rootRouteRef,
    app: appRouteRef,
    policy: policyRouteRef,
    myAccess: myAccessRouteRef,
  },
});

/** The tiles page; mount at `/`. */
export const AiTilesPage = aiTilesPlugin.provide(
  createRoutableExtension({
    name: 'AiTilesPage',
    component: () => import('./components/TilesPage').then(m => m.TilesPage),
    mountPoint: rootRouteRef,
  }),
);

/** The page of one AI app; mount at `/ai/apps/:namespace/:name`. */
export const AiAppPage = aiTilesPlugin.provide(
  createRoutableExtension({
    name: 'AiAppPage',
    component: () => import('./components/AppPage').then(m => m.AiAppPage),
    mountPoint: appRouteRef,
  }),
);

/** The acceptable-use policy page; mount at `/ai/policy`. */
export const AiPolicyPage = aiTilesPlugin.provide(
  createRoutableExtension({
    name: 'AiPolicyPage',
    component: () =>
      import('./components/PolicyPage').then(m => m.AiPolicyPage),
    mountPoint: policyRouteRef,
  }),
);

/** The signed-in employee's "My AI access" page; mount at `/ai/me`. */
export const AiMyAccessPage = aiTilesPlugin.provide(
  createRoutableExtension({
    name: 'AiMyAccessPage',
    component: () =>
      import('./components/MyAccessPage').then(m => m.AiMyAccessPage),
    mountPoint: myAccessRouteRef,
  }),
);
