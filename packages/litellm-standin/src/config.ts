import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { LiteLlmStandInOptions } from './options';

/**
 * Configuration for the standalone server: a subset of LiteLLM's `config.yaml` (`model_list`,
 * `general_settings`, `litellm_settings`) plus a `standin_settings` block for the stand-in's own
 * switches, and environment variables. The master key only ever comes from `LITELLM_MASTER_KEY`.
 */

const modelSchema = z
  .object({
    model_name: z.string().min(1),
    litellm_params: z
      .object({ model: z.string().optional() })
      .passthrough()
      .optional(),
    model_info: z
      .object({
        id: z.string().optional(),
        mode: z.string().optional(),
        input_cost_per_token: z.number().min(0).optional(),
        output_cost_per_token: z.number().min(0).optional(),
        output_cost_per_image: z.number().min(0).optional(),
        input_cost_per_second: z.number().min(0).optional(),
        input_cost_per_character: z.number().min(0).optional(),
        access_groups: z.array(z.string()).optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

const configSchema = z
  .object({
    model_list: z.array(modelSchema).optional(),
    general_settings: z
      .object({
        user_header_name: z.string().optional(),
        user_header_mappings: z
          .array(
            z.object({
              header_name: z.string(),
              litellm_user_role: z.string(),
            }),
          )
          .optional(),
        always_include_stream_usage: z.boolean().optional(),
      })
      .passthrough()
      .optional(),
    litellm_settings: z
      .object({
        max_end_user_budget: z.number().optional(),
        max_internal_user_budget: z.number().optional(),
        internal_user_budget_duration: z.string().optional(),
      })
      .passthrough()
      .optional(),
    standin_settings: z
      .object({
        budget_exceeded_status: z
          .union([z.literal(429), z.literal(400)])
          .optional(),
        legacy_duplicate_users: z.boolean().optional(),
        licensed: z.boolean().optional(),
        latency_ms: z.number().min(0).optional(),
        stream_chunk_delay_ms: z.number().min(0).optional(),
        mock_stream_chunks: z.number().int().min(0).max(100_000).optional(),
        budget_reset_interval_ms: z.number().min(0).optional(),
      })
      .strict()
      .optional(),
  })
  .passthrough();

export type StandInFileOptions = Omit<LiteLlmStandInOptions, 'masterKey'>;

/** Parses a JSON or YAML config text into stand-in options. */
export function parseStandInConfig(
  text: string,
  format: 'json' | 'yaml',
): StandInFileOptions {
  const raw: unknown = format === 'json' ? JSON.parse(text) : parseYaml(text);
  const result = configSchema.safeParse(raw ?? {});
  if (!result.success) {
    const issues = result.error.issues.map(
      i => `${i.path.join('.') || '(root)'}: ${i.message}`,
    );
    throw new Error(`Invalid stand-in config: ${issues.join('; ')}`);
  }
  const c = result.data;
  const out: StandInFileOptions = {};
  if (c.model_list) out.models = c.model_list;
  const g = c.general_settings ?? {};
  if (g.user_header_name) out.userHeaderName = g.user_header_name;
  if (g.user_header_mappings) out.userHeaderMappings = g.user_header_mappings;
  if (g.always_include_stream_usage !== undefined) {
    out.alwaysIncludeStreamUsage = g.always_include_stream_usage;
  }
  const l = c.litellm_settings ?? {};
  if (l.max_end_user_budget !== undefined)
    out.maxEndUserBudget = l.max_end_user_budget;
  if (l.max_internal_user_budget !== undefined)
    out.maxInternalUserBudget = l.max_internal_user_budget;
  if (l.internal_user_budget_duration)
    out.internalUserBudgetDuration = l.internal_user_budget_duration;
  const s = c.standin_settings ?? {};
  if (s.budget_exceeded_status !== undefined)
    out.budgetExceededStatus = s.budget_exceeded_status;
  if (s.legacy_duplicate_users !== undefined)
    out.legacyDuplicateUsers = s.legacy_duplicate_users;
  if (s.licensed !== undefined) out.licensed = s.licensed;
  if (s.latency_ms !== undefined) out.latencyMs = s.latency_ms;
  if (s.stream_chunk_delay_ms !== undefined)
    out.streamChunkDelayMs = s.stream_chunk_delay_ms;
  if (s.mock_stream_chunks !== undefined)
    out.mockStreamChunks = s.mock_stream_chunks;
  if (s.budget_reset_interval_ms !== undefined)
    out.budgetResetIntervalMs = s.budget_reset_interval_ms;
  return out;
}

export function loadStandInConfig(path: string): StandInFileOptions {
  const format = extname(path).toLowerCase() === '.json' ? 'json' : 'yaml';
  return parseStandInConfig(readFileSync(path, 'utf8'), format);
}

function envFlag(value: string | undefined): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase());
}

function envNumber(
  name: string,
  value: string | undefined,
): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`${name} must be a non-negative number`);
  return n;
}

