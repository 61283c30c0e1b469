import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import {
  CatalogProcessor,
  CatalogProcessorEmit,
  LocationSpec,
  processingResult,
} from '@backstage/plugin-catalog-node';
import { validateAiEntity } from '@internal/plugin-ai-tiles-common';

/**
 * Validates AI portal entities with the same rules the tiles page renders by.
 * Each problem is emitted as an input error, so the catalog keeps the last
 * valid version of the entity (or none), records the errors for its owner and
 * logs them; a broken entity never reaches the tiles page.
 */
export class AiEntityProcessor implements CatalogProcessor {
  getProcessorName(): string {
    return 'AiEntityProcessor';
  }

  async postProcessEntity(
    entity: Entity,
    location: LocationSpec,
    emit: CatalogProcessorEmit,
  ): Promise<Entity> {
    const problems = validateAiEntity(entity);
    if (problems.length > 0) {
      const ref = stringifyEntityRef(entity);
      for (const problem of problems) {
        emit(
          processingResult.inputError(
            location,
            `Invalid AI portal entity ${ref}: ${problem}`,
          ),
        );
      }
    }
    return entity;
  }
}
