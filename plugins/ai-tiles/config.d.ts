export interface Config {
  /** Frontend settings of the AI portal (the backend declares its own keys, e.g. `aiTiles.policy`). */
  aiTiles?: {
    /** The Open Chat tile. */
    chat?: {
      /**
       * Absolute http(s) URL the Open Chat tile opens (Open WebUI). Overrides
       * the launch link of the `ai-chat` catalog entity; when no such entity
       * exists, the tile is still shown with this URL.
       * @visibility frontend
       */
      url?: string;
    };
  };
}
