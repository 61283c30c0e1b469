import { createApp } from '@backstage/frontend-defaults';
import userSettingsStorageModule from '@backstage/plugin-app-module-user-settings';
import { authModule } from './modules/auth';
import { navModule } from './modules/nav';

/**
 * The AI portal app. Plugins that packages/app depends on are discovered
 * (`app.packages: all`); app modules are listed here.
 */
export default createApp({
  features: [authModule, navModule, userSettingsStorageModule],
});
