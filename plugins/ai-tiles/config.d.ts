export interface Config {
  /** Frontend settings of the AI portal (the backend declares its own keys, e.g. `aiTiles.policy`). */
  aiTiles?: {
    /** The Open Chat tile. */
    chat?: {
      /**
       * Absolute http(s) URL the Open Chat tile opens (Open WebUI). Overrides
       * the launch link of the `ai-chat` catalog entity named `open-chat`;
       * when there is no such entity, an Open Chat tile with this URL is
       * shown first. Other `ai-chat` entities keep their own launch links.
       * @visibility frontend
       */
      url?: string;
    };
  };
}
