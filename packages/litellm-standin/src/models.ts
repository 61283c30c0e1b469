import { ProxyError, pyRepr } from './errors';
import type { Principal, StandInApp } from './http';
import type { StandInModel } from './options';

/** Model lookup and model-access checks (`auth_checks.py`, `can_key_call_model` & co.). */

export function findModel(
  app: StandInApp,
  name: unknown,
): StandInModel | undefined {
  if (typeof name !== 'string') return undefined;
  return app.options.models.find(m => m.model_name === name);
}

export function providerOf(model: StandInModel): {
  provider: string;
  providerModel: string;
} {
  const raw = model.litellm_params?.model ?? `openai/${model.model_name}`;
  const slash = raw.indexOf('/');
  return slash === -1
    ? { provider: 'openai', providerModel: raw }
    : { provider: raw.slice(0, slash), providerModel: raw.slice(slash + 1) };
}

/** Expands access groups (`model_info.access_groups`) into model names. */
function expand(app: StandInApp, entries: string[]): Set<string> {
  const out = new Set<string>();
  for (const entry of entries) {
    out.add(entry);
    for (const m of app.options.models) {
      if (m.model_info?.access_groups?.includes(entry)) out.add(m.model_name);
    }
  }
  return out;
}

/** `[]` and `all-proxy-models` mean "every model"; `no-default-models` means none. */
function restriction(
  app: StandInApp,
  models: string[] | undefined,
): Set<string> | null {
  if (!models || models.length === 0 || models.includes('all-proxy-models'))
    return null;
  if (models.includes('no-default-models')) return new Set();
  return expand(app, models);
}

interface Gate {
  scope: 'key' | 'team' | 'user';
  listed: string[];
  allowed: Set<string>;
}

function gates(app: StandInApp, principal: Principal): Gate[] {
  const out: Gate[] = [];
  const key = principal.key;
  if (!key) return out;
  const keyAllowed = restriction(app, key.models);
  if (keyAllowed)
    out.push({ scope: 'key', listed: key.models, allowed: keyAllowed });
  if (key.team_id) {
    const team = app.state.teams.get(key.team_id);
    const teamAllowed = restriction(app, team?.models);
    if (team && teamAllowed)
      out.push({ scope: 'team', listed: team.models, allowed: teamAllowed });
  } else if (key.user_id) {
    // A user's model list applies to their personal (non-team) keys.
    const user = app.state.users.get(key.user_id);
    const userAllowed = restriction(app, user?.models);
    if (user && userAllowed)
      out.push({ scope: 'user', listed: user.models, allowed: userAllowed });
  }
  return out;
}

export function allowedModels(
  app: StandInApp,
  principal: Principal,
): StandInModel[] {
  const gs = gates(app, principal);
  return app.options.models.filter(m =>
    gs.every(g => g.allowed.has(m.model_name)),
  );
}

export function checkModelAccess(
  app: StandInApp,
  principal: Principal,
  model: string,
): void {
  for (const gate of gates(app, principal)) {
    if (!gate.allowed.has(model)) {
      const what = gate.scope === 'user' ? 'User' : gate.scope;
      throw new ProxyError(
        401,
        `${what} not allowed to access model. This ${
          gate.scope
        } can only access models=${pyRepr(
          gate.listed,
        )}. Tried to access ${model}`,
        `${gate.scope}_model_access_denied`,
        'model',
      );
    }
  }
}

export function unknownModel(route: string, model: unknown): ProxyError {
  return new ProxyError(
    400,
    `400: ${pyRepr({
      error: `${route}: Invalid model name passed in model=${
        typeof model === 'string' ? model : 'None'
      }. Call \`/v1/models\` to view available models for your key.`,
    })}`,
    'None',
    'None',
  );
}

/** Price columns of `model_info` the stand-in bills with (USD per token, image, second, character). */
export const PRICE_FIELDS = [
  'input_cost_per_token',
  'output_cost_per_token',
  'output_cost_per_image',
  'input_cost_per_second',
  'input_cost_per_character',
] as const;

/** The model's prices for SpendLogs `model_map_information`: token prices always, others if set. */
export function pricesOf(model: StandInModel): Record<string, number> {
  const info = model.model_info ?? {};
  const out: Record<string, number> = {
    input_cost_per_token: info.input_cost_per_token ?? 0,
    output_cost_per_token: info.output_cost_per_token ?? 0,
  };
  for (const field of PRICE_FIELDS) {
    const value = info[field];
    if (typeof value === 'number') out[field] = value;
  }
  return out;
}

/**
 * A model priced at exactly 0 (both token prices set to 0, any other price
 * set is 0 too) is free: LiteLLM then skips key/user/team budgets. A model
 * without prices is not: its budgets are still checked.
 */
export function isFreeModel(model: StandInModel): boolean {
  const info = model.model_info ?? {};
  return (
    info.input_cost_per_token === 0 &&
    info.output_cost_per_token === 0 &&
    PRICE_FIELDS.every(
      field => typeof info[field] !== 'number' || info[field] === 0,
    )
  );
}

/**
 * The image and audio routes need a model of the matching `model_info.mode` (a model without a
 * mode is accepted). LiteLLM would forward the call and the provider would refuse it with a 400.
 */
export function checkModelMode(
  model: StandInModel,
  mode: string,
  route: string,
): void {
  const actual = model.model_info?.mode;
  if (actual !== undefined && actual !== mode) {
    throw new ProxyError(
      400,
      `litellm.BadRequestError: model=${model.model_name} has mode '${actual}' and cannot be used on ${route} (needs mode '${mode}')`,
      'invalid_request_error',
      'model',
    );
  }
}

export function costOf(
  model: StandInModel,
  promptTokens: number,
  completionTokens: number,
) {
  const info = model.model_info ?? {};
  const input = promptTokens * (info.input_cost_per_token ?? 0);
  const output = completionTokens * (info.output_cost_per_token ?? 0);
  return { input, output, total: input + output };
}
