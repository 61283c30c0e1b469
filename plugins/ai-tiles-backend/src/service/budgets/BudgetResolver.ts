import {
  AuthService,
  CacheService,
  LoggerService,
} from '@backstage/backend-plugin-api';
import {
  Entity,
  RELATION_CHILD_OF,
  RELATION_MEMBER_OF,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { createHash } from 'node:crypto';
import { BudgetConfig } from '../../config/accessConfig';

/** How far up the group hierarchy a group override may apply. */
const MAX_GROUP_DEPTH = 20;

/** Where the resolved budget came from (logged, and handy in tests). */
export type BudgetSource =
  | { kind: 'user' }
  | { kind: 'group'; group: string; distance: number }
  | { kind: 'default' }
  /** An AI app's service key (aiTiles.gateway.serviceKeys). */
  | { kind: 'app' };

export interface ResolvedBudget {
  maxBudget: number;
  duration: string;
  source: BudgetSource;
}

/**
 * The budget of one employee: the user override, else the override of the
 * group closest to the user in the hierarchy (direct membership = 1, its
 * parent = 2, …; a tie goes to the higher budget), else the default.
 * `groupDistances` maps lower-case group refs to their distance.
 */
export function resolveBudget(
  budgets: BudgetConfig,
  userRef: string,
  groupDistances: ReadonlyMap<string, number>,
): ResolvedBudget {
  const duration = budgets.duration;
  const user = budgets.users.find(u => u.user === userRef);
  if (user)
    return { maxBudget: user.maxBudget, duration, source: { kind: 'user' } };

  let best: { group: string; distance: number; maxBudget: number } | undefined;
  for (const { group, maxBudget } of budgets.groups) {
    const distance = groupDistances.get(group);
    if (distance === undefined) continue;
    if (
      !best ||
      distance < best.distance ||
      (distance === best.distance && maxBudget > best.maxBudget)
    ) {
      best = { group, distance, maxBudget };
    }
  }
  if (best) {
    return {
      maxBudget: best.maxBudget,
      duration,
      source: { kind: 'group', group: best.group, distance: best.distance },
    };
  }
  return { maxBudget: budgets.default, duration, source: { kind: 'default' } };
}

/** What the portal knows about an employee from the catalog. */
export interface EmployeeProfile {
  entityRef: string;
  email?: string;
  displayName?: string;
  budget: ResolvedBudget;
  /** The User entity is not in the catalog (left, renamed): only config applies. */
  notInCatalog?: true;
}

const lower = (ref: string) => ref.toLocaleLowerCase('en-US');

function relationTargets(entity: Entity, type: string, kind: string): string[] {
  return (entity.relations ?? [])
    .filter(r => r.type === type)
    .map(r => lower(r.targetRef))
    .filter(ref => ref.startsWith(`${kind}:`));
}

function parentRefs(group: Entity): string[] {
  const refs = relationTargets(group, RELATION_CHILD_OF, 'group');
  const parent = (group.spec as { parent?: unknown } | undefined)?.parent;
  if (typeof parent === 'string' && parent) {
    try {
      refs.push(
        lower(
          stringifyEntityRef(
            parseEntityRef(parent, {
              defaultKind: 'group',
              defaultNamespace: group.metadata.namespace ?? 'default',
            }),
          ),
        ),
      );
    } catch {
      // an invalid spec.parent is the catalog's problem, not ours
    }
  }
  return refs;
}

/**
 * Reads employees from the catalog (User entity, then the group hierarchy
 * one level per request, stopping at the first level with an override) and
 * caches the result briefly. At most 1 + depth catalog calls per employee,
 * and just one when no group override is configured.
 */
export class EmployeeDirectory {
  /** Part of the cache key: a budget config change is visible at once. */
  private readonly configVersion: string;

  constructor(
    private readonly options: {
      catalog: CatalogService;
      auth: AuthService;
      cache: CacheService;
      logger: LoggerService;
      budgets: BudgetConfig;
      /** Default 5 minutes. */
      ttlMs?: number;
    },
  ) {
    this.configVersion = createHash('sha256')
      .update(JSON.stringify(options.budgets))
      .digest('hex')
      .slice(0, 12);
  }

  async getProfile(userRef: string): Promise<EmployeeProfile> {
    const cacheKey = `profile:${this.configVersion}:${userRef}`;
    const cached = (await this.options.cache.get(cacheKey)) as
      | EmployeeProfile
      | undefined;
    if (cached) return cached;
    const profile = await this.load(userRef);
    await this.options.cache.set(cacheKey, profile as any, {
      ttl: this.options.ttlMs ?? 5 * 60_000,
    });
    return profile;
  }

  private async load(userRef: string): Promise<EmployeeProfile> {
    const { catalog, auth, budgets } = this.options;
    const credentials = await auth.getOwnServiceCredentials();
    const user = await catalog.getEntityByRef(userRef, { credentials });
    const profile = (
      user?.spec as
        | { profile?: { email?: unknown; displayName?: unknown } }
        | undefined
    )?.profile;
    const email =
      typeof profile?.email === 'string' && profile.email
        ? profile.email
        : undefined;
    const displayName =
      typeof profile?.displayName === 'string' && profile.displayName
        ? profile.displayName
        : user?.metadata.title;

    const distances = new Map<string, number>();
    const overridden = new Set(budgets.groups.map(g => g.group));
    const userOverride = budgets.users.some(u => u.user === userRef);
    if (user && overridden.size > 0 && !userOverride) {
      let frontier = [
        ...new Set(relationTargets(user, RELATION_MEMBER_OF, 'group')),
      ];
      for (
        let distance = 1;
        frontier.length > 0 && distance <= MAX_GROUP_DEPTH;
        distance++
      ) {
        frontier.forEach(ref => distances.set(ref, distance));
        if (frontier.some(ref => overridden.has(ref))) break; // closest level found
        const { items } = await catalog.getEntitiesByRefs(
          {
            entityRefs: frontier,
            fields: [
              'kind',
              'metadata.name',
              'metadata.namespace',
              'spec.parent',
              'relations',
            ],
          },
          { credentials },
        );
        const next = new Set<string>();
        for (const group of items) {
          if (!group) continue;
          for (const parent of parentRefs(group)) {
            if (!distances.has(parent)) next.add(parent);
          }
        }
        frontier = [...next];
      }
    }

    const budget = resolveBudget(budgets, userRef, distances);
    return {
      entityRef: userRef,
      ...(email ? { email } : {}),
      ...(displayName ? { displayName } : {}),
      budget,
      ...(user ? {} : { notInCatalog: true as const }),
    };
  }
}
