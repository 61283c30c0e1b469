import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { nextResetAt, validateBudgetDuration } from '../budget';
import { ProxyError, pyRepr, validationError } from '../errors';
import type { Reply, RequestCtx, RouteDef, StandInApp } from '../http';
import { newCustomer } from '../spend';
import {
  type BudgetRow,
  type CustomerRow,
  newBudgetRow,
  snapshot,
} from '../state';
import {
  jsonObject,
  nullableInt,
  nullableNumber,
  nullableString,
  parseBody,
} from '../validation';

/**
 * End users / customers (`litellm/proxy/management_endpoints/customer_endpoints.py`), also served
 * under `/end_user/...`, plus the `/budget/*` rows they link to (`budget_management_endpoints.py`).
 */

const region = z.enum(['eu', 'us']).nullish();

const newCustomerSchema = z
  .object({
    user_id: z.string(),
    alias: nullableString,
    blocked: z.boolean().nullish(),
    max_budget: nullableNumber,
    budget_id: nullableString,
    budget_duration: nullableString,
    soft_budget: nullableNumber,
    tpm_limit: nullableInt,
    rpm_limit: nullableInt,
    max_parallel_requests: nullableInt,
    model_max_budget: jsonObject.nullish(),
    spend: nullableNumber,
    budget_reset_at: nullableString,
    allowed_model_region: region,
    default_model: nullableString,
    object_permission: jsonObject.nullish(),
  })
  .passthrough();

// The update body is a subset of the create body (LiteLLM's UpdateCustomerRequest).
const updateCustomerSchema = newCustomerSchema.pick({
  user_id: true,
  alias: true,
  blocked: true,
  max_budget: true,
  budget_id: true,
  budget_duration: true,
  allowed_model_region: true,
  default_model: true,
  object_permission: true,
});

export function customerResponse(app: StandInApp, c: CustomerRow) {
  const budget = c.budget_id ? app.state.budgets.get(c.budget_id) : undefined;
  // `max_budget` only appears inside `litellm_budget_table` in CustomerResponse.
  return {
    user_id: c.user_id,
    blocked: c.blocked,
    alias: c.alias,
    spend: c.spend,
    allowed_model_region: c.allowed_model_region,
    default_model: c.default_model,
    budget_id: c.budget_id,
    litellm_budget_table: budget ? snapshot(budget) : null,
    object_permission_id: c.object_permission_id,
    object_permission: c.object_permission,
  };
}

function notFound(id: string): ProxyError {
  return new ProxyError(
    404,
    `End User Id=${id} does not exist in db`,
    'not_found',
    'user_id',
  );
}

type BudgetInput = {
  max_budget?: number | null;
  budget_duration?: string | null;
  soft_budget?: number | null;
  tpm_limit?: number | null;
  rpm_limit?: number | null;
  max_parallel_requests?: number | null;
  budget_reset_at?: string | null;
};

function applyBudget(
  app: StandInApp,
  budget: BudgetRow,
  input: BudgetInput,
  createdBy: string,
): void {
  const now = app.clock.now();
  for (const f of [
    'max_budget',
    'soft_budget',
    'tpm_limit',
    'rpm_limit',
    'max_parallel_requests',
  ] as const) {
    const v = input[f];
    if (v !== undefined && v !== null) budget[f] = v;
  }
  if (input.budget_duration) {
    budget.budget_duration = input.budget_duration;
    budget.budget_reset_at =
      input.budget_reset_at ??
      nextResetAt(input.budget_duration, now)?.toISOString() ??
      null;
  }
  budget.updated_at = now.toISOString();
  budget.updated_by = createdBy;
}

