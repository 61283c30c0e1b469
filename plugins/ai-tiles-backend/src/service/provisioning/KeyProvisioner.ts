import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef } from '@backstage/catalog-model';
import { ServiceUnavailableError } from '@backstage/errors';
import { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { ActiveKeyRecord, KeyRecord, KeyVault } from '../../database/KeyVault';
import { SingleFlight } from '../../lib/SingleFlight';
import { EmployeeProfile } from '../budgets/BudgetResolver';
import {
  LiteLlmClient,
  LiteLlmGeneratedKey,
  LiteLlmUserInfo,
} from '../litellm/LiteLlmClient';
import {
  LiteLlmAlreadyExistsError,
  LiteLlmBadGatewayError,
  LiteLlmNotFoundError,
  isServiceUnavailable,
  sanitize,
} from '../litellm/errors';

/**
 * `/user/update` ignores `max_budget: 0` (LiteLLM skips falsy values), so a
 * zero budget is written as this: LiteLLM refuses the user once spend > it.
 */
export const ZERO_BUDGET = 1e-9;
const BUDGET_EPSILON = 1e-6;

/** The LiteLLM key alias of an employee: `ai-portal/user/default/jane.doe`. */
export function keyAliasFor(userRef: string): string {
  const { kind, namespace, name } = parseEntityRef(userRef);
  // toLowerCase: the mapping of toLocaleLowerCase('en-US') (only tr, az and
  // lt tailor it), without a locale lookup on every call.
  return `ai-portal/${kind}/${namespace}/${name}`.toLowerCase();
}

/** Whether LiteLLM's budget of a user matches the one the portal wants. */
export function budgetMatches(
  have: { max_budget?: number | null; budget_duration?: string | null },
  want: { maxBudget: number; duration: string },
): { maxBudget: boolean; duration: boolean } {
  const current = have.max_budget;
  return {
    maxBudget:
      typeof current === 'number' &&
      Math.abs(current - want.maxBudget) < BUDGET_EPSILON,
    duration: have.budget_duration === want.duration,
  };
}

/**
 * The cap the employee's own key carries: `0` for a zero budget, else none.
 * A user budget is checked as `spend > max_budget`, so even 0 (or
 * {@link ZERO_BUDGET}) lets the first call of each period through; a key's
 * budget is checked as `spend >= max_budget`, so a key capped at 0 is
 * refused from the first call.
 */
export const keyBudgetFor = (want: { maxBudget: number }): number | null =>
  want.maxBudget === 0 ? 0 : null;

/** LiteLLM's user budget as the portal states it ({@link ZERO_BUDGET} is 0). */
export const shownBudget = (v: number | null | undefined): number | null =>
  typeof v === 'number' && v <= ZERO_BUDGET ? 0 : v ?? null;

/** Who brought a budget in line, for its audit event. */
export type BudgetTrigger = 'provision' | 'visit' | 'sync';

/**
 * Writes the wanted budget to LiteLLM when it differs (only the fields that
 * differ: sending `budget_duration` restarts the budget period), and with
 * `capKey` the zero cap of the employee's own key ({@link keyBudgetFor}):
 * set for a zero budget, lifted when the budget is raised. Every write is an
 * `ai-budget-update` audit event (old and new values). Says what was
 * written: the user's budget (what LiteLLM then reports for the user
 * changed), the key's cap.
 */
export async function reconcileBudget(
  client: LiteLlmClient,
  info: LiteLlmUserInfo,
  want: { maxBudget: number; duration: string },
  {
    capKey = true,
    auditor,
    trigger,
  }: {
    capKey?: boolean;
    auditor?: AuditorService;
    trigger?: BudgetTrigger;
  } = {},
): Promise<{ user: boolean; keyCap: boolean }> {
  const same = budgetMatches(info.user, want);
  const user = !same.maxBudget || !same.duration;
  const cap = capKey ? keyCapChange(info, want) : undefined;
  if (!user && cap === undefined) return { user: false, keyCap: false };

  const audit = await auditor?.createEvent({
    eventId: 'ai-budget-update',
    severityLevel: 'medium',
    meta: {
      ownerRef: info.userId,
      trigger,
      from: {
        maxBudget: shownBudget(info.user.max_budget),
        budgetDuration: info.user.budget_duration ?? null,
      },
      to: { maxBudget: want.maxBudget, budgetDuration: want.duration },
      ...(cap !== undefined ? { keyMaxBudget: cap } : {}),
    },
  });
  try {
    if (user) {
      await client.updateUser({
        user_id: info.userId,
        ...(same.maxBudget
          ? {}
          : {
              max_budget: want.maxBudget === 0 ? ZERO_BUDGET : want.maxBudget,
            }),
        ...(same.duration ? {} : { budget_duration: want.duration }),
      });
    }
    const keyCap =
      cap !== undefined && (await writeKeyCap(client, info.userId, cap));
    await audit?.success();
    return { user, keyCap };
  } catch (error) {
    await audit?.fail({ error: error as Error });
    throw error;
  }
}

/** The cap to write on the employee's own key, or undefined for none. */
function keyCapChange(
  info: LiteLlmUserInfo,
  want: { maxBudget: number },
): number | null | undefined {
  const alias = keyAliasFor(info.userId);
  const cap = keyBudgetFor(want);
  const key = info.keys?.find(k => k.key_alias === alias);
  if (cap === 0) {
    // Keys not listed (some releases): write, it is idempotent.
    return !info.keys || (!!key && key.max_budget !== 0) ? 0 : undefined;
  }
  // Lift only the portal's zero cap (another cap is an admin's): a key at 0,
  // or, when keys are not listed, the user leaving a zero budget.
  const wasZero = shownBudget(info.user.max_budget) === 0;
  const lift = info.keys ? !!key && key.max_budget === 0 : wasZero;
  return lift ? null : undefined;
}

async function writeKeyCap(
  client: LiteLlmClient,
  userId: string,
  cap: number | null,
): Promise<boolean> {
  try {
    await client.updateKey({ key_alias: keyAliasFor(userId), max_budget: cap });
  } catch (error) {
    // No key yet: the provisioner generates it with the cap.
    if (error instanceof LiteLlmNotFoundError) return false;
    throw error;
  }
  return true;
}

/** Test seams: crash or slow down provisioning at chosen points. */
export interface KeyProvisionerHooks {
  /**
   * Called after LiteLLM created the key and before the vault stores it. A
   * promise that never settles simulates a process crash at that point.
   */
  afterKeyCreated?(event: {
    userRef: string;
    keyAlias: string;
    keyHash: string;
  }): Promise<void> | void;
}

export interface KeyProvisionerOptions {
  vault: KeyVault;
  /** Throws (503) when LiteLLM is not usable, e.g. no master key. */
  client: () => LiteLlmClient;
  /** The employee's e-mail, name and budget (catalog + config). */
  profile: (userRef: string) => Promise<EmployeeProfile>;
  auditor: AuditorService;
  logger: LoggerService;
  /**
   * Called after a key was created or replaced, with LiteLLM's state of the
   * user (the new key among its keys) when it is known exactly: callers
   * cache it instead of reading it again. Without it, forget what is cached.
   */
  onKeyChanged?: (userRef: string, user?: LiteLlmUserInfo) => Promise<void>;
  /**
   * While a request provisions, it renews its claim this often (a lease),
   * so that a live but slow owner is never mistaken for a crashed one.
   * Default 5 s.
   */
  heartbeatMs?: number;
  /**
   * A pending claim not renewed for this long is taken to be from a crashed
   * process and is taken over. Default: 3 heartbeats.
   */
  staleClaimMs?: number;
  /** How long a request waits for another one that holds the claim. Default 30 s. */
  waitTimeoutMs?: number;
  /** Poll interval while waiting. Default 100 ms (with jitter). */
  pollIntervalMs?: number;
  hooks?: KeyProvisionerHooks;
  now?: () => Date;
}

export interface ProvisionContext {
  /** The HTTP request, for the audit record's actor. */
  request?: Request;
  /** The employee's profile, when the caller has just read it (not read again). */
  profile?: EmployeeProfile;
}

type Claim = {
  userRef: string;
  claimId: string;
  /** The row held a key before this claim (rotation or a crashed rotation). */
  hadKey: boolean;
  /** The row was active (key known to be live) when we claimed it. */
  wasActive: boolean;
  previousKeyHash?: string;
  reason: 'provision' | 'rotate' | 'repair';
};

/** Returned by `run` when another process took the claim over. */
const LOST_CLAIM = Symbol('lost-claim');

/** Thrown inside `run` when the claim turned out to be someone else's. */
class LostClaimError extends Error {
  constructor() {
    super('Another request took over the provisioning');
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/**
 * Lazy, idempotent and crash-safe provisioning of each employee's LiteLLM
 * user and personal key.
 *
 * Concurrency: one in-flight provisioning per user per process (single
 * flight), and across processes a claim row in `ai_user_keys` (insert of a
 * pending row: the primary key admits one winner; the others poll until the
 * row is active). Every later write is conditional on the claim id.
 *
 * Crash repair: the owner of a claim renews it every `heartbeatMs` while it
 * works; a claim not renewed for `staleClaimMs` is taken over, so a request
 * after a crash waits at most that long and then repairs.
 * Keys carry the employee's deterministic alias and LiteLLM keeps aliases
 * unique, so a key created just before a crash (and never stored) blocks the
 * next generation; it is then deleted by alias before the new key is made,
 * and cannot survive as an orphan or a second live key.
 */
export class KeyProvisioner {
  private readonly flights = new SingleFlight<ActiveKeyRecord>();
  private readonly now: () => Date;
  private readonly heartbeatMs: number;
  private readonly staleClaimMs: number;

  constructor(private readonly options: KeyProvisionerOptions) {
    this.now = options.now ?? (() => new Date());
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.staleClaimMs = options.staleClaimMs ?? 3 * this.heartbeatMs;
    if (this.staleClaimMs < 2 * this.heartbeatMs) {
      throw new Error(
        `A provisioning claim must stay valid for at least two heartbeats (staleClaimMs ${this.staleClaimMs} < 2 × heartbeatMs ${this.heartbeatMs})`,
      );
    }
  }

  /**
   * The employee's active key, provisioning it on first use. `expectNew`:
   * the caller knows the employee almost certainly has no row yet (a first
   * acceptance of the policy), so the claim is tried at once instead of
   * after a read; a row that exists after all is then read as usual. One
   * query less on the path every employee takes once.
   */
  async ensureKey(
    userRef: string,
    ctx: ProvisionContext = {},
    { expectNew = false }: { expectNew?: boolean } = {},
  ): Promise<ActiveKeyRecord> {
    const existing = expectNew
      ? undefined
      : await this.options.vault.get(userRef);
    if (isActive(existing)) return existing;
    return this.flights.run(`ensure:${userRef}`, () =>
      this.acquire(userRef, ctx, undefined, { row: existing }),
    );
  }

  /**
   * Replaces the employee's key: the old one is deleted at LiteLLM (it stops
   * working at once), a new one generated and stored. `reason: 'repair'` is
   * used when LiteLLM lost the stored key; `ifKeyHash` then names that key,
   * so that a repair that comes late does not replace its replacement.
   */
  async replaceKey(
    userRef: string,
    ctx: ProvisionContext = {},
    reason: 'rotate' | 'repair' = 'rotate',
    { ifKeyHash }: { ifKeyHash?: string } = {},
  ): Promise<ActiveKeyRecord> {
    // A rotation never joins a repair (which may return the key unchanged).
    const flight = `replace:${userRef}:${reason}:${ifKeyHash ?? ''}`;
    return this.flights.run(flight, async () => {
      const existing = await this.options.vault.get(userRef);
      if (!isActive(existing)) {
        // Nothing to replace yet, or a provisioning in flight: its result
        // is a brand-new key anyway.
        return this.ensureKey(userRef, ctx);
      }
      if (ifKeyHash && existing.keyHash !== ifKeyHash) return existing;
      return this.acquire(
        userRef,
        ctx,
        { reason, seenKeyHash: existing.keyHash },
        { row: existing },
      );
    });
  }

  /** Claims the row (or waits for the owner of the claim) and provisions. */
  private async acquire(
    userRef: string,
    ctx: ProvisionContext,
    replace: { reason: 'rotate' | 'repair'; seenKeyHash: string } | undefined,
    /** The row as the caller just read it (saves the first read). */
    seen?: { row: KeyRecord | undefined },
  ): Promise<ActiveKeyRecord> {
    const { vault } = this.options;
    const waitTimeoutMs = this.options.waitTimeoutMs ?? 30_000;
    const pollMs = this.options.pollIntervalMs ?? 100;
    const deadline = Date.now() + waitTimeoutMs;
    const keyAlias = keyAliasFor(userRef);

    let known = seen;
    for (;;) {
      const row = known ? known.row : await vault.get(userRef);
      known = undefined;
      const claimId = randomUUID();
      const now = this.now();
      let claim: Claim | undefined;

      if (!row) {
        if (
          await vault.claimNew(
            userRef,
            { litellmUserId: userRef, keyAlias },
            claimId,
            now,
          )
        ) {
          claim = {
            userRef,
            claimId,
            hadKey: false,
            wasActive: false,
            reason: 'provision',
          };
        } else {
          continue; // someone inserted first: look again at once
        }
      } else if (row.status === 'active') {
        if (!replace || row.keyHash !== replace.seenKeyHash) {
          // Ready, or someone else already replaced the key we meant to.
          return row as ActiveKeyRecord;
        }
        if (
          await vault.claimActive(userRef, replace.seenKeyHash, claimId, now)
        ) {
          claim = {
            userRef,
            claimId,
            hadKey: true,
            wasActive: true,
            previousKeyHash: row.keyHash,
            reason: replace.reason,
          };
        } else {
          continue;
        }
      } else if (
        !row.claimId ||
        (row.claimedAt &&
          now.getTime() - row.claimedAt.getTime() > this.staleClaimMs)
      ) {
        // Abandoned (owner failed or crashed): take it over and repair.
        if (
          await vault.stealStale(
            userRef,
            row.claimId,
            new Date(now.getTime() - this.staleClaimMs),
            claimId,
            now,
          )
        ) {
          this.options.logger.info(
            `Taking over the ${
              row.claimId ? 'stale' : 'released'
            } key provisioning of ${userRef}`,
          );
          claim = {
            userRef,
            claimId,
            hadKey: row.hasKey,
            wasActive: false,
            previousKeyHash: row.keyHash,
            reason: row.hasKey ? 'repair' : 'provision',
          };
        } else {
          continue;
        }
      }

      if (claim) {
        const result = await this.run(claim, ctx);
        if (result !== LOST_CLAIM) return result;
        continue;
      }

      if (Date.now() > deadline) {
        throw new ServiceUnavailableError(
          'Your AI key is still being set up by another request; try again in a moment',
        );
      }
      await sleep(pollMs / 2 + Math.random() * pollMs);
    }
  }

  /** Provisions under a claim; every failure leaves nothing half-written. */
  private async run(
    claim: Claim,
    ctx: ProvisionContext,
  ): Promise<ActiveKeyRecord | typeof LOST_CLAIM> {
    const { vault, auditor, logger, hooks } = this.options;
    const { userRef, claimId } = claim;
    const keyAlias = keyAliasFor(userRef);
    const audit = await auditor.createEvent({
      eventId: claim.reason === 'rotate' ? 'ai-key-rotate' : 'ai-key-provision',
      severityLevel: 'medium',
      request: ctx.request,
      meta: { userEntityRef: userRef, keyAlias, reason: claim.reason },
    });

    let created: LiteLlmGeneratedKey | undefined;
    /** `/key/generate` was sent and got no answer: LiteLLM may have made the key. */
    let generateUnanswered = false;
    let destructive = false;
    // The lease: a claim that stops being renewed is taken over.
    const renew = () => vault.renewClaim(userRef, claimId, this.now());
    const heartbeat = setInterval(() => {
      renew().catch(error =>
        logger.warn(
          `Could not renew the key provisioning claim of ${userRef}: ${sanitize(
            String(error),
          )}`,
        ),
      );
    }, this.heartbeatMs);
    heartbeat.unref();
    // Before each step that deletes keys at LiteLLM: renewing doubles as
    // "is the claim still ours?" (a taken-over owner must not delete the
    // new owner's key).
    const stillOurs = async () => {
      if (!(await renew())) throw new LostClaimError();
    };
    try {
      const client = this.options.client();
      const profile = ctx.profile ?? (await this.options.profile(userRef));
      const user = await this.ensureUser(client, profile, {
        // A first key: the user is almost always new too, so create it
        // without asking first (one LiteLLM round trip less).
        createFirst: claim.reason === 'provision',
      });
      const litellmUserId = user.info.userId;

      // From here on the stored key (if any) may stop working.
      destructive = true;
      if (claim.previousKeyHash) {
        await stillOurs();
        await client.deleteKeys({ keys: [claim.previousKeyHash] });
      }
      // A key left with our alias by a crash between key creation and the
      // vault write makes this fail as a duplicate alias; `generate` then
      // deletes it and tries again.
      try {
        created = await this.generate(
          client,
          {
            keyAlias,
            userRef,
            litellmUserId,
            maxBudget: keyBudgetFor(profile.budget),
          },
          { beforeAliasDelete: stillOurs },
        );
      } catch (error) {
        // Timed out, cut off, or a proxy answering for LiteLLM (503): the
        // call may still have been applied.
        generateUnanswered = isServiceUnavailable(error);
        throw error;
      }
      await hooks?.afterKeyCreated?.({
        userRef,
        keyAlias,
        keyHash: created.tokenHash,
      });

      const stored = await vault.activate(
        userRef,
        claimId,
        {
          rawKey: created.key,
          keyHash: created.tokenHash,
          litellmUserId,
          rotated: claim.hadKey,
        },
        this.now(),
      );
      if (!stored) {
        // Our claim went stale and someone took over: theirs wins.
        logger.warn(
          `Key provisioning of ${userRef} lost its claim; discarding the key it created`,
        );
        await this.deleteQuietly({ keys: [created.tokenHash] });
        created = undefined;
        await audit.fail({
          error: new Error('Another request took over the provisioning'),
        });
        return LOST_CLAIM;
      }
      // Stored and live: nothing below may delete it.
      const keyHash = created.tokenHash;
      created = undefined;
      await this.keyChanged(
        userRef,
        user.current
          ? withNewKey(user.info, {
              keyAlias,
              keyHash,
              previousKeyHash: claim.previousKeyHash,
            })
          : undefined,
      );
      await audit.success({ meta: { keyAlias, litellmUserId } });
      return stored;
    } catch (error) {
      if (error instanceof LostClaimError) {
        // Someone else owns the row now: leave it (and their key) alone.
        logger.warn(
          `Key provisioning of ${userRef} lost its claim before changing keys; the other request's key wins`,
        );
        await audit.fail({ error });
        return LOST_CLAIM;
      }
      if (created) {
        await this.deleteQuietly({ keys: [created.tokenHash] });
      } else if (generateUnanswered) {
        await this.deleteQuietly({ key_aliases: [keyAlias] }, renew);
      }
      try {
        if (!claim.hadKey) {
          await vault.deleteClaimed(userRef, claimId);
        } else if (claim.wasActive && !destructive) {
          await vault.restoreActive(userRef, claimId, this.now());
        } else {
          // The stored key may be gone: the next request repairs at once.
          await vault.releaseClaim(userRef, claimId, this.now());
        }
      } catch (cleanupError) {
        logger.error(
          `Could not release the key provisioning claim of ${userRef}: ${sanitize(
            String(cleanupError),
          )}`,
        );
      }
      if (claim.hadKey && destructive) await this.keyChanged(userRef);
      await audit.fail({ error: error as Error });
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Makes sure LiteLLM has the internal user with the wanted budget:
   * `/user/info`, else `/user/new` (no auto-created key); with `createFirst`
   * the other way round. Whatever `/user/new` answers, the user is read
   * again: "already exists" (409, or 400 on older releases) may be about the
   * e-mail, and older releases answer 200 for an existing id and keep its
   * old budget. `current`: `info` is LiteLLM's state after every write
   * (false when the budget was updated after the read).
   */
  private async ensureUser(
    client: LiteLlmClient,
    profile: EmployeeProfile,
    { createFirst }: { createFirst: boolean },
  ): Promise<{ info: LiteLlmUserInfo; current: boolean }> {
    const userId = profile.entityRef;
    const want = profile.budget;
    let info = createFirst ? undefined : await client.getUserInfo(userId);
    if (!info) {
      const body = {
        user_id: userId,
        user_email: profile.email,
        user_alias: profile.displayName,
        user_role: 'internal_user' as const,
        max_budget: want.maxBudget,
        budget_duration: want.duration,
        auto_create_key: false as const,
        metadata: { source: 'ai-portal' },
      };
      try {
        await this.createUser(client, body);
      } catch (error) {
        // Created first without asking: a user that already exists still
        // serves when LiteLLM answered with a refusal (e.g. a licence cap).
        // Not when it is down or slow: that fails at once.
        if (!createFirst || !(error instanceof LiteLlmBadGatewayError)) {
          throw error;
        }
        info = await client.getUserInfo(userId).catch(() => undefined);
        if (!info) throw error;
      }
      info ??= await client.getUserInfo(userId);
      if (!info && body.user_email) {
        // The conflict was the e-mail: another LiteLLM user (created outside
        // the portal) has it. Provision without it rather than not at all.
        this.options.logger.warn(
          `LiteLLM already has a user with the e-mail of ${userId}; creating ${userId} without user_email`,
        );
        await this.createUser(client, { ...body, user_email: undefined });
        info = await client.getUserInfo(userId);
      }
      if (!info) {
        throw new LiteLlmBadGatewayError(
          `LiteLLM did not create the user ${userId} (POST /user/new succeeded but GET /user/info does not find it)`,
        );
      }
    }
    // The new key is generated with its cap; the old one is deleted.
    const written = await reconcileBudget(client, info, want, {
      capKey: false,
      auditor: this.options.auditor,
      trigger: 'provision',
    });
    return { info, current: !written.user };
  }

  /** Tells the plugin (caches) about a key change; a failure there is logged, never fatal. */
  private async keyChanged(
    userRef: string,
    user?: LiteLlmUserInfo,
  ): Promise<void> {
    try {
      await this.options.onKeyChanged?.(userRef, user);
    } catch (error) {
      this.options.logger.warn(
        `After the key change of ${userRef}, updating caches failed: ${sanitize(
          String(error),
        )}`,
      );
    }
  }

  private async createUser(
    client: LiteLlmClient,
    body: Parameters<LiteLlmClient['newUser']>[0],
  ): Promise<void> {
    try {
      await client.newUser(body);
    } catch (error) {
      if (!(error instanceof LiteLlmAlreadyExistsError)) throw error;
    }
  }

  private async generate(
    client: LiteLlmClient,
    key: {
      keyAlias: string;
      userRef: string;
      litellmUserId: string;
      maxBudget: number | null;
    },
    { beforeAliasDelete }: { beforeAliasDelete: () => Promise<void> },
  ): Promise<LiteLlmGeneratedKey> {
    const { keyAlias, userRef } = key;
    const body = {
      key_alias: keyAlias,
      user_id: key.litellmUserId,
      ...(key.maxBudget === null ? {} : { max_budget: key.maxBudget }),
      // Top-level `tags` is Enterprise-only (500 on OSS): metadata only.
      metadata: { source: 'ai-portal', portal_user: userRef },
    };
    try {
      return await client.generateKey(body);
    } catch (error) {
      // LiteLLM keeps key aliases unique: an orphan from a crashed run (or
      // a takeover race) holds ours. Delete it and try once more;
      // conditional writes settle the rest.
      if (!(error instanceof LiteLlmAlreadyExistsError)) throw error;
      await beforeAliasDelete();
      await client.deleteKeys({ key_aliases: [keyAlias] });
      return await client.generateKey(body);
    }
  }

  /**
   * Deletes a key the portal does not keep; a failure is logged, as the key
   * keeps the employee's alias and the next provisioning deletes it
   * (duplicate alias). `which`: the key just made (its hash), or after a
   * `/key/generate` that got no answer, whatever LiteLLM made anyway (the
   * alias) while `stillOurs` says the claim is still ours (after it, the
   * alias may be a new owner's key).
   */
  private async deleteQuietly(
    which: { keys: string[] } | { key_aliases: string[] },
    stillOurs?: () => Promise<boolean>,
  ): Promise<void> {
    try {
      if (stillOurs && !(await stillOurs())) return;
      await this.options.client().deleteKeys(which);
    } catch (error) {
      this.options.logger.warn(
        `Could not delete an unused LiteLLM key (it will be removed by the next provisioning): ${sanitize(
          String(error),
        )}`,
      );
    }
  }
}

/**
 * The user as LiteLLM holds it after a key change: the previous key and any
 * other key with the employee's alias (an orphan `generate` deleted) gone,
 * the new key listed.
 */
function withNewKey(
  info: LiteLlmUserInfo,
  key: { keyAlias: string; keyHash: string; previousKeyHash?: string },
): LiteLlmUserInfo {
  if (!info.keys) return info;
  return {
    ...info,
    keys: [
      ...info.keys.filter(
        k => k.token !== key.previousKeyHash && k.key_alias !== key.keyAlias,
      ),
      { token: key.keyHash, key_alias: key.keyAlias },
    ],
  };
}

function isActive(record: KeyRecord | undefined): record is ActiveKeyRecord {
  return (
    record?.status === 'active' &&
    record.hasKey &&
    !!record.keyHash &&
    !!record.keyLast4
  );
}
