import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import {
  ConflictError,
  CustomErrorBase,
  NotAllowedError,
  ServiceUnavailableError,
  isError,
} from '@backstage/errors';
import {
  AI_KEY_NOT_READY_ERROR,
  AiAccessSummary,
  AiPolicyDocument,
} from '@internal/plugin-ai-tiles-common';
import { AccessConfig, CONFIG_KEYS } from '../../config/accessConfig';
import { ActiveKeyRecord, KeyVault } from '../../database/KeyVault';
import {
  PolicyAcceptance,
  PolicyAcceptanceStore,
} from '../../database/PolicyAcceptanceStore';
import { EmployeeDirectory } from '../budgets/BudgetResolver';
import { isServiceUnavailable, sanitize } from '../litellm/errors';
import { LiteLlmClient } from '../litellm/LiteLlmClient';
import {
  KeyProvisioner,
  ProvisionContext,
  reconcileBudget,
  shownBudget,
} from '../provisioning/KeyProvisioner';
import { CachedLiteLlmUser, LiteLlmUserCache } from './LiteLlmUserCache';

/**
 * The policy was accepted (and that is recorded) but the key could not be
 * set up: LiteLLM down (503), answering nonsense (502) or an internal failure
 * (500). Said as such, so that the employee does not take the acceptance for
 * failed; accepting again retries the key.
 */
class KeyNotReadyError extends CustomErrorBase {
  name = AI_KEY_NOT_READY_ERROR;

  // No `cause`: the base class would append its message, which for an
  // internal failure belongs in the log, not in the browser.
  constructor(readonly statusCode: number, message: string) {
    super(message);
  }
}

function keyNotReady(
  version: string,
  error: unknown,
  logger: LoggerService,
): KeyNotReadyError {
  const recorded = `Your acceptance of policy version ${version} is recorded, but your AI key could not be set up`;
  const status = isServiceUnavailable(error)
    ? 503
    : (error as { statusCode?: unknown })?.statusCode;
  if (isError(error) && (status === 502 || status === 503)) {
    // Messages written for employees (LiteLLM down, slow or wrong).
    return new KeyNotReadyError(status, `${recorded}: ${error.message}`);
  }
  logger.error(
    `Key set-up after a policy acceptance failed: ${sanitize(String(error))}`,
  );
  return new KeyNotReadyError(
    500,
    `${recorded} because of an internal error (logged); try again in a moment`,
  );
}

const DEFAULT_POLICY_TITLE = 'Acceptable use of AI';
const DAY_MS = 24 * 60 * 60 * 1000;

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: DAY_MS,
  w: 7 * DAY_MS,
};

/**
 * Linear forecast of the spend at the end of the budget period: the spend so
 * far, extended at the same rate to the reset time. The period is the one
 * LiteLLM aligns `budget_reset_at` to (`30d` and `1mo`: the calendar month
 * before it); it counts from `activeSince` (the employee's first key) when
 * that is later, so a first, partial month is not spread over the whole
 * month. The elapsed time counts as at least one day (a tenth of shorter
 * periods), so the first hours do not forecast absurd amounts. Null without
 * a reset time.
 */
export function forecastSpend(
  spend: number,
  budgetDuration: string | null,
  resetAt: string | null,
  now: Date,
  activeSince?: Date,
): number | null {
  if (!budgetDuration || !resetAt) return null;
  const end = new Date(resetAt);
  if (Number.isNaN(end.getTime())) return null;
  const match = /^(\d+)(mo|s|m|h|d|w)$/.exec(budgetDuration);
  if (!match) return null;
  // `30d` resets monthly too (on the 1st), like `1mo`.
  let months = 0;
  if (match[2] === 'mo') months = Number(match[1]);
  else if (budgetDuration === '30d') months = 1;
  let start: Date;
  if (months > 0) {
    start = new Date(end);
    start.setUTCMonth(start.getUTCMonth() - months);
  } else {
    start = new Date(end.getTime() - Number(match[1]) * UNIT_MS[match[2]]);
  }
  if (activeSince && activeSince > start && activeSince < end) {
    start = activeSince;
  }
  const period = end.getTime() - start.getTime();
  if (period <= 0) return null;
  const elapsed = Math.min(
    period,
    Math.max(now.getTime() - start.getTime(), Math.min(DAY_MS, period / 10)),
  );
  return Math.round((spend / (elapsed / period)) * 100) / 100;
}

export interface AccessServiceOptions {
  config: AccessConfig;
  policy?: AiPolicyDocument;
  acceptances: PolicyAcceptanceStore;
  /** Present when configured. */
  vault?: KeyVault;
  provisioner?: KeyProvisioner;
  directory?: EmployeeDirectory;
  client?: () => LiteLlmClient;
  /** LiteLLM reads per employee, kept briefly. */
  users?: LiteLlmUserCache;
  auditor: AuditorService;
  logger: LoggerService;
  now?: () => Date;
}