function newCustomerRoute(ctx: RequestCtx): Reply {
  const { app, principal } = ctx;
  const data = parseBody(newCustomerSchema, ctx.body);
  if (app.state.customers.has(data.user_id)) {
    throw new ProxyError(
      400,
      `Customer already exists, passed user_id=${data.user_id}. Please pass a new user_id.`,
      'bad_request',
      'user_id',
    );
  }
  if (
    data.max_budget !== undefined &&
    data.max_budget !== null &&
    data.budget_id
  ) {
    throw new ProxyError(
      400,
      'Passed max_budget and budget_id. Only one of them can be passed.',
      'bad_request',
      'max_budget',
    );
  }
  validateBudgetDuration(data.budget_duration);
  if (data.budget_id && !app.state.budgets.has(data.budget_id)) {
    throw new ProxyError(
      400,
      `Budget id=${data.budget_id} does not exist in db`,
      'bad_request',
      'budget_id',
    );
  }
  const customer = newCustomer(data.user_id);
  customer.alias = data.alias ?? null;
  customer.blocked = data.blocked ?? false;
  customer.spend = data.spend ?? 0;
  customer.allowed_model_region = data.allowed_model_region ?? null;
  customer.default_model = data.default_model ?? null;
  customer.object_permission =
    (data.object_permission as CustomerRow['object_permission']) ?? null;
  customer.budget_id = data.budget_id ?? null;
  const hasBudgetFields = [
    data.max_budget,
    data.budget_duration,
    data.soft_budget,
    data.tpm_limit,
    data.rpm_limit,
    data.max_parallel_requests,
  ].some(v => v !== undefined && v !== null);
  if (!customer.budget_id && hasBudgetFields) {
    const budget = newBudgetRow(
      randomUUID(),
      app.nowIso(),
      principal.userId ?? 'default_user_id',
    );
    applyBudget(app, budget, data, principal.userId ?? 'default_user_id');
    app.state.budgets.set(budget.budget_id, budget);
    customer.budget_id = budget.budget_id;
  }
  app.state.customers.set(customer.user_id, customer);
  return { body: customerResponse(app, customer) };
}

function customerInfo(ctx: RequestCtx): Reply {
  const id = ctx.query.get('end_user_id');
  if (!id) {
    throw validationError([
      {
        type: 'missing',
        loc: ['query', 'end_user_id'],
        msg: 'Field required',
        input: null,
      },
    ]);
  }
  const customer = ctx.app.state.customers.get(id);
  if (!customer) throw notFound(id);
  return { body: customerResponse(ctx.app, customer) };
}

