import { z } from 'zod';

/**
 * The signed-in employee's AI access as `GET /api/ai-tiles/me/access` returns
 * it: budget, spend, masked key and the acceptable-use policy status. Shared by
 * the backend router and the frontend client (which validates responses with
 * the same schema).
 */
export const aiAccessSummarySchema = z.object({
  /**
   * `ready`: key issued and usable; `policy-required`: the current policy
   * must be accepted before a key is issued or revealed; `not-configured`:
   * the portal has no LiteLLM connection (see `missingConfig`).
   */
  status: z.enum(['ready', 'policy-required', 'not-configured']),
  /** Config keys to set before AI access works (status `not-configured`). */
  missingConfig: z.array(z.string()).optional(),
  user: z.object({
    entityRef: z.string(),
    email: z.string().optional(),
    displayName: z.string().optional(),
  }),
  policy: z.object({
    version: z.string(),
    title: z.string(),
    /** The version this employee accepted last, if any. */
    acceptedVersion: z.string().optional(),
    acceptedAt: z.string().optional(),
    /** True when the accepted version is the current one. */
    accepted: z.boolean(),
  }),
  budget: z
    .object({
      currency: z.literal('USD'),
      /** Null: no limit. */
      maxBudget: z.number().nullable(),
      spend: z.number(),
      /** LiteLLM duration, e.g. `1mo`. */
      budgetDuration: z.string().nullable(),
      /** ISO time of the next reset, if LiteLLM reports one. */
      resetAt: z.string().nullable(),
      /**
       * Linear forecast of the spend at the end of the period (`30d` and
       * `1mo`: the calendar month LiteLLM resets on), counted from the
       * employee's first key when that is later than the period's start.
       */
      forecast: z.number().nullable(),
    })
    .optional(),
  key: z
    .object({
      /** e.g. `sk-...a1b2`: never the raw key. */
      masked: z.string(),
      alias: z.string(),
      createdAt: z.string(),
      rotatedAt: z.string().nullable(),
    })
    .optional(),
  /** Where employees call LiteLLM directly with their key (OpenAI-compatible). */
  apiBaseUrl: z.string().optional(),
});

export type AiAccessSummary = z.infer<typeof aiAccessSummarySchema>;

/** `POST /api/ai-tiles/me/policy/accept` body: the version the employee read. */
export const acceptPolicyRequestSchema = z.object({
  version: z.string().min(1).max(100),
});
export type AcceptPolicyRequest = z.infer<typeof acceptPolicyRequestSchema>;

/** `POST /api/ai-tiles/me/key/reveal` response: the raw key, for its owner only. */
export const revealKeyResponseSchema = z.object({ key: z.string() });
export type RevealKeyResponse = z.infer<typeof revealKeyResponseSchema>;

/**
 * Name of the error `POST /api/ai-tiles/me/policy/accept` answers (502 or
 * 503) when the acceptance was recorded but the key could not be set up
 * (LiteLLM down or answering nonsense): accepting again retries the key.
 */
export const AI_KEY_NOT_READY_ERROR = 'AiKeyNotReadyError';
