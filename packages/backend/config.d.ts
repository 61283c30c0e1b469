/**
 * Configuration schema of the AI portal backend (packages/backend).
 *
 * Referenced from packages/backend/package.json (`"configSchema": "config.d.ts"`).
 * The frontend-visible sign-in keys are declared by the app
 * (packages/app/src/modules/auth/config.d.ts), because the browser only sees
 * keys declared in the app's own dependency tree.
 */
export interface Config {
  aiPortal?: {
    /**
     * The AI portal's administrators, as group or user entity refs
     * (`group:default/ai-admins`; a bare name means `group:default/<name>`).
     * Only they may change the catalog through Backstage: register or delete
     * locations, delete entities (also unprocessed ones), manage ingestion.
     * Membership counts as the sign-in token states it: the user and the
     * groups they are a direct member of. Every signed-in employee may read.
     *
     * Empty or not set: nobody may make those changes. Invalid refs stop the
     * backend at startup.
     */
    admins?: string[];
    signIn?: {
      /**
       * Groups whose members may sign in to the AI portal with company SSO,
       * as group entity refs (`group:default/employees`; a bare name means
       * `group:default/<name>`). Membership counts directly or through
       * sub-groups: a member of `legal`, whose parent is `employees`, is
       * admitted by `group:default/employees`.
       *
       * Empty or not set: every employee with a catalog User entity is
       * admitted. Invalid refs stop the backend at startup.
       */
      allowedGroups?: string[];
    };
  };
}
