import type { Principal, StandInApp } from './http';
import { pricesOf, providerOf } from './models';
import type { StandInModel } from './options';
import type { CustomerRow, JsonObject, SpendLogRow } from './state';

/**
 * Post-call spend accounting (`proxy/db/db_spend_update_writer.py`): key, user (personal keys
 * only), team and end user, plus one `LiteLLM_SpendLogs` row per call. The stand-in writes
 * immediately; real LiteLLM batches these writes (so budgets can overshoot there by more).
 */

/** LiteLLM `CallTypes` of the model routes the stand-in serves. */
export type CallType =
  | 'acompletion'
  | 'atext_completion'
  | 'aembedding'
  | 'aimage_generation'
  | 'atranscription'
  | 'aspeech';

/** Route reported per call type (`breakdown.endpoints` of the daily activity). */
export const ENDPOINT_OF_CALL_TYPE: Record<CallType, string> = {
  acompletion: '/chat/completions',
  atext_completion: '/completions',
  aembedding: '/embeddings',
  aimage_generation: '/images/generations',
  atranscription: '/audio/transcriptions',
  aspeech: '/audio/speech',
};

export interface SpendEvent {
  principal: Principal;
  model: StandInModel;
  callType: CallType;
  requestId: string;
  promptTokens: number;
  completionTokens: number;
  cost: number;
  inputCost: number;
  outputCost: number;
  endUser?: string;
  tags: string[];
  startTime: Date;
  endTime: Date;
  completionStartTime?: Date;
  status: 'success' | 'failure';
  error?: { code: string; message: string; class: string };
  requesterIp: string | null;
  spendLogsMetadata?: unknown;
  sessionId?: string | null;
}

function bump(map: Record<string, number>, name: string, cost: number): void {
  map[name] = (map[name] ?? 0) + cost;
}

export function newCustomer(userId: string): CustomerRow {
  return {
    user_id: userId,
    alias: null,
    spend: 0,
    allowed_model_region: null,
    default_model: null,
    budget_id: null,
    blocked: false,
    object_permission_id: null,
    object_permission: null,
  };
}

export function recordSpend(app: StandInApp, e: SpendEvent): SpendLogRow {
  const { state } = app;
  const { principal, cost } = e;
  const group = e.model.model_name;
  const nowIso = e.endTime.toISOString();
  const key = principal.key ? state.keys.get(principal.key.token) : undefined;
  const teamId = key?.team_id ?? null;
  const team = teamId ? state.teams.get(teamId) : undefined;

  if (e.status === 'success') {
    if (key) {
      key.spend += cost;
      bump(key.model_spend, group, cost);
      key.last_active = nowIso;
    } else if (principal.kind === 'master') {
      state.masterSpend += cost;
    }
    if (team) {
      team.spend += cost;
      bump(team.model_spend, group, cost);
    } else {
      const user = principal.userId
        ? state.users.get(principal.userId)
        : undefined;
      if (user) {
        user.spend += cost;
        bump(user.model_spend, group, cost);
      }
    }
  }
  if (e.endUser) {
    // "The customer_id will be upserted into the DB" (docs/proxy/customers.md).
    let customer = state.customers.get(e.endUser);
    if (!customer) {
      customer = newCustomer(e.endUser);
      state.customers.set(e.endUser, customer);
    }
    if (e.status === 'success') customer.spend += cost;
  }

  const { provider, providerModel } = providerOf(e.model);
  const metadata: JsonObject = {
    user_api_key: principal.token,
    user_api_key_alias: key?.key_alias ?? null,
    user_api_key_user_id: principal.userId,
    user_api_key_user_email: principal.user?.user_email ?? null,
    user_api_key_team_id: teamId,
    user_api_key_team_alias: team?.team_alias ?? null,
    user_api_key_org_id: key?.organization_id ?? null,
    user_api_key_end_user_id: e.endUser ?? null,
    spend_logs_metadata:
      (e.spendLogsMetadata as JsonObject | undefined) ?? null,
    requester_ip_address: e.requesterIp,
    applied_guardrails: [],
    status: e.status,
    error_information: e.error
      ? {
          error_code: e.error.code,
          error_message: e.error.message,
          error_class: e.error.class,
          llm_provider: provider,
          traceback: '',
        }
      : null,
    usage_object: {
      prompt_tokens: e.promptTokens,
      completion_tokens: e.completionTokens,
      total_tokens: e.promptTokens + e.completionTokens,
    },
    model_map_information: {
      model_map_key: providerModel,
      model_map_value: pricesOf(e.model),
    },
    cost_breakdown: {
      input_cost: e.inputCost,
      output_cost: e.outputCost,
      total_cost: cost,
    },
    additional_usage_values: {},
  };

  const row: SpendLogRow = {
    request_id: e.requestId,
    call_type: e.callType,
    api_key: principal.token,
    spend: cost,
    total_tokens: e.promptTokens + e.completionTokens,
    prompt_tokens: e.promptTokens,
    completion_tokens: e.completionTokens,
    startTime: e.startTime.toISOString(),
    endTime: nowIso,
    completionStartTime: (e.completionStartTime ?? e.endTime).toISOString(),
    model: providerModel,
    model_id: e.model.model_info?.id ?? null,
    model_group: group,
    custom_llm_provider: provider,
    api_base: e.model.litellm_params?.api_base ?? 'https://stand-in.invalid/v1',
    user: principal.userId ?? '',
    team_id: teamId,
    end_user: e.endUser ?? '',
    metadata,
    request_tags: e.tags,
    cache_hit: 'False',
    cache_key: 'Cache OFF',
    requester_ip_address: e.requesterIp,
    messages: {},
    response: {},
    proxy_server_request: {},
    session_id: e.sessionId ?? null,
    status: e.status,
    mcp_namespaced_tool_name: null,
  };
  state.spendLogs.push(row);
  return row;
}
