import { z } from 'zod';
import { DetailError, HttpException, PREMIUM_REQUIRED } from '../errors';
import type {
  Principal,
  Reply,
  RequestCtx,
  RouteDef,
  StandInApp,
} from '../http';
import { type CallType, ENDPOINT_OF_CALL_TYPE } from '../spend';
import { type SpendLogRow, snapshot } from '../state';
import { intQuery, parseQuery } from '../validation';

/**
 * Spend reads (`spend_management_endpoints.py`, `internal_user_endpoints.py`
 * `get_user_daily_activity`). The stand-in derives everything from its SpendLogs rows at read time,
 * so reads reflect calls immediately (LiteLLM's daily tables lag behind a batch writer).
 */

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$/;

/** Accepts `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` (UTC) or ISO-8601. */
function parseDate(value: string, name: string): Date {
  let d: Date;
  if (DATE_ONLY.test(value)) d = new Date(`${value}T00:00:00Z`);
  else if (DATE_TIME.test(value)) d = new Date(`${value.replace(' ', 'T')}Z`);
  else d = new Date(value);
  if (Number.isNaN(d.getTime())) {
    throw new HttpException(400, {
      error: `Invalid ${name}: ${value}. Use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS.`,
    });
  }
  return d;
}

/** Non-admins only ever see their own rows (`_user_has_admin_view`). */
function narrowUser(
  principal: Principal,
  requested: string | null,
): string | null {
  if (principal.canViewAll) return requested;
  return principal.userId ?? '\u0000none';
}

interface Metrics {
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  total_tokens: number;
  successful_requests: number;
  failed_requests: number;
  api_requests: number;
}

function emptyMetrics(): Metrics {
  return {
    spend: 0,
    prompt_tokens: 0,
    completion_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation_input_tokens: 0,
    total_tokens: 0,
    successful_requests: 0,
    failed_requests: 0,
    api_requests: 0,
  };
}

function add(m: Metrics, row: SpendLogRow): void {
  m.spend += row.spend;
  m.prompt_tokens += row.prompt_tokens;
  m.completion_tokens += row.completion_tokens;
  m.total_tokens += row.total_tokens;
  m.api_requests += 1;
  if (row.status === 'success') m.successful_requests += 1;
  else m.failed_requests += 1;
}

interface Breakdown {
  metrics: Metrics;
  metadata: Record<string, unknown>;
  api_key_breakdown?: Record<
    string,
    { metrics: Metrics; metadata: Record<string, unknown> }
  >;
}

function keyMetadata(row: SpendLogRow) {
  return {
    key_alias:
      (row.metadata.user_api_key_alias as string | null | undefined) ?? null,
    team_id: row.team_id,
  };
}

function addTo(
  map: Record<string, Breakdown>,
  name: string,
  row: SpendLogRow,
  withKeys: boolean,
): void {
  const entry = (map[name] ??= {
    metrics: emptyMetrics(),
    metadata: {},
    ...(withKeys ? { api_key_breakdown: {} } : {}),
  });
  add(entry.metrics, row);
  if (entry.api_key_breakdown) {
    const k = (entry.api_key_breakdown[row.api_key] ??= {
      metrics: emptyMetrics(),
      metadata: keyMetadata(row),
    });
    add(k.metrics, row);
  }
}

const endpointOf = (row: SpendLogRow) =>
  ENDPOINT_OF_CALL_TYPE[row.call_type as CallType] ?? '/chat/completions';

/** The UTC date of a call, `YYYY-MM-DD`. */
const dateOf = (row: SpendLogRow) => row.startTime.slice(0, 10);

