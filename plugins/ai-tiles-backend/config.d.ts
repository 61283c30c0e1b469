export interface Config {
  aiTiles?: {
    /** The acceptable-use policy shown at /ai/policy and accepted by employees. */
    policy?: {
      /** Heading of the policy page. */
      title?: string;
      /**
       * Version of the policy text. Raise it whenever the text changes materially:
       * employees are asked to accept the new version.
       */
      version: string;
      /**
       * Markdown file with the policy text: an absolute path, or relative to the
       * backend's working directory (like catalog file locations).
       */
      path: string;
    };
  };
}
