import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { KeyVault } from '../../database/KeyVault';
import { LiteLlmClient } from '../litellm/LiteLlmClient';
import { sanitize } from '../litellm/errors';
import { reconcileBudget } from '../provisioning/KeyProvisioner';
import { EmployeeProfile } from './BudgetResolver';

export const BUDGET_SYNC_TASK_ID = 'ai-tiles-sync-budgets';

export interface BudgetSyncResult {
  checked: number;
  updated: number;
  failed: number;
}

/**
 * Brings every key owner's LiteLLM budget in line with the one the portal
 * wants (config overrides, catalog groups). The access summary does this on
 * a visit; this covers employees who only use chat and apps through the
 * gateway, and the apps' service keys. Owners are handled one at a time
 * (gentle on LiteLLM); one failing does not stop the others.
 */
export class BudgetSync {
  constructor(
    private readonly options: {
      vault: KeyVault;
      client: () => LiteLlmClient;
      /** The wanted budget of an employee or app (as for provisioning). */
      profile: (ref: string) => Promise<EmployeeProfile>;
      /** Called for each owner whose budget was written (cache invalidation). */
      onUpdated?: (ref: string) => Promise<void>;
      /** Each budget written is an `ai-budget-update` event. */
      auditor?: AuditorService;
      logger: LoggerService;
      pageSize?: number;
    },
  ) {}

  async run(signal?: AbortSignal): Promise<BudgetSyncResult> {
    const { vault, logger } = this.options;
    const client = this.options.client();
    const result: BudgetSyncResult = { checked: 0, updated: 0, failed: 0 };
    let after: string | undefined;
    for (;;) {
      const owners = await vault.activeOwners(
        after,
        this.options.pageSize ?? 200,
      );
      if (owners.length === 0) break;
      for (const ref of owners) {
        if (signal?.aborted) return result;
        result.checked++;
        try {
          const { budget, notInCatalog } = await this.options.profile(ref);
          // Someone who left keeps whatever budget an admin gave them in
          // LiteLLM: the default must not come back every hour.
          if (notInCatalog) continue;
          // A user LiteLLM lost is repaired on its next use, with the budget.
          const info = await client.getUserInfo(ref);
          const written =
            info &&
            (await reconcileBudget(client, info, budget, {
              auditor: this.options.auditor,
              trigger: 'sync',
            }));
          if (written && (written.user || written.keyCap)) {
            result.updated++;
            // Cached reads show the user's budget, not the key's cap.
            if (written.user) await this.options.onUpdated?.(ref);
          }
        } catch (error) {
          result.failed++;
          logger.warn(
            `Could not bring the LiteLLM budget of ${ref} in line: ${sanitize(
              String(error),
            )}`,
          );
        }
      }
      after = owners[owners.length - 1];
    }
    return result;
  }
}
