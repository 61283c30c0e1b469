import { Config } from '@backstage/config';
import {
  isHttpUrl,
  parseConfigEntityRef,
} from '@internal/plugin-ai-tiles-common';
import { EncryptionKeyConfig } from '../service/crypto/KeyEncryption';

/** `aiTiles.budgets`, validated. Budgets are USD per `duration`. */
export interface BudgetConfig {
  default: number;
  duration: string;
  ceiling?: number;
  /** Group refs lower-cased (`group:default/legal`). */
  groups: Array<{ group: string; maxBudget: number }>;
  /** User refs lower-cased (`user:default/jane.doe`). */
  users: Array<{ user: string; maxBudget: number }>;
}

export interface LiteLlmConfig {
  baseUrl: string;
  /** Missing: the plugin starts, AI access answers 503 naming the key. */
  masterKey?: string;
  /** Shown to employees as `apiBaseUrl`. */
  publicUrl: string;
  timeoutMs: number;
  retries: number;
}

export type AccessConfig =
  | {
      configured: false;
      /** Config keys to set before AI access works. */
      missingConfig: string[];
    }
  | {
      configured: true;
      litellm: LiteLlmConfig;
      encryptionKeys: EncryptionKeyConfig[];
      budgets: BudgetConfig;
    };

export const CONFIG_KEYS = {
  baseUrl: 'aiTiles.litellm.baseUrl',
  masterKey: 'aiTiles.litellm.masterKey',
  encryptionKeys: 'aiTiles.encryption.keys',
  budgetDefault: 'aiTiles.budgets.default',
} as const;

const DURATION = /^([1-9]\d{0,5})(s|m|h|d|w|mo)$/;

/** Numbers, or numeric strings (what `${ENV}` substitution yields). */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : NaN;
  }
  return value === undefined ? undefined : NaN;
}

function readBudgetValue(
  config: Config,
  key: string,
  path: string,
  ceiling: number | undefined,
): number | undefined {
  const value = asNumber(config.getOptional(key));
  if (value === undefined) return undefined;
  if (
    Number.isNaN(value) ||
    value < 0 ||
    (ceiling !== undefined && value > ceiling)
  ) {
    throw new Error(
      ceiling === undefined
        ? `${path} must be a number ≥ 0`
        : `${path} must be a number ≥ 0 and ≤ aiTiles.budgets.ceiling (${ceiling})`,
    );
  }
  return value;
}

function normalizeRef(
  value: unknown,
  kind: 'group' | 'user',
  path: string,
): string {
  const example =
    kind === 'group' ? 'group:default/legal' : 'user:default/jane.doe';
  if (typeof value !== 'string' || !value.trim()) {
    throw new Error(`${path} must be a ${kind} entity ref like ${example}`);
  }
  let parsed;
  try {
    parsed = parseConfigEntityRef(value, kind);
  } catch {
    throw new Error(`${path} must be a ${kind} entity ref like ${example}`);
  }
  if (parsed.kind.toLocaleLowerCase('en-US') !== kind) {
    throw new Error(
      `${path} must be a ${kind} entity ref like ${example} (got kind ${parsed.kind})`,
    );
  }
  return parsed.ref;
}

/** Reads and validates `aiTiles.budgets`; undefined when absent. */
export function readBudgetConfig(config: Config): BudgetConfig | undefined {
  const budgets = config.getOptionalConfig('aiTiles.budgets');
  if (!budgets) return undefined;

  const ceilingValue = asNumber(budgets.getOptional('ceiling'));
  if (
    ceilingValue !== undefined &&
    (Number.isNaN(ceilingValue) || ceilingValue < 0)
  ) {
    throw new Error('aiTiles.budgets.ceiling must be a number ≥ 0');
  }
  const ceiling = ceilingValue;

  const duration = budgets.getOptional('duration') ?? '1mo';
  if (typeof duration !== 'string' || !DURATION.test(duration)) {
    throw new Error(
      `aiTiles.budgets.duration must be a LiteLLM budget duration such as 1mo, 30d, 7d or 1d`,
    );
  }
  const months = /^(\d+)mo$/.exec(duration);
  if (months && months[1] !== '1') {
    throw new Error(
      'aiTiles.budgets.duration: LiteLLM supports only 1mo as a month duration',
    );
  }

  const defaultBudget = readBudgetValue(
    budgets,
    'default',
    CONFIG_KEYS.budgetDefault,
    ceiling,
  );

  const groups = readOverrides(budgets, 'groups', 'group', ceiling).map(
    ({ ref, maxBudget }) => ({ group: ref, maxBudget }),
  );
  const users = readOverrides(budgets, 'users', 'user', ceiling).map(
    ({ ref, maxBudget }) => ({ user: ref, maxBudget }),
  );

  if (defaultBudget === undefined) {
    // Only an error once LiteLLM is configured (see readAccessConfig).
    return { default: NaN, duration, ceiling, groups, users };
  }
  return { default: defaultBudget, duration, ceiling, groups, users };
}

