import { createApiRef } from '@backstage/core-plugin-api';
import {
  AiAccessSummary,
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

  /**
   * The signed-in employee's AI access (`GET /me/access`): status, budget,
   * masked key and policy acceptance. Rejects with a `ResponseError` on HTTP
   * errors (e.g. 503 when LiteLLM is down) and with an `Error` when the body
   * does not match `aiAccessSummarySchema`.
   */
  getMyAccess(): Promise<AiAccessSummary>;

  /**
   * Accepts the acceptable-use policy `version` the employee read
   * (`POST /me/policy/accept`). The backend answers 409 when that is no
   * longer the current version. Resolves with the new summary (usually
   * `ready` with a key: the backend issues it on acceptance).
   */
  acceptPolicy(version: string): Promise<AiAccessSummary>;

  /**
   * The raw personal API key (`POST /me/key/reveal`), for its owner only;
   * the backend audits every call. 403 when the policy is not accepted.
   */
  revealKey(): Promise<string>;

  /**
   * Replaces the personal API key (`POST /me/key/rotate`): the old key stops
   * working at once. Resolves with the summary holding the new masked key.
   */
  rotateKey(): Promise<AiAccessSummary>;
}

/** API reference of {@link AiTilesApi}. */
export const aiTilesApiRef = createApiRef<AiTilesApi>({
  id: 'plugin.ai-tiles.client',
});
