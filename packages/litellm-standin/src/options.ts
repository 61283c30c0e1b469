/** Model entry in LiteLLM's `config.yaml` `model_list` shape. */
export interface StandInModel {
  /** What clients send as `model`. */
  model_name: string;
  litellm_params?: {
    /** Provider model, e.g. `openai/gpt-4o-mini`; the part after `/` is reported as `model`. */
    model?: string;
    api_base?: string;
    /** Canned reply instead of the echo (LiteLLM's `mock_response`). */
    mock_response?: string;
    [key: string]: unknown;
  };
  model_info?: {
    id?: string;
    /**
     * `chat` (default), `completion`, `embedding`, `image_generation`, `audio_transcription` or
     * `audio_speech`. The image and audio routes refuse a model whose mode is set to another value.
     */
    mode?:
      | 'chat'
      | 'completion'
      | 'embedding'
      | 'image_generation'
      | 'audio_transcription'
      | 'audio_speech'
      | string;
    input_cost_per_token?: number;
    output_cost_per_token?: number;
    /** `/images/generations`: cost = n × this. */
    output_cost_per_image?: number;
    /** `/audio/transcriptions`: cost = seconds × this, with 16,000 uploaded bytes = 1 s. */
    input_cost_per_second?: number;
    /** `/audio/speech`: cost = input characters × this. */
    input_cost_per_character?: number;
    max_tokens?: number;
    max_input_tokens?: number;
    max_output_tokens?: number;
    access_groups?: string[];
    [key: string]: unknown;
  };
}

/** `general_settings.user_header_mappings` entry. */
export interface UserHeaderMapping {
  header_name: string;
  litellm_user_role: 'customer' | 'internal_user' | string;
}

/** Every {@link FailureMode}'s `mode`, for validation (kept complete by the check below). */
export const FAILURE_MODES = [
  'error',
  'hang',
  'hang-after',
  'malformed-json',
  'disconnect',
  'upstream-error',
] as const satisfies ReadonlyArray<FailureMode['mode']>;

/** Injected failures for robustness tests. */
export type FailureMode =
  | {
      /** Answer with `status` (default 500) and a LiteLLM error envelope. */
      mode: 'error';
      status?: number;
      message?: string;
      routes?: string[];
      times?: number;
    }
  | {
      /** Never answer (the socket stays open until the client gives up or the server closes). */
      mode: 'hang';
      routes?: string[];
      times?: number;
    }
  | {
      /**
       * Do the call (users, keys and spend change as usual), then never answer: a LiteLLM
       * that finishes the work after the client gave up.
       */
      mode: 'hang-after';
      routes?: string[];
      times?: number;
    }
  | {
      /** 200 with a truncated, unparsable JSON body. */
      mode: 'malformed-json';
      routes?: string[];
      times?: number;
    }
  | {
      /** Destroy the socket without an HTTP response. */
      mode: 'disconnect';
      routes?: string[];
      times?: number;
    }
  | {
      /**
       * The upstream provider fails *after* auth, budget and rate-limit checks on model routes:
       * LiteLLM answers `status` (default 500) and writes a `status: "failure"` SpendLogs row.
       * For streams, `afterChunks` sends that many content chunks and then drops the connection.
       */
      mode: 'upstream-error';
      status?: number;
      message?: string;
      routes?: string[];
      times?: number;
      afterChunks?: number;
    };

// A mode added to FailureMode but not to FAILURE_MODES fails to compile here.
const everyModeListed: Record<
  Exclude<FailureMode['mode'], (typeof FAILURE_MODES)[number]>,
  never
> = {};
void everyModeListed;

