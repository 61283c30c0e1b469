import { z } from 'zod';
import type { BudgetResetResult } from '../budget';
import type { Reply, RequestCtx, RouteDef } from '../http';
import {
  FAILURE_MODES,
  type FailureMode,
  type LiteLlmStandInOptions,
} from '../options';
import { parseBody } from '../validation';

/**
 * Stand-in test hooks over HTTP (not part of LiteLLM), for tests that drive a separately started
 * server (e2e, demo). Master key only, under `/__standin/`.
 */

export type RuntimeSwitches = Pick<
  LiteLlmStandInOptions,
  | 'budgetExceededStatus'
  | 'legacyDuplicateUsers'
  | 'licensed'
  | 'latencyMs'
  | 'streamChunkDelayMs'
  | 'mockStreamChunks'
  | 'maxEndUserBudget'
  | 'alwaysIncludeStreamUsage'
>;

export interface StandInControl {
  runBudgetReset(): BudgetResetResult;
  setFailureMode(failure: FailureMode | null): void;
  configure(patch: RuntimeSwitches): void;
  reset(): void;
  dump(): unknown;
}

const failureSchema = z
  .object({
    mode: z.enum(FAILURE_MODES).nullable(),
    status: z.number().int().min(100).max(599).optional(),
    message: z.string().optional(),
    routes: z.array(z.string()).optional(),
    times: z.number().int().positive().optional(),
    afterChunks: z.number().int().min(0).optional(),
  })
  .strict();

const clockSchema = z
  .object({
    advance_ms: z.number().optional(),
    set: z.string().optional(),
    run_budget_reset: z.boolean().optional(),
  })
  .strict();

const configSchema = z
  .object({
    budgetExceededStatus: z.union([z.literal(429), z.literal(400)]).optional(),
    legacyDuplicateUsers: z.boolean().optional(),
    licensed: z.boolean().optional(),
    latencyMs: z.number().min(0).optional(),
    streamChunkDelayMs: z.number().min(0).optional(),
    mockStreamChunks: z.number().int().min(0).max(100_000).optional(),
    maxEndUserBudget: z.number().optional(),
    alwaysIncludeStreamUsage: z.boolean().optional(),
  })
  .strict();

export function hookRoutes(control: StandInControl): RouteDef[] {
  const clock = (ctx: RequestCtx): Reply => {
    if (ctx.method === 'POST') {
      const data = parseBody(clockSchema, ctx.body);
      if (data.set !== undefined) ctx.app.clock.set(data.set);
      if (data.advance_ms !== undefined) ctx.app.clock.advance(data.advance_ms);
      const reset = data.run_budget_reset
        ? control.runBudgetReset()
        : undefined;
      return {
        body: {
          now: ctx.app.nowIso(),
          ...(reset ? { budget_reset: reset } : {}),
        },
      };
    }
    return { body: { now: ctx.app.nowIso() } };
  };
  return [
    {
      method: 'GET',
      path: '/__standin/state',
      access: 'master',
      handler: () => ({ body: control.dump() }),
    },
    {
      method: 'GET',
      path: '/__standin/clock',
      access: 'master',
      handler: clock,
    },
    {
      method: 'POST',
      path: '/__standin/clock',
      access: 'master',
      handler: clock,
    },
    {
      method: 'POST',
      path: '/__standin/budget/reset',
      access: 'master',
      handler: () => ({ body: control.runBudgetReset() }),
    },
    {
      method: 'POST',
      path: '/__standin/failure',
      access: 'master',
      handler: ctx => {
        const data = parseBody(failureSchema, ctx.body);
        control.setFailureMode(
          data.mode === null ? null : (data as FailureMode),
        );
        return { body: { failure: data.mode === null ? null : data } };
      },
    },
    {
      method: 'DELETE',
      path: '/__standin/failure',
      access: 'master',
      handler: () => {
        control.setFailureMode(null);
        return { body: { failure: null } };
      },
    },
    {
      method: 'POST',
      path: '/__standin/config',
      access: 'master',
      handler: ctx => {
        const data = parseBody(configSchema, ctx.body);
        control.configure(data);
        return { body: { ok: true } };
      },
    },
    {
      method: 'POST',
      path: '/__standin/reset',
      access: 'master',
      handler: () => {
        control.reset();
        return { body: { ok: true } };
      },
    },
  ];
}
