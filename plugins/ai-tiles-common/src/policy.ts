import { z } from 'zod';

/** The acceptable-use policy as the backend serves it at `GET /api/ai-tiles/policy`. */
export const aiPolicyDocumentSchema = z.object({
  /** Version string from config; a new version means employees accept again. */
  version: z.string(),
  title: z.string(),
  /** Markdown text of the policy. */
  markdown: z.string(),
});
export type AiPolicyDocument = z.infer<typeof aiPolicyDocumentSchema>;
