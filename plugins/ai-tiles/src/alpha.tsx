import {
  ApiBlueprint,
  createFrontendPlugin,
  PageBlueprint,
} from '@backstage/frontend-plugin-api';
import AppsIcon from '@material-ui/icons/Apps';
import VpnKeyIcon from '@material-ui/icons/VpnKey';
import { aiTilesApiFactory } from './plugin';
import {
  AI_TILES_PATHS,
  appRouteRef,
  myAccessRouteRef,
  policyRouteRef,
  rootRouteRef,
} from './routes';

/** `api:ai-tiles` — the {@link AiTilesApi} client. */
const aiTilesApi = ApiBlueprint.make({
  params: defineParams => defineParams(aiTilesApiFactory),
});

/**
 * `page:ai-tiles` — the tiles page at `/`, the portal's home page. It renders
 * its own title and search, so the framework header is off. Its title and
 * icon make it the "AI Apps" nav item.
 */
const tilesPage = PageBlueprint.make({
  params: {
    path: AI_TILES_PATHS.root,
    routeRef: rootRouteRef,
    title: 'AI Apps',
    icon: <AppsIcon fontSize="inherit" />,
    noHeader: true,
    loader: () =>
      import('./components/TilesPage').then(m => <m.NfsTilesPage />),
  },
});

/**
 * `page:ai-tiles/app` — one AI app at `/ai/apps/:namespace/:name`.
 * No icon (neither here nor on the plugin), so it is not a nav item.
 */
const appPage = PageBlueprint.make({
  name: 'app',
  params: {
    path: AI_TILES_PATHS.app,
    routeRef: appRouteRef,
    loader: () => import('./components/AppPage').then(m => <m.NfsAiAppPage />),
  },
});

/**
 * `page:ai-tiles/policy` — the acceptable-use policy at `/ai/policy`.
 * No icon, so it is not a nav item.
 */
const policyPage = PageBlueprint.make({
  name: 'policy',
  params: {
    path: AI_TILES_PATHS.policy,
    routeRef: policyRouteRef,
    loader: () =>
      import('./components/PolicyPage').then(m => <m.NfsAiPolicyPage />),
  },
});

/**
 * `page:ai-tiles/my-access` — "My AI access" at `/ai/me`: the employee's
 * budget, personal API key and code examples. Its own title and icon make it
 * a nav item (the title differs from the plugin's, so the nav uses it).
 */
const myAccessPage = PageBlueprint.make({
  name: 'my-access',
  params: {
    path: AI_TILES_PATHS.myAccess,
    routeRef: myAccessRouteRef,
    title: 'My AI access',
    icon: <VpnKeyIcon fontSize="inherit" />,
    loader: () =>
      import('./components/MyAccessPage').then(m => <m.NfsMyAccessPage />),
  },
});

/**
 * The AI portal frontend plugin for the new frontend system. `packages/app`
 * discovers it through `app.packages: all`.
 *
 * The plugin deliberately has no `icon`: the app derives nav items from every
 * page that has a route ref, a title and an icon (falling back to the
 * plugin's), so only the tiles page and "My AI access", which set their own
 * icons, are listed.
 */
export default createFrontendPlugin({
  pluginId: 'ai-tiles',
  title: 'AI Apps',
  extensions: [aiTilesApi, tilesPage, appPage, policyPage, myAccessPage],
  routes: {
    root: rootRouteRef,
    app: appRouteRef,
    policy: policyRouteRef,
    myAccess: myAccessRouteRef,
  },
});
