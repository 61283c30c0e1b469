import { z } from 'zod';

/**
 * An AI entity owned by the caller that the catalog refuses, with the reasons
 * (`GET /api/catalog/ai-tiles/problems`). Shared by the catalog module that
 * serves it and the frontend client that validates it.
 */
export const aiEntityProblemSchema = z.object({
  /** `component:<namespace>/<name>` as written in the entity file. */
  entityRef: z.string(),
  title: z.string().optional(),
  /** `spec.owner` as a full entity ref. */
  owner: z.string(),
  /** Where the entity is defined (`backstage.io/managed-by-location`), if known. */
  location: z.string().optional(),
  /** One message per problem, naming the field to fix. */
  errors: z.array(z.string()),
});
export type AiEntityProblem = z.infer<typeof aiEntityProblemSchema>;

export const aiEntityProblemsResponseSchema = z.object({
  items: z.array(aiEntityProblemSchema),
});
export type AiEntityProblemsResponse = z.infer<
  typeof aiEntityProblemsResponseSchema
>;
