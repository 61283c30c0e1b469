/**
 * An AI entity owned by the caller that the catalog refuses, with the reasons
 * (`GET /api/catalog/ai-tiles/problems`).
 */
export interface AiEntityProblem {
  /** `component:<namespace>/<name>` as written in the entity file. */
  entityRef: string;
  title?: string;
  /** `spec.owner` as a full entity ref. */
  owner: string;
  /** Where the entity is defined (`backstage.io/managed-by-location`), if known. */
  location?: string;
  /** One message per problem, naming the field to fix. */
  errors: string[];
}

export interface AiEntityProblemsResponse {
  items: AiEntityProblem[];
}
