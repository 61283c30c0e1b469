import { createBackendModule } from '@backstage/backend-plugin-api';
import { catalogProcessingExtensionPoint } from '@backstage/plugin-catalog-node';
import { AiEntityProcessor } from './AiEntityProcessor';

/**
 * Catalog module that validates AI app and AI chat entities
 * (`ai-portal/*` annotations, links, lifecycle).
 *
 * @public
 */
export const catalogModuleAiTiles = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'ai-tiles',
  register(env) {
    env.registerInit({
      deps: { catalog: catalogProcessingExtensionPoint },
      async init({ catalog }) {
        catalog.addProcessor(new AiEntityProcessor());
      },
    });
  },
});
