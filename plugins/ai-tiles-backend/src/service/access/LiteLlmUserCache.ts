import { CacheService } from '@backstage/backend-plugin-api';
import { LiteLlmUserInfo } from '../litellm/LiteLlmClient';

/** What is cached per employee from LiteLLM (`/user/info`). */
export interface CachedLiteLlmUser {
  spend: number;
  maxBudget: number | null;
  budgetDuration: string | null;
  resetAt: string | null;
  /** Hashes of the user's keys, when LiteLLM lists them (drift check). */
  keyHashes: string[] | null;
}

const DEFAULT_TTL_MS = 30_000;

/**
 * Each employee's LiteLLM user (budget, spend, key hashes), kept briefly in
 * Backstage's cache so that the access summary needs no LiteLLM call on
 * every page view. Shared by the access service (reads) and the key
 * provisioner (which knows the user's state right after a key change).
 */
export class LiteLlmUserCache {
  constructor(
    private readonly cache: CacheService,
    private readonly ttlMs: number = DEFAULT_TTL_MS,
  ) {}

  static key(userRef: string): string {
    return `litellm-user:${userRef}`;
  }

  async get(userRef: string): Promise<CachedLiteLlmUser | undefined> {
    return (await this.cache.get(LiteLlmUserCache.key(userRef))) as
      | CachedLiteLlmUser
      | undefined;
  }

  async set(
    userRef: string,
    info: LiteLlmUserInfo,
  ): Promise<CachedLiteLlmUser> {
    const row = info.user;
    const tokens = info.keys?.map(k => k.token);
    const value: CachedLiteLlmUser = {
      spend: row.spend ?? 0,
      maxBudget: row.max_budget ?? null,
      budgetDuration: row.budget_duration ?? null,
      resetAt: row.budget_reset_at ?? null,
      // Only when LiteLLM lists plain SHA-256 hashes (versions differ).
      keyHashes:
        tokens &&
        tokens.every(
          (t): t is string => typeof t === 'string' && /^[0-9a-f]{64}$/.test(t),
        )
          ? tokens
          : null,
    };
    await this.cache.set(LiteLlmUserCache.key(userRef), value as any, {
      ttl: this.ttlMs,
    });
    return value;
  }

  async delete(userRef: string): Promise<void> {
    await this.cache.delete(LiteLlmUserCache.key(userRef));
  }
}