function readEncryptionKeys(config: Config): EncryptionKeyConfig[] | undefined {
  const entries = config.getOptionalConfigArray(CONFIG_KEYS.encryptionKeys);
  if (!entries || entries.length === 0) return undefined;
  return entries.map((entry, i) => {
    const id = entry.getOptional('id');
    const secret = entry.getOptional('secret');
    if (typeof id !== 'string' || !id) {
      throw new Error(`${CONFIG_KEYS.encryptionKeys}[${i}].id is required`);
    }
    if (typeof secret !== 'string' || !secret) {
      throw new Error(`${CONFIG_KEYS.encryptionKeys}[${i}].secret is required`);
    }
    return { id, secret };
  });
}

function readInteger(
  config: Config,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = asNumber(config.getOptional(key));
  if (value === undefined) return fallback;
  if (
    Number.isNaN(value) ||
    !Number.isInteger(value) ||
    value < min ||
    value > max
  ) {
    throw new Error(
      `aiTiles.litellm.${key} must be an integer from ${min} to ${max}`,
    );
  }
  return value;
}

function readUrl(config: Config, key: string): string | undefined {
  const value = config.getOptional(key);
  if (value === undefined || value === '') return undefined;
  const path = `aiTiles.litellm.${key}`;
  if (typeof value !== 'string') throw new Error(`${path} must be a URL`);
  if (!isHttpUrl(value)) {
    throw new Error(`${path} must be an absolute http(s) URL`);
  }
  return value.replace(/\/+$/, '');
}

/**
 * Reads the AI access configuration at startup. Invalid values stop the
 * backend with the path of the value to fix. No `aiTiles.litellm` at all (the
 * embedded default) is not an error: AI access then reports `not-configured`.
 */
export function readAccessConfig(config: Config): AccessConfig {
  const budgets = readBudgetConfig(config);
  const encryptionKeys = readEncryptionKeys(config);
  const litellm = config.getOptionalConfig('aiTiles.litellm');
  if (!litellm) {
    const missingConfig: string[] = [
      CONFIG_KEYS.baseUrl,
      CONFIG_KEYS.masterKey,
    ];
    if (!encryptionKeys) missingConfig.push(CONFIG_KEYS.encryptionKeys);
    if (!budgets || Number.isNaN(budgets.default)) {
      missingConfig.push(CONFIG_KEYS.budgetDefault);
    }
    return { configured: false, missingConfig };
  }

  const baseUrl = readUrl(litellm, 'baseUrl');
  const masterKey = litellm.getOptional('masterKey');
  if (masterKey !== undefined && typeof masterKey !== 'string') {
    throw new Error(`${CONFIG_KEYS.masterKey} must be a string`);
  }
  if (!baseUrl) {
    // Written to be used (e.g. `baseUrl: ${LITELLM_URL}` with the variable
    // unset): starting with AI access quietly off would hide the mistake.
    throw new Error(
      `${CONFIG_KEYS.baseUrl} is required when aiTiles.litellm is present: the LiteLLM proxy's root URL, e.g. http://litellm:4000 (leave aiTiles.litellm out to run without AI access)`,
    );
  }

  if (!encryptionKeys) {
    throw new Error(
      `${CONFIG_KEYS.encryptionKeys} is required when aiTiles.litellm is configured: the portal stores each employee's LiteLLM key encrypted (list of { id, secret })`,
    );
  }
  if (!budgets || Number.isNaN(budgets.default)) {
    throw new Error(
      `${CONFIG_KEYS.budgetDefault} is required when aiTiles.litellm is configured (USD per employee per aiTiles.budgets.duration)`,
    );
  }

  return {
    configured: true,
    litellm: {
      baseUrl,
      masterKey: masterKey || undefined,
      publicUrl: readUrl(litellm, 'publicUrl') ?? baseUrl,
      timeoutMs: readInteger(litellm, 'timeoutMs', 10_000, 1, 600_000),
      retries: readInteger(litellm, 'retries', 2, 0, 10),
    },
    encryptionKeys,
    budgets,
  };
}

/** `aiTiles.budgets.groups` or `.users`: entity ref + budget, each ref once. */
function readOverrides(
  budgets: Config,
  list: 'groups' | 'users',
  kind: 'group' | 'user',
  ceiling: number | undefined,
): Array<{ ref: string; maxBudget: number }> {
  const overrides: Array<{ ref: string; maxBudget: number }> = [];
  (budgets.getOptionalConfigArray(list) ?? []).forEach((entry, i) => {
    const path = `aiTiles.budgets.${list}[${i}]`;
    const ref = normalizeRef(entry.getOptional(kind), kind, `${path}.${kind}`);
    const maxBudget = readBudgetValue(
      entry,
      'maxBudget',
      `${path}.maxBudget`,
      ceiling,
    );
    if (maxBudget === undefined) {
      throw new Error(`${path}.maxBudget is required`);
    }
    if (overrides.some(o => o.ref === ref)) {
      throw new Error(`${path}.${kind}: ${ref} is listed twice`);
    }
    overrides.push({ ref, maxBudget });
  });
  return overrides;
}
