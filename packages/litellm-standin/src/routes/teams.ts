import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { nextResetAt, validateBudgetDuration } from '../budget';
import { HttpException } from '../errors';
import { asObject, type Reply, type RequestCtx, type RouteDef } from '../http';
import { type JsonObject, newTeamRow, snapshot, type TeamRow } from '../state';
import {
  jsonObject,
  nullableInt,
  nullableNumber,
  nullableString,
  nullableStringList,
  parseBody,
} from '../validation';

/**
 * Minimal teams (`team_endpoints.py`): enough for team keys, team budgets and team spend roll-up.
 * Not the full team management surface.
 */

const member = z
  .object({
    user_id: nullableString,
    user_email: nullableString,
    role: z.string().default('user'),
  })
  .passthrough();

const teamSchema = z
  .object({
    team_id: nullableString,
    team_alias: nullableString,
    organization_id: nullableString,
    members_with_roles: z.array(member).nullish(),
    metadata: jsonObject.nullish(),
    max_budget: nullableNumber,
    budget_duration: nullableString,
    models: nullableStringList,
    tpm_limit: nullableInt,
    rpm_limit: nullableInt,
    max_parallel_requests: nullableInt,
    blocked: z.boolean().nullish(),
  })
  .passthrough();

function applyTeam(
  team: TeamRow,
  data: z.infer<typeof teamSchema>,
  raw: Record<string, unknown>,
  now: Date,
) {
  for (const f of [
    'team_alias',
    'organization_id',
    'max_budget',
    'models',
    'tpm_limit',
    'rpm_limit',
    'max_parallel_requests',
    'blocked',
  ] as const) {
    if (f in raw)
      (team as Record<string, unknown>)[f] =
        data[f] ?? (f === 'models' ? [] : null);
  }
  if ('metadata' in raw)
    team.metadata = (data.metadata as JsonObject | null) ?? {};
  if ('budget_duration' in raw) {
    validateBudgetDuration(data.budget_duration);
    team.budget_duration = data.budget_duration ?? null;
    team.budget_reset_at = data.budget_duration
      ? nextResetAt(data.budget_duration, now)?.toISOString() ?? null
      : null;
  }
  for (const m of data.members_with_roles ?? []) {
    if (m.user_id && !team.members.includes(m.user_id)) {
      team.members.push(m.user_id);
      team.members_with_roles.push({
        user_id: m.user_id,
        user_email: m.user_email ?? null,
        role: m.role,
      });
      if (m.role === 'admin') team.admins.push(m.user_id);
    }
  }
  team.updated_at = now.toISOString();
}

function newTeam(ctx: RequestCtx): Reply {
  const { app } = ctx;
  const raw = asObject(ctx.body);
  const data = parseBody(teamSchema, raw);
  const id = data.team_id ?? randomUUID();
  if (app.state.teams.has(id)) {
    throw new HttpException(400, {
      error: `Team id = ${id} already exists. Please use a different team id.`,
    });
  }
  const now = app.clock.now();
  const team = newTeamRow(id, now.toISOString());
  applyTeam(team, data, raw, now);
  app.state.teams.set(id, team);
  for (const m of team.members) {
    const user = app.state.users.get(m);
    if (user && !user.teams.includes(id)) user.teams.push(id);
  }
  return { body: snapshot(team) };
}

function teamInfo(ctx: RequestCtx): Reply {
  const id = ctx.query.get('team_id') ?? '';
  const team = ctx.app.state.teams.get(id);
  if (!team)
    throw new HttpException(404, {
      error: `Team not found, passed team_id=${id}`,
    });
  return {
    body: {
      team_id: id,
      team_info: snapshot(team),
      keys: [...ctx.app.state.keys.values()]
        .filter(k => k.team_id === id)
        .map(snapshot),
    },
  };
}

function updateTeam(ctx: RequestCtx): Reply {
  const raw = asObject(ctx.body);
  const data = parseBody(teamSchema.extend({ team_id: z.string() }), raw);
  const team = ctx.app.state.teams.get(data.team_id);
  if (!team)
    throw new HttpException(404, {
      error: `Team not found, passed team_id=${data.team_id}`,
    });
  applyTeam(team, data, raw, ctx.app.clock.now());
  return { body: { team_id: team.team_id, data: snapshot(team) } };
}

function deleteTeams(ctx: RequestCtx): Reply {
  const data = parseBody(
    z.object({ team_ids: z.array(z.string()) }).passthrough(),
    ctx.body,
  );
  for (const id of data.team_ids) {
    if (!ctx.app.state.teams.has(id)) {
      throw new HttpException(404, {
        error: `Team not found, passed team_id=${id}`,
      });
    }
  }
  for (const id of data.team_ids) {
    ctx.app.state.teams.delete(id);
    for (const key of [...ctx.app.state.keys.values()]) {
      if (key.team_id === id) ctx.app.state.keys.delete(key.token);
    }
    for (const user of ctx.app.state.users.values())
      user.teams = user.teams.filter(t => t !== id);
  }
  return { body: { deleted_teams: data.team_ids } };
}

function listTeams(ctx: RequestCtx): Reply {
  return { body: [...ctx.app.state.teams.values()].map(snapshot) };
}

export const teamRoutes: RouteDef[] = [
  { method: 'POST', path: '/team/new', access: 'admin', handler: newTeam },
  {
    method: 'GET',
    path: '/team/info',
    access: 'admin-read',
    handler: teamInfo,
  },
  {
    method: 'POST',
    path: '/team/update',
    access: 'admin',
    handler: updateTeam,
  },
  {
    method: 'POST',
    path: '/team/delete',
    access: 'admin',
    handler: deleteTeams,
  },
  {
    method: 'GET',
    path: '/team/list',
    access: 'admin-read',
    handler: listTeams,
  },
];
