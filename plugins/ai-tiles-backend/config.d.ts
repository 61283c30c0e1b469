export interface Config {
  aiTiles?: {
    /** The acceptable-use policy shown at /ai/policy and accepted by employees. */
    policy?: {
      /** Heading of the policy page. */
      title?: string;
      /**
       * Version of the policy text (at most 100 characters). Raise it whenever
       * the text changes materially: employees are asked to accept the new version.
       */
      version: string;
      /**
       * Markdown file with the policy text: an absolute path, or relative to the
       * backend's working directory (like catalog file locations).
       */
      path: string;
      /**
       * Absolute http(s) URL of the policy page, for messages read outside the
       * portal (the AI gateway's refusal in a chat window). Default: the page
       * at `/ai/policy` under app.baseUrl; set it when the app mounts the page
       * elsewhere.
       */
      pageUrl?: string;
    };

    /**
     * The LiteLLM proxy that holds each employee's internal user, personal key
     * and budget. Without it, AI access reports `not-configured`.
     */
    litellm?: {
      /**
       * Admin API base URL as the backend reaches it: the proxy's root, e.g.
       * http://litellm:4000, without a path such as /v1 (LiteLLM's answer
       * "no such route" is reported as a wrong base URL). Redirects are not
       * followed: use the URL LiteLLM answers on. Required whenever
       * aiTiles.litellm is present; the backend refuses to start without it.
       */
      baseUrl: string;
      /**
       * LiteLLM master key (`sk-…`). Never leaves the backend. When missing,
       * the portal starts and AI access answers 503 naming this key.
       * @visibility secret
       */
      masterKey?: string;
      /**
       * The URL employees use for direct API calls with their key (shown on
       * "My AI access" as the OpenAI-compatible base URL). Default: baseUrl.
       */
      publicUrl?: string;
      /** Timeout of each LiteLLM call in milliseconds. Default 10000. */
      timeoutMs?: number;
      /** Extra attempts for idempotent (GET) calls on connection errors and 502/503/504. Default 2. */
      retries?: number;
    };

    /** Encryption of the stored employee keys (AES-256-GCM). Required with aiTiles.litellm. */
    encryption?: {
      /**
       * The first key encrypts; every key listed decrypts. Rotation: add the
       * new key, deploy, let the scheduled task re-encrypt, then remove the old
       * one (see the plugin README for the multi-replica order).
       */
      keys: Array<{
        /** Stored with each ciphertext; letters, digits, '.', '_' or '-'. */
        id: string;
        /**
         * At least 32 characters (hashed with SHA-256), or `base64:`/`hex:`
         * followed by exactly 32 bytes.
         * @visibility secret
         */
        secret: string;
      }>;
    };

    /**
     * Monthly (or `duration`) budgets in USD, enforced by LiteLLM. 0 means no
     * model calls at all (the employee's key is capped at 0 as well).
     */
    budgets?: {
      /** Budget of every employee without an override. Required with aiTiles.litellm. */
      default?: number;
      /** LiteLLM budget_duration: `1mo` (default, resets on the 1st), `30d`, `7d`, `1d`, … */
      duration?: string;
      /** Highest budget allowed anywhere in this block (checked at startup). */
      ceiling?: number;
      /** Per-group budgets; the group closest to the employee wins, ties go to the higher budget. */
      groups?: Array<{
        /** Group entity ref, e.g. group:default/legal. */
        group: string;
        maxBudget: number;
      }>;
      /** Per-employee budgets; they win over group budgets. */
      users?: Array<{
        /** User entity ref, e.g. user:default/jane.doe. */
        user: string;
        maxBudget: number;
      }>;
    };
    /**
     * The OpenAI-compatible AI gateway at /api/ai-tiles/gateway/v1. Open WebUI
     * and every Dify app use it as their model provider; it forwards each call
     * to LiteLLM with the employee's personal key. Needs aiTiles.litellm.
     */
    gateway?: {
      /**
       * LiteLLM's OpenAI-compatible base URL for model calls, without `/v1`.
       * Default: aiTiles.litellm.baseUrl.
       */
      upstreamUrl?: string;
      /** The callers: one Open WebUI, one per Dify app. */
      clients: Array<{
        /** Name in logs and the ledger; letters, digits, '.', '_' or '-'. */
        id: string;
        /** `openwebui` (employee from the e-mail header) or `dify` (from the Dify end user). */
        kind: 'openwebui' | 'dify';
        /**
         * The client's API key for the gateway (≥ 32 random characters),
         * sent as `Authorization: Bearer …`.
         * @visibility secret
         */
        token: string;
        /**
         * The AI app this client serves (catalog Component ref). Calls with no
         * resolvable employee are charged to this app's own service key.
         */
        entityRef: string;
        /**
         * The Dify app's API key, for looking up Dify end users
         * (`GET /v1/end-users/{id}`, newer Dify). Only for clients of kind
         * `dify`; needs aiTiles.dify.baseUrl (both checked at start).
         * @visibility secret
         */
        difyApiKey?: string;
      }>;
      openWebUi?: {
        /**
         * The header Open WebUI forwards the employee's e-mail in
         * (`ENABLE_FORWARD_USER_INFO_HEADERS`). Default X-OpenWebUI-User-Email.
         */
        emailHeader?: string;
      };
      serviceKeys?: {
        /** Budget of each app's service key (USD per aiTiles.budgets.duration). Default 10. */
        maxBudget?: number;
      };
      /**
       * Also serve the gateway on its own port, beside Backstage's, at the
       * same paths (/api/ai-tiles/gateway/v1/…). For Open WebUI and Dify
       * inside the deployment's network: do not publish this port. Calls
       * there skip Backstage's browser middleware (security headers, CORS,
       * compression, request log).
       */
      listen?: {
        /** Interface to bind. Default: every interface. */
        host?: string;
        /** Port, e.g. 7008 (0: any free port). */
        port: number;
      };
      limits?: {
        /** Largest request body in bytes (JSON and uploads) → 413. Default 26214400 (25 MiB). */
        maxBodyBytes?: number;
        /** Calls one employee may have running at once in each backend process (replicas count separately) → 429. Default 8. */
        maxConcurrentPerEmployee?: number;
        /** Longest wait for LiteLLM's answer and between streamed chunks, in ms → 504. Default 300000. */
        timeoutMs?: number;
        /** Longest wait to connect to LiteLLM, in ms → 502. Default 3000. */
        connectTimeoutMs?: number;
      };
    };

    /** The Dify deployment the AI apps run on. */
    dify?: {
      /** Dify API base URL as the backend reaches it, e.g. http://dify-api:5001 (http or https). */
      baseUrl?: string;
    };
  };
}