/** Rows grouped by `keyOf`, groups in the order of their first row. */
function groupRows(
  rows: SpendLogRow[],
  keyOf: (row: SpendLogRow) => string,
): Map<string, SpendLogRow[]> {
  const groups = new Map<string, SpendLogRow[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return groups;
}

/**
 * The rows of LiteLLM's `LiteLLM_DailyUserSpend` table for these calls: one
 * per date, user, key, model, provider and endpoint (its unique key), newest
 * date first and, within a date, in the order they were created (LiteLLM
 * orders by `date desc, id asc`). Each keeps the calls it sums up.
 */
function dailySpendRows(rows: SpendLogRow[]): SpendLogRow[][] {
  const byKey = groupRows(rows, row =>
    [
      dateOf(row),
      row.user,
      row.api_key,
      row.model,
      row.custom_llm_provider,
      endpointOf(row),
    ].join('\u0000'),
  );
  // Array.prototype.sort is stable: creation order within a date stays.
  return [...byKey.values()].sort((a, b) =>
    dateOf(b[0]).localeCompare(dateOf(a[0])),
  );
}

/** Per-date results, newest first, from the calls of some daily rows. */
function dailyResults(rows: SpendLogRow[]) {
  const byDate = groupRows(rows, dateOf);
  return [...byDate.keys()]
    .sort()
    .reverse()
    .map(date => {
      const metrics = emptyMetrics();
      const models: Record<string, Breakdown> = {};
      const modelGroups: Record<string, Breakdown> = {};
      const providers: Record<string, Breakdown> = {};
      const apiKeys: Record<string, Breakdown> = {};
      const endpoints: Record<string, Breakdown> = {};
      for (const row of byDate.get(date) ?? []) {
        add(metrics, row);
        addTo(models, row.model, row, true);
        addTo(modelGroups, row.model_group, row, true);
        addTo(providers, row.custom_llm_provider, row, true);
        addTo(endpoints, endpointOf(row), row, true);
        const k = (apiKeys[row.api_key] ??= {
          metrics: emptyMetrics(),
          metadata: keyMetadata(row),
        });
        add(k.metrics, row);
      }
      return {
        date,
        metrics,
        breakdown: {
          models,
          model_groups: modelGroups,
          providers,
          api_keys: apiKeys,
          endpoints,
          mcp_servers: {},
          entities: {},
        },
      };
    });
}

function totals(results: ReturnType<typeof dailyResults>) {
  const t = emptyMetrics();
  for (const r of results) {
    for (const k of Object.keys(t) as (keyof Metrics)[]) t[k] += r.metrics[k];
  }
  return {
    total_spend: t.spend,
    total_prompt_tokens: t.prompt_tokens,
    total_completion_tokens: t.completion_tokens,
    total_tokens: t.total_tokens,
    total_api_requests: t.api_requests,
    total_successful_requests: t.successful_requests,
    total_failed_requests: t.failed_requests,
    total_cache_read_input_tokens: 0,
    total_cache_creation_input_tokens: 0,
  };
}

function dailyActivity(aggregated: boolean) {
  const query = z
    .object({
      start_date: z.string().optional(),
      end_date: z.string().optional(),
      model: z.string().optional(),
      api_key: z.string().optional(),
      user_id: z.string().optional(),
      page: intQuery(1, 1),
      page_size: intQuery(50, 1, 1000),
    })
    .passthrough();
  return (ctx: RequestCtx): Reply => {
    const q = parseQuery(query, ctx.query);
    if (!q.start_date || !q.end_date) {
      throw new DetailError(400, {
        error: 'Please provide start_date and end_date',
      });
    }
    if (!DATE_ONLY.test(q.start_date) || !DATE_ONLY.test(q.end_date)) {
      throw new DetailError(400, {
        error: 'start_date and end_date must be in YYYY-MM-DD format',
      });
    }
    const userId = narrowUser(ctx.principal, q.user_id ?? null);
    const rows = ctx.app.state.spendLogs.filter(r => {
      const date = dateOf(r);
      return (
        date >= (q.start_date as string) &&
        date <= (q.end_date as string) &&
        (!userId || r.user === userId) &&
        (!q.api_key || r.api_key === q.api_key) &&
        (!q.model || r.model === q.model || r.model_group === q.model)
      );
    });
    let results;
    let page = 1;
    let totalPages = 1;
    if (aggregated) {
      results = dailyResults(rows);
    } else {
      // As LiteLLM: the page is a slice of the daily rows, so one date can
      // continue on the next page, and the totals are the page's own.
      const daily = dailySpendRows(rows);
      const pageSize = q.page_size;
      page = q.page;
      totalPages = Math.ceil(daily.length / pageSize);
      results = dailyResults(
        daily.slice((page - 1) * pageSize, page * pageSize).flat(),
      );
    }
    return {
      body: {
        results,
        metadata: {
          ...totals(results),
          page,
          total_pages: totalPages,
          has_more: page < totalPages,
        },
      },
    };
  };
}

const logsV2Query = z
  .object({
    start_date: z.string().optional(),
    end_date: z.string().optional(),
    api_key: z.string().optional(),
    user_id: z.string().optional(),
    request_id: z.string().optional(),
    team_id: z.string().optional(),
    end_user: z.string().optional(),
    key_alias: z.string().optional(),
    model: z.string().optional(),
    model_group: z.string().optional(),
    status_filter: z.string().optional(),
    min_spend: z.coerce.number().optional(),
    max_spend: z.coerce.number().optional(),
    page: intQuery(1, 1),
    page_size: intQuery(50, 1, 1000),
    sort_by: z.string().optional(),
    sort_order: z.enum(['asc', 'desc']).optional(),
  })
  .passthrough();

function endBound(value: string): number {
  // A bare date as end_date covers that whole day.
  const d = parseDate(value, 'end_date').getTime();
  return DATE_ONLY.test(value) ? d + 86_400_000 - 1 : d;
}

function spendLogsV2(ctx: RequestCtx): Reply {
  const q = parseQuery(logsV2Query, ctx.query);
  if (!q.start_date || !q.end_date) {
    throw new HttpException(400, {
      error: 'Both start_date and end_date are required',
    });
  }
  const start = parseDate(q.start_date, 'start_date').getTime();
  const end = endBound(q.end_date);
  const userId = narrowUser(ctx.principal, q.user_id ?? null);
  let rows = ctx.app.state.spendLogs.filter(r => {
    const t = new Date(r.startTime).getTime();
    return (
      t >= start &&
      t <= end &&
      (!q.api_key || r.api_key === q.api_key) &&
      (!userId || r.user === userId) &&
      (!q.request_id || r.request_id === q.request_id) &&
      (!q.team_id || r.team_id === q.team_id) &&
      (!q.end_user || r.end_user === q.end_user) &&
      (!q.key_alias || r.metadata.user_api_key_alias === q.key_alias) &&
      (!q.model || r.model === q.model) &&
      (!q.model_group || r.model_group === q.model_group) &&
      (!q.status_filter || r.status === q.status_filter) &&
      (q.min_spend === undefined || r.spend >= q.min_spend) &&
      (q.max_spend === undefined || r.spend <= q.max_spend)
    );
  });
  const sortBy = (q.sort_by ?? 'startTime') as keyof SpendLogRow;
  const dir = (q.sort_order ?? 'desc') === 'desc' ? -1 : 1;
  rows = [...rows].sort((a, b) => {
    const av = a[sortBy] as string | number;
    const bv = b[sortBy] as string | number;
    if (av === bv) return 0;
    return (av < bv ? -1 : 1) * dir;
  });
  const total = rows.length;
  return {
    body: {
      data: rows
        .slice((q.page - 1) * q.page_size, q.page * q.page_size)
        .map(snapshot),
      total,
      page: q.page,
      page_size: q.page_size,
      total_pages: Math.ceil(total / q.page_size),
    },
  };
}

function spendLogs(ctx: RequestCtx): Reply {
  const q = ctx.query;
  const apiKey = q.get('api_key');
  const requestId = q.get('request_id');
  const userId = narrowUser(ctx.principal, q.get('user_id'));
  let rows = ctx.app.state.spendLogs.filter(
    r =>
      (!apiKey || r.api_key === apiKey) &&
      (!userId || r.user === userId) &&
      (!requestId || r.request_id === requestId),
  );
  const startDate = q.get('start_date');
  const endDate = q.get('end_date');
  if (!startDate || !endDate) return { body: rows.map(snapshot) };
  // `startTime >= start 00:00 and <= end 00:00`: the end date is effectively exclusive.
  const start = parseDate(startDate.slice(0, 10), 'start_date').getTime();
  const end = parseDate(endDate.slice(0, 10), 'end_date').getTime();
  rows = rows.filter(r => {
    const t = new Date(r.startTime).getTime();
    return t >= start && t <= end;
  });
  if ((q.get('summarize') ?? 'true').toLowerCase() === 'false')
    return { body: rows.map(snapshot) };
  const days = new Map<string, Record<string, unknown>>();
  for (const r of rows) {
    const day = dateOf(r);
    const entry = days.get(day) ?? {
      startTime: day,
      spend: 0,
      users: {},
      models: {},
    };
    entry.spend = (entry.spend as number) + r.spend;
    entry[r.api_key] =
      ((entry[r.api_key] as number | undefined) ?? 0) + r.spend;
    const users = entry.users as Record<string, number>;
    if (r.user) users[r.user] = (users[r.user] ?? 0) + r.spend;
    const models = entry.models as Record<string, number>;
    models[r.model] = (models[r.model] ?? 0) + r.spend;
    days.set(day, entry);
  }
  return { body: [...days.keys()].sort().map(d => days.get(d)) };
}

function globalSpendReport(ctx: RequestCtx): Reply {
  const { app } = ctx;
  if (!app.options.licensed) {
    throw new DetailError(400, {
      error: `/spend/report endpoint is a premium (Enterprise) feature. ${PREMIUM_REQUIRED}`,
    });
  }
  const q = ctx.query;
  const startDate = q.get('start_date');
  const endDate = q.get('end_date');
  if (!startDate || !endDate) {
    throw new DetailError(400, {
      error: 'start_date and end_date are required',
    });
  }
  const start = parseDate(startDate, 'start_date').getTime();
  const end = endBound(endDate);
  const apiKey = q.get('api_key');
  const internalUser = q.get('internal_user_id');
  const teamId = q.get('team_id');
  const customerId = q.get('customer_id');
  const rows = app.state.spendLogs.filter(r => {
    const t = new Date(r.startTime).getTime();
    return (
      t >= start &&
      t <= end &&
      (!apiKey || r.api_key === apiKey) &&
      (!internalUser || r.user === internalUser) &&
      (!teamId || r.team_id === teamId) &&
      (!customerId || r.end_user === customerId)
    );
  });
  if (apiKey || internalUser || q.get('group_by') === 'api_key') {
    return { body: byApiKey(rows) };
  }
  const groupBy = q.get('group_by') === 'customer' ? 'customer' : 'team';
  return { body: byDay(app, rows, groupBy) };
}

function byApiKey(rows: SpendLogRow[]) {
  const keys = groupRows(rows, r => r.api_key);
  return [...keys.entries()].map(([apiKey, rs]) => {
    const models = groupRows(rs, r => r.model);
    const sum = (list: SpendLogRow[]) => ({
      total_cost: list.reduce((s, r) => s + r.spend, 0),
      total_input_tokens: list.reduce((s, r) => s + r.prompt_tokens, 0),
      total_output_tokens: list.reduce((s, r) => s + r.completion_tokens, 0),
    });
    return {
      api_key: apiKey,
      ...sum(rs),
      model_details: [...models.entries()].map(([model, list]) => ({
        model,
        ...sum(list),
      })),
    };
  });
}

function byDay(
  app: StandInApp,
  rows: SpendLogRow[],
  groupBy: 'team' | 'customer',
) {
  const days = groupRows(rows, dateOf);
  return [...days.keys()].sort().map(day => {
    const groups = groupRows(days.get(day)!, r =>
      groupBy === 'team'
        ? (r.team_id && app.state.teams.get(r.team_id)?.team_alias) ||
          r.team_id ||
          'Unassigned Team'
        : r.end_user || 'Unassigned Customer',
    );
    const list = [...groups.entries()].map(([name, rs]) => ({
      [groupBy === 'team' ? 'team_name' : 'customer']: name,
      total_spend: rs.reduce((s, r) => s + r.spend, 0),
      metadata: rs.map(r => ({
        model: r.model,
        api_key: r.api_key,
        spend: r.spend,
        total_tokens: r.total_tokens,
      })),
    }));
    return {
      group_by_day: `${day}T00:00:00+00:00`,
      [groupBy === 'team' ? 'teams' : 'customers']: list,
    };
  });
}

export const spendRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/user/daily/activity',
    access: 'self',
    errors: 'detail',
    handler: dailyActivity(false),
  },
  {
    method: 'GET',
    path: '/user/daily/activity/aggregated',
    access: 'self',
    errors: 'detail',
    handler: dailyActivity(true),
  },
  {
    method: 'GET',
    path: '/spend/logs/v2',
    access: 'self',
    handler: spendLogsV2,
  },
  {
    method: 'GET',
    path: '/spend/logs/ui',
    access: 'self',
    handler: spendLogsV2,
  },
  { method: 'GET', path: '/spend/logs', access: 'self', handler: spendLogs },
  {
    method: 'GET',
    path: '/global/spend/report',
    access: 'admin',
    errors: 'detail',
    handler: globalSpendReport,
  },
];
