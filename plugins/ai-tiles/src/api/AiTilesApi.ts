import { createApiRef } from '@backstage/core-plugin-api';
import {
  AiEntityProblem,
  AiPolicyDocument,
} from '@internal/plugin-ai-tiles-common';

/** Client of the ai-tiles backend, as used by the portal's frontend. */
export interface AiTilesApi {
  /**
   * The acceptable-use policy, or `undefined` when none is configured
   * (the backend answers 404). Other failures reject with a `ResponseError`.
   */
  getPolicy(): Promise<AiPolicyDocument | undefined>;

  /**
   * AI entities owned by the signed-in user or their groups that the catalog
   * refuses, with the errors to fix (served by the catalog's ai-tiles module).
   * Empty when the catalog runs without that module.
   */
  getMyEntityProblems(): Promise<AiEntityProblem[]>;
}

/** API reference of {@link AiTilesApi}. */
export const aiTilesApiRef = createApiRef<AiTilesApi>({
  id: 'plugin.ai-tiles.client',
});