function skipped(v: unknown): boolean {
  if (v === null || v === undefined || v === 0 || v === false) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function updateCustomer(ctx: RequestCtx): Reply {
  const { app, principal } = ctx;
  const data = parseBody(updateCustomerSchema, ctx.body);
  const customer = app.state.customers.get(data.user_id);
  if (!customer) throw notFound(data.user_id);
  if (!skipped(data.budget_duration))
    validateBudgetDuration(data.budget_duration);
  if (!skipped(data.alias)) customer.alias = data.alias as string;
  if (!skipped(data.blocked)) customer.blocked = true;
  if (!skipped(data.allowed_model_region))
    customer.allowed_model_region = data.allowed_model_region ?? null;
  if (!skipped(data.default_model))
    customer.default_model = data.default_model ?? null;
  if (!skipped(data.object_permission))
    customer.object_permission =
      data.object_permission as CustomerRow['object_permission'];
  if (!skipped(data.budget_id)) {
    if (!app.state.budgets.has(data.budget_id as string)) {
      throw new ProxyError(
        400,
        `Budget id=${data.budget_id} does not exist in db`,
        'bad_request',
        'budget_id',
      );
    }
    customer.budget_id = data.budget_id as string;
  }
  const budgetInput: BudgetInput = {
    max_budget: skipped(data.max_budget) ? undefined : data.max_budget,
    budget_duration: skipped(data.budget_duration)
      ? undefined
      : data.budget_duration,
  };
  if (
    budgetInput.max_budget !== undefined ||
    budgetInput.budget_duration !== undefined
  ) {
    // Budget fields update the linked budget row, or create one if there is none.
    let budget = customer.budget_id
      ? app.state.budgets.get(customer.budget_id)
      : undefined;
    const by = principal.userId ?? 'default_user_id';
    if (!budget) {
      budget = newBudgetRow(randomUUID(), app.nowIso(), by);
      app.state.budgets.set(budget.budget_id, budget);
      customer.budget_id = budget.budget_id;
    }
    applyBudget(app, budget, budgetInput, by);
  }
  return { body: customerResponse(app, customer) };
}

function deleteCustomers(ctx: RequestCtx): Reply {
  const { app } = ctx;
  const data = parseBody(
    z.object({ user_ids: z.array(z.string()) }).passthrough(),
    ctx.body,
  );
  const missing = data.user_ids.filter(id => !app.state.customers.has(id));
  if (missing.length > 0) {
    throw new ProxyError(
      404,
      `End User Id(s)=${pyRepr(missing)} do not exist in db`,
      'not_found',
      'user_ids',
    );
  }
  for (const id of data.user_ids) app.state.customers.delete(id);
  return {
    body: {
      deleted_customers: data.user_ids.length,
      message: `Successfully deleted customers with ids: ${pyRepr(
        data.user_ids,
      )}`,
    },
  };
}

function listCustomers(ctx: RequestCtx): Reply {
  return {
    body: [...ctx.app.state.customers.values()].map(c =>
      customerResponse(ctx.app, c),
    ),
  };
}

function setBlocked(blocked: boolean) {
  return (ctx: RequestCtx): Reply => {
    const data = parseBody(
      z.object({ user_ids: z.array(z.string()) }).passthrough(),
      ctx.body,
    );
    const out: ReturnType<typeof customerResponse>[] = [];
    for (const id of data.user_ids) {
      let c = ctx.app.state.customers.get(id);
      if (!c) {
        c = newCustomer(id);
        ctx.app.state.customers.set(id, c);
      }
      c.blocked = blocked;
      out.push(customerResponse(ctx.app, c));
    }
    return {
      body: { blocked_users: blocked ? data.user_ids : [], customers: out },
    };
  };
}

const budgetSchema = z
  .object({
    budget_id: nullableString,
    max_budget: nullableNumber,
    soft_budget: nullableNumber,
    budget_duration: nullableString,
    budget_reset_at: nullableString,
    tpm_limit: nullableInt,
    rpm_limit: nullableInt,
    max_parallel_requests: nullableInt,
  })
  .passthrough();

function newBudget(ctx: RequestCtx): Reply {
  const { app, principal } = ctx;
  const data = parseBody(budgetSchema, ctx.body);
  validateBudgetDuration(data.budget_duration);
  const id = data.budget_id ?? randomUUID();
  if (app.state.budgets.has(id)) {
    throw new ProxyError(
      400,
      `Budget id=${id} already exists`,
      'bad_request',
      'budget_id',
    );
  }
  const by = principal.userId ?? 'default_user_id';
  const budget = newBudgetRow(id, app.nowIso(), by);
  applyBudget(app, budget, data, by);
  app.state.budgets.set(id, budget);
  return { body: snapshot(budget) };
}

function listBudgets(ctx: RequestCtx): Reply {
  return { body: [...ctx.app.state.budgets.values()].map(snapshot) };
}

const customerRouteDefs: RouteDef[] = [
  {
    method: 'POST',
    path: '/customer/new',
    access: 'admin',
    handler: newCustomerRoute,
  },
  {
    method: 'GET',
    path: '/customer/info',
    access: 'admin-read',
    handler: customerInfo,
  },
  {
    method: 'POST',
    path: '/customer/update',
    access: 'admin',
    handler: updateCustomer,
  },
  {
    method: 'POST',
    path: '/customer/delete',
    access: 'admin',
    handler: deleteCustomers,
  },
  {
    method: 'GET',
    path: '/customer/list',
    access: 'admin-read',
    handler: listCustomers,
  },
  {
    method: 'POST',
    path: '/customer/block',
    access: 'admin',
    handler: setBlocked(true),
  },
  {
    method: 'POST',
    path: '/customer/unblock',
    access: 'admin',
    handler: setBlocked(false),
  },
];

export const customerRoutes: RouteDef[] = [
  ...customerRouteDefs,
  ...customerRouteDefs.map(r => ({
    ...r,
    path: r.path.replace('/customer/', '/end_user/'),
  })),
  { method: 'POST', path: '/budget/new', access: 'admin', handler: newBudget },
  {
    method: 'GET',
    path: '/budget/list',
    access: 'admin-read',
    handler: listBudgets,
  },
];
