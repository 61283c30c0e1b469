import { LoggerService } from '@backstage/backend-plugin-api';
import { Knex } from 'knex';
import { EncryptedValue, KeyEncryption } from '../service/crypto/KeyEncryption';
import { withoutBoundValues } from './secretWrites';

const TABLE = 'ai_user_keys';

interface KeyRow {
  user_ref: string;
  litellm_user_id: string;
  key_alias: string;
  key_hash: string | null;
  key_last4: string | null;
  encrypted_key: string | null;
  encryption_key_id: string | null;
  status: 'pending' | 'active';
  claim_id: string | null;
  claimed_at: Date | number | string | null;
  created_at: Date | number | string;
  rotated_at: Date | number | string | null;
  updated_at: Date | number | string;
}

/** One employee's key as stored (never the raw key). */
export interface KeyRecord {
  userRef: string;
  litellmUserId: string;
  keyAlias: string;
  status: 'pending' | 'active';
  keyHash?: string;
  keyLast4?: string;
  /** Whether a ciphertext is stored (false for a first provisioning in flight). */
  hasKey: boolean;
  encryptionKeyId?: string;
  claimId?: string;
  claimedAt?: Date;
  createdAt: Date;
  rotatedAt?: Date;
  updatedAt: Date;
}

/** An active record: it always holds a key. */
export type ActiveKeyRecord = KeyRecord & {
  status: 'active';
  keyHash: string;
  keyLast4: string;
};

/** Postgres gives Date objects, SQLite the epoch milliseconds we wrote. */
function toDate(value: Date | number | string): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  return /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
}

function toRecord(row: KeyRow): KeyRecord {
  return {
    userRef: row.user_ref,
    litellmUserId: row.litellm_user_id,
    keyAlias: row.key_alias,
    status: row.status,
    keyHash: row.key_hash ?? undefined,
    keyLast4: row.key_last4 ?? undefined,
    hasKey: row.encrypted_key !== null,
    encryptionKeyId: row.encryption_key_id ?? undefined,
    claimId: row.claim_id ?? undefined,
    claimedAt: row.claimed_at !== null ? toDate(row.claimed_at) : undefined,
    createdAt: toDate(row.created_at),
    rotatedAt: row.rotated_at !== null ? toDate(row.rotated_at) : undefined,
    updatedAt: toDate(row.updated_at),
  };
}

/**
 * The `ai_user_keys` table: one row per employee, the raw key only as
 * AES-256-GCM ciphertext. Every state change is a conditional statement on
 * `claim_id`, which is what makes provisioning safe across requests and
 * replicas (see KeyProvisioner).
 */
export class KeyVault {
  constructor(
    private readonly knex: Knex,
    private readonly encryption: KeyEncryption,
    private readonly logger?: LoggerService,
  ) {}

  async get(userRef: string): Promise<KeyRecord | undefined> {
    const row = await this.knex<KeyRow>(TABLE)
      .where({ user_ref: userRef })
      .first();
    return row ? toRecord(row) : undefined;
  }

  /**
   * Inserts a pending row owned by `claimId`, unless a row exists. The
   * primary key makes exactly one concurrent caller the winner.
   */
  async claimNew(
    userRef: string,
    fields: { litellmUserId: string; keyAlias: string },
    claimId: string,
    now: Date,
  ): Promise<boolean> {
    const inserted = await this.knex(TABLE)
      .insert({
        user_ref: userRef,
        litellm_user_id: fields.litellmUserId,
        key_alias: fields.keyAlias,
        status: 'pending',
        claim_id: claimId,
        claimed_at: now,
        created_at: now,
        updated_at: now,
      })
      .onConflict('user_ref')
      .ignore()
      // Postgres and SQLite return a row only when it was inserted.
      .returning('user_ref');
    return inserted.length === 1;
  }

  /**
   * Takes over a pending row whose owner looks dead: its claim is older than
   * `staleBefore`, or was released after a failure (`claim_id` null). The
   * condition on the claim seen makes one stealer win.
   */
  async stealStale(
    userRef: string,
    seenClaimId: string | undefined,
    staleBefore: Date,
    claimId: string,
    now: Date,
  ): Promise<boolean> {
    const query = this.knex(TABLE)
      .where({ user_ref: userRef, status: 'pending' })
      .update({ claim_id: claimId, claimed_at: now, updated_at: now });
    if (seenClaimId === undefined) {
      query.whereNull('claim_id');
    } else {
      query
        .andWhere('claim_id', seenClaimId)
        .andWhere('claimed_at', '<', staleBefore);
    }
    return (await query) === 1;
  }

  /** Renews our claim (the provisioning lease); false when it is no longer ours. */
  async renewClaim(
    userRef: string,
    claimId: string,
    now: Date,
  ): Promise<boolean> {
    const updated = await this.knex(TABLE)
      .where({ user_ref: userRef, claim_id: claimId, status: 'pending' })
      .update({ claimed_at: now });
    return updated === 1;
  }

  /** Claims an active row for rotation, if it still holds `seenKeyHash`. */
  async claimActive(
    userRef: string,
    seenKeyHash: string,
    claimId: string,
    now: Date,
  ): Promise<boolean> {
    const updated = await this.knex(TABLE)
      .where({ user_ref: userRef, status: 'active', key_hash: seenKeyHash })
      .update({
        status: 'pending',
        claim_id: claimId,
        claimed_at: now,
        updated_at: now,
      });
    return updated === 1;
  }

