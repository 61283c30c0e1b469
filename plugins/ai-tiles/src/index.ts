/**
 * The AI portal frontend: the AI app tiles page (the portal's home page), the
 * page of each AI app, the acceptable-use policy page and the employee's
 * "My AI access" page (budget, personal API key, examples).
 *
 * New frontend system apps install the default export of
 * `@internal/plugin-ai-tiles/alpha`; this entry point is the legacy surface.
 *
 * @packageDocumentation
 */
export {
  aiTilesPlugin,
  aiTilesApiFactory,
  AiTilesPage,
  AiAppPage,
  AiPolicyPage,
  AiMyAccessPage,
} from './plugin';
export {
  rootRouteRef,
  appRouteRef,
  policyRouteRef,
  myAccessRouteRef,
  AI_TILES_PATHS,
} from './routes';
export { aiTilesApiRef, AiTilesClient } from './api';
export type { AiTilesApi } from './api';
export { NfsTilesPage, TilesPageContent } from './components/TilesPage';
export { NfsAiAppPage, AppPageContent } from './components/AppPage';
export { NfsAiPolicyPage, PolicyPageContent } from './components/PolicyPage';
export {
  NfsMyAccessPage,
  MyAccessPageContent,
} from './components/MyAccessPage';
export { MyAccessCard } from './components/MyAccessCard';
