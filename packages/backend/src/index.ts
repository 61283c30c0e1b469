/*
 * The AI portal backend: Backstage's catalog, auth and permission plugins plus
 * the AI portal suite. Only what the portal uses is installed.
 */
import { createBackend } from '@backstage/backend-defaults';
import { catalogModuleAiTiles } from '@internal/plugin-ai-tiles-backend';

const backend = createBackend();

// Serves the built frontend in production (app.baseUrl == backend.baseUrl).
backend.add(import('@backstage/plugin-app-backend'));

// Sign-in: guest for local development, OIDC for production.
backend.add(import('@backstage/plugin-auth-backend'));
backend.add(import('@backstage/plugin-auth-backend-module-guest-provider'));
// OIDC with the AI portal sign-in resolver (catalog user + allowed groups).
backend.add(import('./modules/auth'));

// Catalog: AI app entities, the Open Chat entity and the organisation.
backend.add(import('@backstage/plugin-catalog-backend'));
// Logs catalog processing errors, including invalid AI app entities.
backend.add(import('@backstage/plugin-catalog-backend-module-logs'));
// Lists entities that failed processing (for instance invalid AI annotations).
backend.add(import('@backstage/plugin-catalog-backend-module-unprocessed'));

// Events bus shared by the catalog and signals.
backend.add(import('@backstage/plugin-events-backend'));
// Pushes changes (such as user settings) to open browser tabs.
backend.add(import('@backstage/plugin-signals-backend'));

backend.add(import('@backstage/plugin-permission-backend'));
// Every employee reads; the administrators (aiPortal.admins) change the catalog.
backend.add(import('./modules/permission'));

// Per-user settings storage: starred tiles and recently used apps follow the user.
backend.add(import('@backstage/plugin-user-settings-backend'));

// The AI portal suite: its backend plugin and the catalog validation of AI entities.
backend.add(import('@internal/plugin-ai-tiles-backend'));
backend.add(catalogModuleAiTiles);

backend.start();