export interface LiteLlmStandInOptions {
  /** Proxy admin key; must start with `sk-` like LiteLLM's `master_key`. */
  masterKey: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default: {@link DEFAULT_MODELS}. */
  models?: StandInModel[];
  /** Status for `budget_exceeded`: 429 (newer LiteLLM, default) or 400 (releases up to early 2026). */
  budgetExceededStatus?: 429 | 400;
  /**
   * Older `/user/new`: duplicate email → 400, duplicate `user_id` → 200 with the row unchanged and a
   * new key. Default false (newer: 409 for both).
   */
  legacyDuplicateUsers?: boolean;
  /** Pretend `LITELLM_LICENSE` is set (Enterprise routes and fields). Default false. */
  licensed?: boolean;
  /** Time source; the returned `clock` can move it further. */
  now?: () => Date;
  /** Delay before a model route answers (ms). Default 0. */
  latencyMs?: number;
  /** Delay between SSE chunks (ms). Default 0. */
  streamChunkDelayMs?: number;
  /**
   * Chat and text completions reply `chunk-1 chunk-2 … chunk-N` (N SSE content chunks when
   * streamed) unless the request sends `mock_response` or `mock_stream_chunks`. Default 0 = off.
   */
  mockStreamChunks?: number;
  /** `general_settings.user_header_name` (deprecated end-user header). */
  userHeaderName?: string;
  /** `general_settings.user_header_mappings`; the `customer` mapping names the end-user header. */
  userHeaderMappings?: UserHeaderMapping[];
  /** `general_settings.always_include_stream_usage`. */
  alwaysIncludeStreamUsage?: boolean;
  /** `litellm_settings.max_end_user_budget`: budget for end users without their own. */
  maxEndUserBudget?: number;
  /** `litellm_settings.max_internal_user_budget` for `/user/new` with role `internal_user`. */
  maxInternalUserBudget?: number;
  /** `litellm_settings.internal_user_budget_duration`. */
  internalUserBudgetDuration?: string;
  /** Run the budget reset job on a timer (LiteLLM: ~600 s). Default: only via `runBudgetReset()`. */
  budgetResetIntervalMs?: number;
  /** Value of `x-litellm-version`. */
  version?: string;
  /** Log one line per request (never includes keys). */
  logger?: (line: string) => void;
}

export const DEFAULT_VERSION = '1.96.2';

/** Small default model list with OpenAI list prices (USD per token, image, second or character). */
export const DEFAULT_MODELS: StandInModel[] = [
  {
    model_name: 'gpt-4o-mini',
    litellm_params: { model: 'openai/gpt-4o-mini' },
    model_info: {
      id: 'standin-gpt-4o-mini',
      mode: 'chat',
      input_cost_per_token: 0.00000015,
      output_cost_per_token: 0.0000006,
      max_tokens: 16384,
      max_input_tokens: 128000,
      max_output_tokens: 16384,
    },
  },
  {
    model_name: 'claude-haiku',
    litellm_params: { model: 'anthropic/claude-3-5-haiku-20241022' },
    model_info: {
      id: 'standin-claude-haiku',
      mode: 'chat',
      input_cost_per_token: 0.0000008,
      output_cost_per_token: 0.000004,
      max_tokens: 8192,
      max_input_tokens: 200000,
      max_output_tokens: 8192,
    },
  },
  {
    model_name: 'text-embedding-3-small',
    litellm_params: { model: 'openai/text-embedding-3-small' },
    model_info: {
      id: 'standin-text-embedding-3-small',
      mode: 'embedding',
      input_cost_per_token: 0.00000002,
      output_cost_per_token: 0,
      max_tokens: 8191,
      max_input_tokens: 8191,
    },
  },
  {
    model_name: 'dall-e-3',
    litellm_params: { model: 'openai/dall-e-3' },
    model_info: {
      id: 'standin-dall-e-3',
      mode: 'image_generation',
      output_cost_per_image: 0.04,
    },
  },
  {
    model_name: 'whisper-1',
    litellm_params: { model: 'openai/whisper-1' },
    model_info: {
      id: 'standin-whisper-1',
      mode: 'audio_transcription',
      input_cost_per_second: 0.0001,
    },
  },
  {
    model_name: 'tts-1',
    litellm_params: { model: 'openai/tts-1' },
    model_info: {
      id: 'standin-tts-1',
      mode: 'audio_speech',
      input_cost_per_character: 0.000015,
    },
  },
];
