import {
  coreServices,
  createBackendPlugin,
} from '@backstage/backend-plugin-api';
import { createRouter } from './router';
import { loadPolicy } from './service/policy';

/**
 * The ai-tiles backend plugin, served at /api/ai-tiles. Every route needs a
 * signed-in user or a service token except /health.
 *
 * @public
 */
export const aiTilesPlugin = createBackendPlugin({
  pluginId: 'ai-tiles',
  register(env) {
    env.registerInit({
      deps: {
        config: coreServices.rootConfig,
        httpRouter: coreServices.httpRouter,
      },
      async init({ config, httpRouter }) {
        const policy = await loadPolicy(config);
        httpRouter.use(await createRouter({ policy }));
        httpRouter.addAuthPolicy({ path: '/health', allow: 'unauthenticated' });
      },
    });
  },
});