/**
 * Options for `yarn start` from the environment. Throws (without echoing the key) when
 * `LITELLM_MASTER_KEY` is missing or does not start with `sk-`.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv): LiteLlmStandInOptions {
  const masterKey = env.LITELLM_MASTER_KEY;
  if (!masterKey) {
    throw new Error(
      'LITELLM_MASTER_KEY is required (the stand-in refuses to start without a master key)',
    );
  }
  if (!masterKey.startsWith('sk-')) {
    throw new Error(
      "LITELLM_MASTER_KEY must start with 'sk-' (as LiteLLM requires)",
    );
  }
  const fromFile = env.LITELLM_STANDIN_CONFIG
    ? loadStandInConfig(env.LITELLM_STANDIN_CONFIG)
    : {};
  const status = envNumber(
    'LITELLM_STANDIN_BUDGET_EXCEEDED_STATUS',
    env.LITELLM_STANDIN_BUDGET_EXCEEDED_STATUS,
  );
  if (status !== undefined && status !== 429 && status !== 400) {
    throw new Error(
      'LITELLM_STANDIN_BUDGET_EXCEEDED_STATUS must be 429 or 400',
    );
  }
  const pick = <T>(envValue: T | undefined, fileValue: T | undefined) =>
    envValue !== undefined ? envValue : fileValue;
  return {
    ...fromFile,
    masterKey,
    port: envNumber('LITELLM_STANDIN_PORT', env.LITELLM_STANDIN_PORT) ?? 4000,
    host: env.LITELLM_STANDIN_HOST || '127.0.0.1',
    budgetExceededStatus: pick(
      status as 429 | 400 | undefined,
      fromFile.budgetExceededStatus,
    ),
    legacyDuplicateUsers: pick(
      envFlag(env.LITELLM_STANDIN_LEGACY_DUPLICATE_USERS),
      fromFile.legacyDuplicateUsers,
    ),
    licensed: pick(envFlag(env.LITELLM_STANDIN_LICENSED), fromFile.licensed),
    latencyMs: pick(
      envNumber('LITELLM_STANDIN_LATENCY_MS', env.LITELLM_STANDIN_LATENCY_MS),
      fromFile.latencyMs,
    ),
    streamChunkDelayMs: pick(
      envNumber(
        'LITELLM_STANDIN_STREAM_CHUNK_DELAY_MS',
        env.LITELLM_STANDIN_STREAM_CHUNK_DELAY_MS,
      ),
      fromFile.streamChunkDelayMs,
    ),
    mockStreamChunks: pick(
      envNumber(
        'LITELLM_STANDIN_MOCK_STREAM_CHUNKS',
        env.LITELLM_STANDIN_MOCK_STREAM_CHUNKS,
      ),
      fromFile.mockStreamChunks,
    ),
    // LiteLLM runs its reset job about every 10 minutes.
    budgetResetIntervalMs:
      pick(
        envNumber(
          'LITELLM_STANDIN_BUDGET_RESET_INTERVAL_MS',
          env.LITELLM_STANDIN_BUDGET_RESET_INTERVAL_MS,
        ),
        fromFile.budgetResetIntervalMs,
      ) ?? 600_000,
  };
}