/**
 * The employee API behind `/me/*`: the access summary, the acceptable-use
 * gate (no key is issued or revealed before the current policy version is
 * accepted), reveal and rotation. Keys are always the caller's own.
 */
export class AccessService {
  private readonly now: () => Date;

  constructor(private readonly options: AccessServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  async getSummary(
    userRef: string,
    ctx: ProvisionContext = {},
  ): Promise<AiAccessSummary> {
    return this.summarize(userRef, ctx, await this.policyStatus(userRef));
  }

  /**
   * `justAccepted`: this request recorded the acceptance, for nearly everyone
   * their first, so there is no key yet (ensureKey's `expectNew`).
   */
  private async summarize(
    userRef: string,
    ctx: ProvisionContext,
    policy: AiAccessSummary['policy'],
    { justAccepted = false }: { justAccepted?: boolean } = {},
  ): Promise<AiAccessSummary> {
    const { config } = this.options;
    if (!config.configured) {
      return {
        status: 'not-configured',
        missingConfig: config.missingConfig,
        user: { entityRef: userRef },
        policy,
      };
    }
    this.requireUsable();
    const profile = await this.options.directory!.getProfile(userRef);
    const user = {
      entityRef: userRef,
      ...(profile.email ? { email: profile.email } : {}),
      ...(profile.displayName ? { displayName: profile.displayName } : {}),
    };
    const apiBaseUrl = config.litellm.publicUrl;
    if (!policy.accepted) {
      // No LiteLLM call before acceptance: the page works even if it is down.
      return { status: 'policy-required', user, policy, apiBaseUrl };
    }

    const provisioning = { ...ctx, profile };
    let record = await this.options.provisioner!.ensureKey(
      userRef,
      provisioning,
      { expectNew: justAccepted },
    );
    let litellm = await this.readUser(userRef, profile.budget);
    if (!litellm || (await this.keyLost(record, litellm))) {
      // LiteLLM lost the user or the key (deleted by an admin, database
      // reset): the stored key is dead. Issue a new one.
      this.options.logger.warn(
        `LiteLLM no longer has the ${
          litellm ? 'key' : 'user'
        } of ${userRef}; issuing a new key`,
      );
      record = await this.options.provisioner!.replaceKey(
        userRef,
        provisioning,
        'repair',
        { ifKeyHash: record.keyHash },
      );
      litellm = await this.readUser(userRef, profile.budget);
    }

    return {
      status: 'ready',
      user,
      policy,
      ...(litellm
        ? {
            budget: {
              currency: 'USD' as const,
              maxBudget: shownBudget(litellm.maxBudget),
              spend: litellm.spend,
              budgetDuration: litellm.budgetDuration,
              resetAt: litellm.resetAt,
              forecast: forecastSpend(
                litellm.spend,
                litellm.budgetDuration,
                litellm.resetAt,
                this.now(),
                // Nothing was spent before the first key.
                record.createdAt,
              ),
            },
          }
        : {}),
      key: this.maskedKey(record),
      apiBaseUrl,
    };
  }

  async acceptPolicy(
    userRef: string,
    version: string,
    ctx: ProvisionContext = {},
  ): Promise<AiAccessSummary> {
    const { policy } = this.options;
    if (!policy) {
      throw new ConflictError(
        'No acceptable-use policy is configured (aiTiles.policy)',
      );
    }
    if (version !== policy.version) {
      throw new ConflictError(
        `Policy version ${version} is not the current version (${policy.version}): read the current policy and accept it`,
      );
    }
    const audit = await this.options.auditor.createEvent({
      eventId: 'ai-policy-accept',
      // medium: kept by the default audit log level (low is debug).
      severityLevel: 'medium',
      request: ctx.request,
      meta: { userEntityRef: userRef, policyVersion: version },
    });
    const now = this.now();
    let recorded: boolean;
    try {
      recorded = await this.options.acceptances.accept(userRef, version, now);
      await audit.success();
    } catch (error) {
      await audit.fail({ error: error as Error });
      throw error;
    }
    // A first acceptance is the latest one: no need to read them back.
    const policyStatus = recorded
      ? this.policyStatusOf([{ version, acceptedAt: now }])
      : await this.policyStatus(userRef);
    try {
      return await this.summarize(userRef, ctx, policyStatus, {
        justAccepted: recorded,
      });
    } catch (error) {
      throw keyNotReady(version, error, this.options.logger);
    }
  }

  /** The caller's own raw key. Audited, refusals too; never cached. */
  async revealKey(
    userRef: string,
    ctx: ProvisionContext = {},
  ): Promise<string> {
    const audit = await this.options.auditor.createEvent({
      eventId: 'ai-key-reveal',
      severityLevel: 'high',
      request: ctx.request,
      meta: { userEntityRef: userRef },
    });
    try {
      await this.requireAccepted(userRef);
      const record = await this.options.provisioner!.ensureKey(userRef, ctx);
      const key = await this.options.vault!.decrypt(userRef);
      if (!key) {
        throw new ServiceUnavailableError(
          'Your API key is being replaced; try again in a moment',
        );
      }
      await audit.success({ meta: { keyAlias: record.keyAlias } });
      return key;
    } catch (error) {
      await audit.fail({ error: error as Error });
      throw error;
    }
  }

  /** Replaces the caller's key; the old one stops working at once. */
  async rotateKey(
    userRef: string,
    ctx: ProvisionContext = {},
  ): Promise<AiAccessSummary> {
    try {
      await this.requireAccepted(userRef);
    } catch (error) {
      // The provisioner audits the rotations it runs; one refused before it
      // still leaves a failed event under the caller's name.
      const audit = await this.options.auditor.createEvent({
        eventId: 'ai-key-rotate',
        severityLevel: 'medium',
        request: ctx.request,
        meta: { userEntityRef: userRef, reason: 'rotate' },
      });
      await audit.fail({ error: error as Error });
      throw error;
    }
    // The provisioner refreshes the cached LiteLLM user.
    await this.options.provisioner!.replaceKey(userRef, ctx, 'rotate');
    return this.getSummary(userRef, ctx);
  }

  /* ---------------------------------------------------------------------- */

  private requireUsable(): void {
    const { config } = this.options;
    if (!config.configured) {
      throw new ServiceUnavailableError(
        `AI access is not configured: set ${config.missingConfig.join(', ')}`,
      );
    }
    if (!config.litellm.masterKey) {
      throw new ServiceUnavailableError(
        `AI access is unavailable: ${CONFIG_KEYS.masterKey} is not set`,
      );
    }
  }

  private async requireAccepted(userRef: string): Promise<void> {
    this.requireUsable();
    const policy = await this.policyStatus(userRef);
    if (!policy.accepted) {
      throw new NotAllowedError(
        `Accept the acceptable-use policy (version ${policy.version}) before using your API key`,
      );
    }
  }

  private async policyStatus(
    userRef: string,
  ): Promise<AiAccessSummary['policy']> {
    return this.policyStatusOf(await this.options.acceptances.list(userRef));
  }

  /** The policy block of the summary, from the acceptances, latest first. */
  private policyStatusOf(
    accepted: PolicyAcceptance[],
  ): AiAccessSummary['policy'] {
    const { policy } = this.options;
    const last = accepted[0];
    return {
      version: policy?.version ?? '',
      title: policy?.title ?? DEFAULT_POLICY_TITLE,
      ...(last
        ? {
            acceptedVersion: last.version,
            acceptedAt: last.acceptedAt.toISOString(),
          }
        : {}),
      accepted: !!policy && accepted.some(a => a.version === policy.version),
    };
  }

  /**
   * The employee's LiteLLM user, cached briefly. On a cache miss the budget
   * LiteLLM holds is brought in line with the configured one (config changes
   * reach employees who already have a key).
   */
  private async readUser(
    userRef: string,
    want: { maxBudget: number; duration: string },
  ): Promise<CachedLiteLlmUser | undefined> {
    const users = this.options.users!;
    const cached = await users.get(userRef);
    if (cached) return cached;

    const client = this.options.client!();
    let info = await client.getUserInfo(userRef);
    if (!info) return undefined;
    // Only the user's own budget shows in the summary (not the key's cap).
    const written = await reconcileBudget(client, info, want, {
      auditor: this.options.auditor,
      trigger: 'visit',
    });
    if (written.user) {
      info = (await client.getUserInfo(userRef)) ?? info;
    }
    return users.set(userRef, info);
  }

  /**
   * Whether LiteLLM lost the stored key. `/user/info` lists the user's key
   * hashes; when ours is missing, `/key/info` confirms before anything is
   * replaced (a false alarm would break the employee's working key).
   */
  private async keyLost(
    record: ActiveKeyRecord,
    litellm: CachedLiteLlmUser,
  ): Promise<boolean> {
    if (!litellm.keyHashes || litellm.keyHashes.includes(record.keyHash)) {
      return false;
    }
    const info = await this.options.client!().getKeyInfo(record.keyHash);
    return !info;
  }

  private maskedKey(record: ActiveKeyRecord): AiAccessSummary['key'] {
    return {
      masked: `sk-...${record.keyLast4}`,
      alias: record.keyAlias,
      createdAt: record.createdAt.toISOString(),
      rotatedAt: record.rotatedAt ? record.rotatedAt.toISOString() : null,
    };
  }
}
