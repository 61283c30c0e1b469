/**
 * The AI portal's permission policy: reading for every signed-in employee,
 * catalog changes for the administrators of `aiPortal.admins`.
 *
 * Add to the backend with `backend.add(import('./modules/permission'));`.
 */
export { permissionModuleAiPortalPolicy as default } from './module';
export { permissionModuleAiPortalPolicy } from './module';
export { AiPortalPermissionPolicy, ADMIN_ONLY_PERMISSIONS } from './policy';
export { ADMINS_CONFIG_KEY, readAdminRefs } from './admins';
