import type { Reply, RequestCtx, RouteDef } from '../http';
import { allowedModels, providerOf } from '../models';

/** Health probes (`health_endpoints/_health_endpoints.py`). */

const alive = (): Reply => ({ body: "I'm alive!" });

function readiness(ctx: RequestCtx): Reply {
  return {
    body: {
      status: 'connected',
      db: 'connected',
      cache: null,
      litellm_version: ctx.app.options.version,
      success_callbacks: [],
      last_updated: ctx.app.nowIso(),
    },
  };
}

function health(ctx: RequestCtx): Reply {
  const models = allowedModels(ctx.app, ctx.principal).map(m => ({
    model: `${providerOf(m).provider}/${providerOf(m).providerModel}`,
    model_id: m.model_info?.id ?? m.model_name,
  }));
  return {
    body: {
      healthy_endpoints: models,
      unhealthy_endpoints: [],
      healthy_count: models.length,
      unhealthy_count: 0,
    },
  };
}

export const healthRoutes: RouteDef[] = [
  {
    method: 'GET',
    path: '/health/liveliness',
    access: 'public',
    handler: alive,
  },
  { method: 'GET', path: '/health/liveness', access: 'public', handler: alive },
  {
    method: 'GET',
    path: '/health/readiness',
    access: 'public',
    handler: readiness,
  },
  { method: 'GET', path: '/health', access: 'llm-info', handler: health },
];
