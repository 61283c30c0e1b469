import { Knex } from 'knex';

const TABLE = 'ai_policy_acceptances';

export interface PolicyAcceptance {
  version: string;
  acceptedAt: Date;
}

function toDate(value: Date | number | string): Date {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value);
  return /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
}

/** Which acceptable-use policy versions each employee accepted, and when. */
export class PolicyAcceptanceStore {
  constructor(private readonly knex: Knex) {}

  /**
   * Records an acceptance; accepting the same version again keeps the first
   * time. True when this call recorded it (`now` is then its time).
   */
  async accept(userRef: string, version: string, now: Date): Promise<boolean> {
    const recorded = await this.knex(TABLE)
      .insert({ user_ref: userRef, version, accepted_at: now })
      .onConflict(['user_ref', 'version'])
      .ignore()
      .returning('version');
    return recorded.length > 0;
  }

  /** Every version the employee accepted, most recent first. */
  async list(userRef: string): Promise<PolicyAcceptance[]> {
    const rows: Array<{
      version: string;
      accepted_at: Date | number | string;
    }> = await this.knex(TABLE)
      .where({ user_ref: userRef })
      .select('version', 'accepted_at');
    return rows
      .map(r => ({ version: r.version, acceptedAt: toDate(r.accepted_at) }))
      .sort((a, b) => b.acceptedAt.getTime() - a.acceptedAt.getTime());
  }
}
