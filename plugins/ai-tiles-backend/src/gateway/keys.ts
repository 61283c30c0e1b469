import { LRUCache } from 'lru-cache';
import { KeyVault } from '../database/KeyVault';
import { SingleFlight } from '../lib/SingleFlight';
import { EmployeeProfile } from '../service/budgets/BudgetResolver';
import { PolicyAcceptanceStore } from '../database/PolicyAcceptanceStore';
import { KeyProvisioner } from '../service/provisioning/KeyProvisioner';
import {
  LiteLlmClient,
  hashLiteLlmKey,
} from '../service/litellm/LiteLlmClient';
import { GatewayClient } from './config';
import { GatewayError } from './errors';
import { CallIdentity } from './identity';

/** Whose LiteLLM key pays for a call: the employee's, or the app's service key. */
export interface KeyOwner {
  /** Owner of the key: the employee, or the app (its service key). */
  ownerRef: string;
  chargedTo: 'employee' | 'app';
}

/** The LiteLLM key a call is made with, and whose it is. */
export interface ChargedKey extends KeyOwner {
  rawKey: string;
}

/** Whose key a call of `client` with `identity` is charged to. */
export function keyOwnerOf(
  client: GatewayClient,
  identity: CallIdentity,
): KeyOwner {
  return identity.kind === 'employee'
    ? { ownerRef: identity.userRef, chargedTo: 'employee' }
    : { ownerRef: client.entityRef, chargedTo: 'app' };
}

const KEY_TTL_MS = 60_000;

/** Whether a key owner is an AI app (its service key), not an employee. */
export const isAppRef = (ref: string) => ref.startsWith('component:');

/** The LiteLLM user of an app's service key: named after the app, own budget. */
export function appServiceKeyProfile(
  appRef: string,
  budget: { maxBudget: number; duration: string },
): EmployeeProfile {
  return {
    entityRef: appRef,
    displayName: `AI app ${appRef} (service key)`,
    budget: { ...budget, source: { kind: 'app' } },
  };
}
const POLICY_TTL_MS = 5 * 60_000;

/**
 * Decrypted keys for the gateway, provisioned on first use (employees after
 * they accepted the current acceptable-use policy; apps without one). Keys
 * stay in memory for a minute so a call costs no database read or
 * decryption; a rotation on this replica drops its entry at once
 * (`forget`). A key LiteLLM refuses is handled by `afterRefusal`: rotated
 * on another replica, or lost by LiteLLM and replaced.
 */
export class GatewayKeys {
  private readonly keys = new LRUCache<string, string>({
    max: 100_000,
    ttl: KEY_TTL_MS,
  });
  /** One load per owner at a time (provisioning runs at most once). */
  private readonly loading = new SingleFlight<string>();
  /** Refused keys LiteLLM said it still has (by hash): not asked again soon. */
  private readonly refusedButKnown = new LRUCache<string, true>({
    max: 10_000,
    ttl: KEY_TTL_MS,
  });
  /** One "does LiteLLM still have it?" check per refused key at a time. */
  private readonly checking = new SingleFlight<ChargedKey>();
  private readonly accepted = new LRUCache<string, true>({
    max: 100_000,
    ttl: POLICY_TTL_MS,
  });

  constructor(
    private readonly options: {
      provisioner: KeyProvisioner;
      vault: KeyVault;
      /** Throws (503) when LiteLLM is not usable, e.g. no master key. */
      client: () => LiteLlmClient;
      acceptances: PolicyAcceptanceStore;
      policyVersion: string;
      /** Where employees read and accept the policy (shown in the error). */
      policyUrl: string;
    },
  ) {}

  async keyFor(
    client: GatewayClient,
    identity: CallIdentity,
  ): Promise<ChargedKey> {
    const owner = keyOwnerOf(client, identity);
    if (owner.chargedTo === 'employee')
      await this.requirePolicy(owner.ownerRef);
    return { ...owner, rawKey: await this.key(owner.ownerRef) };
  }

  private key(ownerRef: string): Promise<string> {
    const cached = this.keys.get(ownerRef);
    if (cached) return Promise.resolve(cached);
    return this.loading.run(ownerRef, async () => {
      const key = await this.load(ownerRef);
      this.keys.set(ownerRef, key);
      return key;
    });
  }

  /**
   * The key to retry with after LiteLLM refused `refused` with a 401: the
   * stored key when it differs (rotated on another replica); a new key when
   * LiteLLM no longer has the stored one (deleted by an admin, database
   * reset), as "My AI access" would issue; else the same key, and the 401
   * (about something else: a model the key may not use, a blocked key)
   * reaches the caller. LiteLLM is asked once per refused key at a time,
   * and not again for a minute once it said it has the key.
   */
  async afterRefusal(
    client: GatewayClient,
    identity: CallIdentity,
    refused: ChargedKey,
  ): Promise<ChargedKey> {
    this.forget(refused.ownerRef);
    const stored = await this.keyFor(client, identity);
    if (stored.rawKey !== refused.rawKey) return stored;
    const keyHash = hashLiteLlmKey(refused.rawKey);
    if (this.refusedButKnown.has(keyHash)) return stored;
    return this.checking.run(keyHash, () =>
      this.repairIfLost(client, identity, stored, keyHash),
    );
  }

  private async repairIfLost(
    client: GatewayClient,
    identity: CallIdentity,
    stored: ChargedKey,
    keyHash: string,
  ): Promise<ChargedKey> {
    try {
      // Confirm first: replacing a key LiteLLM still has would break it
      // for every other caller.
      if (await this.options.client().getKeyInfo(keyHash)) {
        this.refusedButKnown.set(keyHash, true);
        return stored;
      }
    } catch {
      return stored; // cannot tell: leave the key alone
    }
    await this.options.provisioner.replaceKey(stored.ownerRef, {}, 'repair', {
      ifKeyHash: keyHash,
    });
    this.forget(stored.ownerRef);
    return this.keyFor(client, identity);
  }

  /**
   * Drops a cached key (rotated here, or refused by LiteLLM). A load in
   * flight is kept: it reads the vault after provisioning, so it returns the
   * new key.
   */
  forget(ownerRef: string): void {
    this.keys.delete(ownerRef);
  }

  private async requirePolicy(userRef: string): Promise<void> {
    if (this.accepted.has(userRef)) return;
    const { acceptances, policyVersion, policyUrl } = this.options;
    const accepted = await acceptances.list(userRef);
    if (!accepted.some(a => a.version === policyVersion)) {
      throw new GatewayError(
        403,
        'permission_error',
        `Before using AI, read and accept the acceptable-use policy (version ${policyVersion}) in the portal: ${policyUrl}`,
        'policy_not_accepted',
      );
    }
    this.accepted.set(userRef, true);
  }

  private async load(ownerRef: string): Promise<string> {
    const { provisioner, vault } = this.options;
    await provisioner.ensureKey(ownerRef);
    const key = await vault.decrypt(ownerRef);
    if (!key) {
      throw new GatewayError(
        503,
        'service_unavailable',
        'Your AI key is being replaced; try again in a moment',
      );
    }
    return key;
  }
}
