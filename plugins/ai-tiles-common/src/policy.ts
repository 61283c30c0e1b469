/** The acceptable-use policy as the backend serves it at `GET /api/ai-tiles/policy`. */
export interface AiPolicyDocument {
  /** Version string from config; a new version means employees accept again. */
  version: string;
  title: string;
  /** Markdown text of the policy. */
  markdown: string;
}
