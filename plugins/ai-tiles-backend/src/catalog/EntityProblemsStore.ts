import {
  ANNOTATION_LOCATION,
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import {
  AI_PORTAL_ANNOTATION_PREFIX,
  AI_TILE_TYPES,
  AiEntityProblem,
  isAiTileEntity,
} from '@internal/plugin-ai-tiles-common';
import { Knex } from 'knex';

interface RefreshStateRow {
  unprocessed_entity: string;
  errors: string | null;
}

const isAiRelated = (entity: Entity) =>
  isAiTileEntity(entity) ||
  Object.keys(entity.metadata?.annotations ?? {}).some(key =>
    key.startsWith(AI_PORTAL_ANNOTATION_PREFIX),
  );

function ownerRef(entity: Entity): string | undefined {
  const owner = entity.spec?.owner;
  if (typeof owner !== 'string' || !owner) {
    return undefined;
  }
  try {
    return stringifyEntityRef(
      parseEntityRef(owner, {
        defaultKind: 'group',
        defaultNamespace: entity.metadata?.namespace ?? 'default',
      }),
    ).toLocaleLowerCase('en-US');
  } catch {
    return undefined;
  }
}

/**
 * Reads, from the catalog's own processing state, the AI entities that failed
 * processing and why. A new entity that fails is never stitched, so this is
 * the only place its errors exist; the catalog module serves them to owners.
 */
export class EntityProblemsStore {
  constructor(private readonly db: () => Promise<Knex>) {}

  /** Problems of AI entities owned by one of `ownerRefs` (lower-case entity refs). */
  async listForOwners(ownerRefs: string[]): Promise<AiEntityProblem[]> {
    const owners = new Set(ownerRefs.map(r => r.toLocaleLowerCase('en-US')));
    const knex = await this.db();
    // Errored rows are few; the LIKE filters only run on those.
    const rows: RefreshStateRow[] = await knex('refresh_state')
      .select('unprocessed_entity', 'errors')
      .whereNotNull('errors')
      .whereNot('errors', '[]')
      .andWhere(q =>
        q
          .where(
            'unprocessed_entity',
            'like',
            `%${AI_PORTAL_ANNOTATION_PREFIX}%`,
          )
          .orWhere(inner => {
            for (const type of AI_TILE_TYPES) {
              inner.orWhere('unprocessed_entity', 'like', `%"${type}"%`);
            }
          }),
      );

    const problems: AiEntityProblem[] = [];
    for (const row of rows) {
      const entity = parseJson<Entity>(row.unprocessed_entity);
      const errors = parseJson<Array<{ message?: unknown }>>(
        row.errors ?? '[]',
      );
      const owner = entity && ownerRef(entity);
      if (!entity || !owner || !owners.has(owner) || !isAiRelated(entity)) {
        continue;
      }
      const messages = (Array.isArray(errors) ? errors : [])
        .map(e => (typeof e?.message === 'string' ? e.message : undefined))
        .filter((m): m is string => !!m);
      if (messages.length === 0) {
        continue;
      }
      problems.push({
        entityRef: safeRef(entity),
        title:
          typeof entity.metadata?.title === 'string'
            ? entity.metadata.title
            : undefined,
        owner,
        location: entity.metadata?.annotations?.[ANNOTATION_LOCATION],
        errors: messages,
      });
    }
    return problems.sort((a, b) => a.entityRef.localeCompare(b.entityRef));
  }
}

function parseJson<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function safeRef(entity: Entity): string {
  try {
    return stringifyEntityRef(entity).toLocaleLowerCase('en-US');
  } catch {
    return String(entity.metadata?.name ?? 'unknown');
  }
}
