import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { LRUCache } from 'lru-cache';
import { DifyEndUserStore } from '../database/DifyEndUserStore';
import { GatewayClient } from './config';

/** Who a call is charged to. */
export type CallIdentity =
  | { kind: 'employee'; userRef: string }
  | {
      kind: 'app';
      /** Why no employee: shown to admins with the ledger row. */
      reason: 'no-identity' | 'unknown-employee';
    };

/** A lookup's outcome; `failed` when the source failed (asked again soon). */
type Found = { userRef?: string; failed?: boolean };

const POSITIVE_TTL_MS = 5 * 60_000;
const NEGATIVE_TTL_MS = 60_000;
const FAILED_TTL_MS = 5_000;
const missTtl = (found: Found) =>
  found.failed ? FAILED_TTL_MS : NEGATIVE_TTL_MS;
const lower = (s: string) => s.toLocaleLowerCase('en-US');

/** A user entity ref (lower case), or undefined if `value` is not one. */
export function asUserRef(value: string): string | undefined {
  try {
    const ref = parseEntityRef(value);
    return lower(ref.kind) === 'user'
      ? lower(stringifyEntityRef(ref))
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Maps what a caller says about the employee to a catalog User:
 * - Open WebUI: the forwarded e-mail header → the User whose
 *   `spec.profile.email` it is (exactly one, case-insensitive);
 * - Dify: the request's `user` (Dify's end-user UUID, per app) → the mapping
 *   the Dify runner recorded, else Dify's `GET /v1/end-users/{id}`, whose
 *   `session_id` is the `user` the runner sent (the employee's entity ref).
 * Results are cached (misses for a minute, failed lookups for seconds);
 * concurrent lookups share one fetch.
 */
export class IdentityResolver {
  private readonly byEmail: LRUCache<string, Found>;
  private readonly byDifyUser: LRUCache<string, Found, GatewayClient>;

  constructor(
    private readonly options: {
      catalog: CatalogService;
      auth: AuthService;
      logger: LoggerService;
      difyEndUsers: DifyEndUserStore;
      difyBaseUrl?: string;
      /** For the Dify lookup; default the global fetch. */
      fetch?: typeof fetch;
      /** The caches' clock in ms (tests); default `performance.now`. */
      now?: () => number;
    },
  ) {
    const perf = options.now ? { now: options.now } : undefined;
    this.byEmail = new LRUCache<string, Found>({
      max: 50_000,
      ttl: POSITIVE_TTL_MS,
      perf,
      fetchMethod: async (email, _stale, { options: opts }) => {
        const found = await this.findByEmail(email);
        if (!found.userRef) opts.ttl = missTtl(found);
        return found;
      },
    });
    this.byDifyUser = new LRUCache<string, Found, GatewayClient>({
      max: 50_000,
      ttl: POSITIVE_TTL_MS,
      perf,
      fetchMethod: async (key, _stale, { options: opts, context }) => {
        const found = await this.findDifyUser(
          context,
          key.slice(key.indexOf('\n') + 1),
        );
        if (!found.userRef) opts.ttl = missTtl(found);
        return found;
      },
    });
  }

  async resolve(
    client: GatewayClient,
    emailHeader: string | undefined,
    difyUser: unknown,
  ): Promise<CallIdentity> {
    let found: Found | undefined;
    if (client.kind === 'openwebui') {
      const email = emailHeader?.trim();
      if (!email) return { kind: 'app', reason: 'no-identity' };
      const key = lower(email);
      found = this.byEmail.get(key) ?? (await this.byEmail.fetch(key));
    } else {
      if (typeof difyUser !== 'string' || !difyUser.trim()) {
        return { kind: 'app', reason: 'no-identity' };
      }
      const key = `${client.entityRef}\n${difyUser.trim()}`;
      found =
        this.byDifyUser.get(key) ??
        (await this.byDifyUser.fetch(key, { context: client }));
    }
    return found?.userRef
      ? { kind: 'employee', userRef: found.userRef }
      : { kind: 'app', reason: 'unknown-employee' };
  }

  private async findByEmail(email: string): Promise<Found> {
    const { catalog, auth, logger } = this.options;
    const { items } = await catalog.getEntities(
      {
        filter: { kind: 'user', 'spec.profile.email': email },
        fields: ['kind', 'metadata.namespace', 'metadata.name'],
      },
      { credentials: await auth.getOwnServiceCredentials() },
    );
    if (items.length > 1) {
      logger.warn(
        `AI gateway: ${items.length} catalog users share one e-mail address; calls with it are charged to the app`,
      );
      return {};
    }
    return items[0] ? { userRef: lower(stringifyEntityRef(items[0])) } : {};
  }

  private async findDifyUser(
    client: GatewayClient,
    endUserId: string,
  ): Promise<Found> {
    const { difyEndUsers, difyBaseUrl, logger } = this.options;
    const recorded = await difyEndUsers.get(client.entityRef, endUserId);
    if (recorded) return { userRef: recorded };
    if (!difyBaseUrl || !client.difyApiKey) return {};
    // Dify's UUIDs are hex and dashes; anything else is not looked up.
    if (!/^[0-9a-f-]{8,64}$/i.test(endUserId)) return {};
    try {
      const res = await (this.options.fetch ?? fetch)(
        `${difyBaseUrl}/v1/end-users/${encodeURIComponent(endUserId)}`,
        {
          headers: { authorization: `Bearer ${client.difyApiKey}` },
          signal: AbortSignal.timeout(5_000),
        },
      );
      if (!res.ok) {
        await res.body?.cancel(); // frees the connection
        // 404: no such end user. Anything else: Dify is failing right now.
        return res.status === 404 ? {} : { failed: true };
      }
      const body = (await res.json()) as {
        session_id?: unknown;
        type?: unknown;
        is_anonymous?: unknown;
      };
      // Only end users of Dify's service API (the portal's runner sends the
      // employee's ref as `user`). A share URL's web app creates `browser`
      // end users whose session id is whatever the visitor put in the URL.
      if (body.type !== 'service-api' || body.is_anonymous === true) {
        return {};
      }
      const userRef =
        typeof body.session_id === 'string'
          ? asUserRef(body.session_id)
          : undefined;
      if (!userRef || !(await this.userExists(userRef))) return {};
      await difyEndUsers.record(client.entityRef, endUserId, userRef);
      return { userRef };
    } catch (error) {
      logger.warn(
        `AI gateway: Dify end-user lookup for ${client.id} failed: ${
          (error as Error).message
        }`,
      );
      return { failed: true };
    }
  }

  private async userExists(userRef: string): Promise<boolean> {
    const { catalog, auth } = this.options;
    const entity = await catalog.getEntityByRef(userRef, {
      credentials: await auth.getOwnServiceCredentials(),
    });
    return !!entity;
  }
}