  /**
   * Stores a freshly created key and makes the row active, only if the claim
   * is still ours. Undefined: someone took over; the caller deletes its key.
   */
  async activate(
    userRef: string,
    claimId: string,
    key: {
      rawKey: string;
      keyHash: string;
      litellmUserId: string;
      rotated: boolean;
    },
    now: Date,
  ): Promise<ActiveKeyRecord | undefined> {
    const encrypted = this.encryption.encrypt(key.rawKey, userRef);
    const [row] = await withoutBoundValues(
      `Storing the new key of ${userRef} in the key vault`,
      this.knex<KeyRow>(TABLE)
        .where({ user_ref: userRef, claim_id: claimId, status: 'pending' })
        .update({
          status: 'active',
          litellm_user_id: key.litellmUserId,
          key_hash: key.keyHash,
          key_last4: key.rawKey.slice(-4),
          encrypted_key: encrypted.ciphertext,
          encryption_key_id: encrypted.keyId,
          claim_id: null,
          claimed_at: null,
          updated_at: now,
          ...(key.rotated ? { rotated_at: now } : {}),
        })
        .returning('*'),
    );
    return row ? (toRecord(row) as ActiveKeyRecord) : undefined;
  }

  /** After a failed first provisioning: removes our pending row. */
  async deleteClaimed(userRef: string, claimId: string): Promise<void> {
    await this.knex(TABLE)
      .where({ user_ref: userRef, claim_id: claimId, status: 'pending' })
      .delete();
  }

  /** After a rotation failed before touching LiteLLM: the old key stays. */
  async restoreActive(
    userRef: string,
    claimId: string,
    now: Date,
  ): Promise<void> {
    await this.knex(TABLE)
      .where({ user_ref: userRef, claim_id: claimId, status: 'pending' })
      .whereNotNull('encrypted_key')
      .update({
        status: 'active',
        claim_id: null,
        claimed_at: null,
        updated_at: now,
      });
  }

  /**
   * After a failure that may have destroyed the stored key at LiteLLM: the
   * row stays pending without an owner, so the next request repairs it.
   */
  async releaseClaim(
    userRef: string,
    claimId: string,
    now: Date,
  ): Promise<void> {
    await this.knex(TABLE)
      .where({ user_ref: userRef, claim_id: claimId, status: 'pending' })
      .update({ claim_id: null, claimed_at: null, updated_at: now });
  }

  /** The raw key of an employee. Only for reveal (and the gateway). */
  async decrypt(userRef: string): Promise<string | undefined> {
    const row = await this.knex<KeyRow>(TABLE)
      .where({ user_ref: userRef, status: 'active' })
      .select('encrypted_key', 'encryption_key_id')
      .first();
    if (!row?.encrypted_key || !row.encryption_key_id) return undefined;
    return this.encryption.decrypt(
      { keyId: row.encryption_key_id, ciphertext: row.encrypted_key },
      userRef,
    );
  }

  /** Owners of active keys after `afterRef`, in order (a page of at most `limit`). */
  async activeOwners(afterRef: string | undefined, limit: number) {
    const query = this.knex<KeyRow>(TABLE)
      .where({ status: 'active' })
      .orderBy('user_ref')
      .limit(limit)
      .select('user_ref');
    if (afterRef !== undefined) query.andWhere('user_ref', '>', afterRef);
    return (await query).map(r => r.user_ref);
  }

  /**
   * Re-encrypts rows written with an older encryption key to the active one,
   * in batches. Each update is conditional on the ciphertext read, so a
   * concurrent rotation is never overwritten. Rows whose key is no longer
   * configured are left alone (and reported).
   */
  async reencryptAll(options?: {
    batchSize?: number;
    signal?: AbortSignal;
  }): Promise<{ reencrypted: number; undecryptable: number }> {
    const batchSize = options?.batchSize ?? 100;
    const active = this.encryption.activeKeyId;
    let reencrypted = 0;
    let undecryptable = 0;
    const skipped = new Set<string>();
    for (;;) {
      if (options?.signal?.aborted) break;
      const rows: Pick<
        KeyRow,
        'user_ref' | 'encrypted_key' | 'encryption_key_id'
      >[] = await this.knex<KeyRow>(TABLE)
        .whereNotNull('encrypted_key')
        .whereNot('encryption_key_id', active)
        .whereNotIn('user_ref', [...skipped])
        .orderBy('user_ref')
        .limit(batchSize)
        .select('user_ref', 'encrypted_key', 'encryption_key_id');
      if (rows.length === 0) break;
      for (const row of rows) {
        const old: EncryptedValue = {
          keyId: row.encryption_key_id!,
          ciphertext: row.encrypted_key!,
        };
        let plaintext: string;
        try {
          plaintext = this.encryption.decrypt(old, row.user_ref);
        } catch (error) {
          skipped.add(row.user_ref);
          undecryptable++;
          this.logger?.error(
            `Cannot re-encrypt the stored key of ${row.user_ref}: ${
              (error as Error).message
            }`,
          );
          continue;
        }
        const next = this.encryption.encrypt(plaintext, row.user_ref);
        const updated = await withoutBoundValues(
          `Re-encrypting the stored key of ${row.user_ref}`,
          this.knex(TABLE)
            .where({
              user_ref: row.user_ref,
              encrypted_key: old.ciphertext,
              encryption_key_id: old.keyId,
            })
            .update({
              encrypted_key: next.ciphertext,
              encryption_key_id: next.keyId,
            }),
        );
        if (updated === 1) reencrypted++;
        else skipped.add(row.user_ref); // changed meanwhile: written with the active key
      }
    }
    return { reencrypted, undecryptable };
  }
}
