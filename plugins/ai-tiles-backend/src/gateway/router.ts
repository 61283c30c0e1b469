import express from 'express';
import { IncomingMessage, ServerResponse } from 'node:http';
import { BodyAbortedError, discardBody, readBody } from './body';
import { GatewayError } from './errors';
import { GatewayService } from './GatewayService';
import { GATEWAY_ROUTES, GatewayRoute } from './routes';

/** Path of the gateway's routes under the backend, e.g. `…/chat/completions`. */
export const GATEWAY_PATH = '/api/ai-tiles/gateway/v1';

/**
 * Answers one gateway request. `path` is the part after `/gateway/v1`
 * (`/chat/completions?…`). Plain Node request and response: the same handler
 * serves Backstage's router and the gateway's own listener.
 */
export type GatewayHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
) => void;

/**
 * The gateway's routes. They need no Backstage session (callers are Open
 * WebUI and Dify, with client tokens) and answer every error in OpenAI's
 * shape. Without `aiTiles.gateway` every route answers 503 saying what to
 * configure.
 */
export function createGatewayHandler(options: {
  service?: GatewayService;
  maxBodyBytes: number;
}): GatewayHandler {
  const { service, maxBodyBytes } = options;
  // Method → path → route: one lookup per call, no pattern matching.
  const routes = new Map<string, Map<string, GatewayRoute>>();
  for (const route of GATEWAY_ROUTES) {
    const paths = routes.get(route.method) ?? new Map<string, GatewayRoute>();
    paths.set(`/${route.path}`, route);
    routes.set(route.method, paths);
  }

  const handle = async (
    route: GatewayRoute,
    req: IncomingMessage,
    res: ServerResponse,
  ) => {
    if (!service) {
      throw new GatewayError(
        503,
        'service_unavailable',
        'The AI gateway is not configured: set aiTiles.gateway (see the ai-tiles-backend README)',
      );
    }
    // The caller first: nobody unknown gets a body read (or held) for them.
    const client = service.authenticate(req);
    const body =
      route.body === 'json' ? await readBody(req, maxBodyBytes) : undefined;
    await service.handle(route, client, req, res, body);
  };

  return (req, res, path) => {
    let end = path.indexOf('?');
    if (end < 0) end = path.length;
    while (end > 1 && path[end - 1] === '/') end--; // a trailing slash
    const pathname = path.slice(0, end);
    const route = routes.get(req.method ?? 'GET')?.get(pathname);
    if (!route) {
      new GatewayError(
        404,
        'invalid_request_error',
        `Unknown AI gateway route: ${req.method} ${pathname}`,
        'unknown_url',
      ).send(res);
      return;
    }
    handle(route, req, res).catch(async error => {
      if (error instanceof BodyAbortedError || res.headersSent) {
        res.destroy();
        return;
      }
      const gatewayError =
        error instanceof GatewayError
          ? error
          : new GatewayError(
              400,
              'invalid_request_error',
              'The request body could not be read',
            );
      // A refused body is read to its end (within bounds, discarded, never
      // held) before the answer; past them, the connection is closed instead.
      if (!req.complete && !(await discardBody(req, maxBodyBytes))) {
        res.setHeader('connection', 'close');
      }
      if (!res.destroyed) gatewayError.send(res);
    });
  };
}

/** The gateway as an Express router, mounted at `/gateway/v1` by the plugin. */
export function createGatewayRouter(handler: GatewayHandler): express.Router {
  const router = express.Router();
  router.use((req, res) => handler(req, res, req.url));
  return router;
}
