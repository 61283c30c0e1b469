import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { AiEntityProcessor } from './AiEntityProcessor';
import { EntityProblemsStore } from './EntityProblemsStore';
import { createProblemsRouter } from './problemsRouter';

/**
 * Catalog module that validates AI app and AI chat entities
 * (`ai-portal/*` annotations, links, lifecycle) and tells owners what is
 * wrong with theirs (`GET /api/catalog/ai-tiles/problems`).
 *
 * @public
 */
export const catalogModuleAiTiles = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'ai-tiles',
  register(env) {
    env.registerInit({
      deps: {
        catalog: catalogProcessingExtensionPoint,
        database: coreServices.database,
        httpRouter: coreServices.httpRouter,
        httpAuth: coreServices.httpAuth,
        userInfo: coreServices.userInfo,
      },
      async init({ catalog, database, httpRouter, httpAuth, userInfo }) {
        catalog.addProcessor(new AiEntityProcessor());
        const store = new EntityProblemsStore(() => database.getClient());
        httpRouter.use(createProblemsRouter({ store, httpAuth, userInfo }));
      },
    });
  },
});
