import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { KeyVault } from '../../database/KeyVault';
import { LiteLlmClient } from '../litellm/LiteLlmClient';
import { isLiteLlmUnusable, sanitize } from '../litellm/errors';
import { reconcileBudget } from '../provisioning/KeyProvisioner';
import { EmployeeProfile } from './BudgetResolver';

export const BUDGET_SYNC_TASK_ID = 'ai-tiles-sync-budgets';

export interface BudgetSyncResult {
  checked: number;
  updated: number;
  failed: number;
  /** The run began after this owner, where the previous run stopped. */
  resumedAfter?: string;
  /**
   * Why the run ended before the last owner: its task was cancelled
   * (timeout, shutdown), or LiteLLM cannot be used at all (down, slow, the
   * master key refused, a wrong base URL). The next run resumes there.
   */
  stopped?: 'cancelled' | 'litellm-unusable';
}

/**
 * That many such failures in a row, with no owner succeeding in between,
 * stop the run: every other owner would meet them too. One owner that is
 * slow on its own (a timeout) is one failure and the run goes on.
 */
export const FAILURES_IN_A_ROW_TO_STOP = 3;

/**
 * Brings every key owner's LiteLLM budget in line with the one the portal
 * wants (config overrides, catalog groups). The access summary does this on
 * a visit; this covers employees who only use chat and apps through the
 * gateway, and the apps' service keys.
 *
 * A few owners at a time (gentle on LiteLLM); one failing does not stop the
 * others, but LiteLLM being unusable (several failures of LiteLLM itself in a
 * row) stops the run with one error. A run
 * that stops (that, or its task's timeout) is resumed where it stopped by the
 * next run of this process, so a large company is covered over several runs
 * instead of its first owners again and again.
 */
export class BudgetSync {
  private resumeAfter?: string;

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
      /** Owners handled at the same time. Default 4. */
      concurrency?: number;
    },
  ) {}

  async run(signal?: AbortSignal): Promise<BudgetSyncResult> {
    const { vault, logger } = this.options;
    const pageSize = this.options.pageSize ?? 200;
    const concurrency = this.options.concurrency ?? 4;
    const client = this.options.client();
    const result: BudgetSyncResult = { checked: 0, updated: 0, failed: 0 };
    if (this.resumeAfter !== undefined) result.resumedAfter = this.resumeAfter;
    let after = this.resumeAfter;
    let inARow = 0;
    let unusable: unknown;

    const syncOne = async (ref: string) => {
      result.checked++;
      try {
        if (await this.syncOwner(client, ref)) result.updated++;
        inARow = 0;
      } catch (error) {
        result.failed++;
        inARow = isLiteLlmUnusable(error) ? inARow + 1 : 0;
        if (inARow >= FAILURES_IN_A_ROW_TO_STOP) {
          unusable ??= error;
        } else if (unusable === undefined) {
          logger.warn(
            `Could not bring the LiteLLM budget of ${ref} in line: ${sanitize(
              String(error),
            )}`,
          );
        }
      }
    };

    const syncPage = async (owners: string[]) => {
      let next = 0;
      const worker = async () => {
        while (next < owners.length && !signal?.aborted && !unusable) {
          await syncOne(owners[next++]);
        }
      };
      await Promise.all(
        Array.from({ length: Math.min(concurrency, owners.length) }, worker),
      );
    };

    for (;;) {
      const owners = await vault.activeOwners(after, pageSize);
      if (owners.length === 0) break;
      await syncPage(owners);
      if (unusable || signal?.aborted) {
        // Owners of this page may be checked again: writes are idempotent.
        this.resumeAfter = after;
        result.stopped = unusable ? 'litellm-unusable' : 'cancelled';
        const stoppedAt = `after ${result.checked} key owners; the next run resumes there`;
        if (unusable) {
          logger.error(
            `LiteLLM budget sync stopped ${stoppedAt}: ${sanitize(
              String(unusable),
            )}`,
          );
        } else {
          logger.warn(
            `LiteLLM budget sync cancelled (task timeout or shutdown) ${stoppedAt}`,
          );
        }
        return result;
      }
      after = owners[owners.length - 1];
    }
    this.resumeAfter = undefined;
    return result;
  }

  /** Brings one owner's budget in line; says whether anything was written. */
  private async syncOwner(client: LiteLlmClient, ref: string) {
    const { budget, notInCatalog } = await this.options.profile(ref);
    // Someone who left keeps whatever budget an admin gave them in LiteLLM:
    // the default must not come back every hour.
    if (notInCatalog) return false;
    // A user LiteLLM lost is repaired on its next use, with the budget.
    const info = await client.getUserInfo(ref);
    if (!info) return false;
    const written = await reconcileBudget(client, info, budget, {
      auditor: this.options.auditor,
      trigger: 'sync',
    });
    // Cached reads show the user's budget, not the key's cap.
    if (written.user) await this.options.onUpdated?.(ref);
    return written.user || written.keyCap;
  }
}
