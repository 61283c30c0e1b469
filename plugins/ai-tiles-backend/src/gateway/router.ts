import express from 'express';
import { GatewayError } from './errors';
import { GatewayService } from './GatewayService';
import { GATEWAY_ROUTES } from './routes';

/**
 * The gateway's routes, `/gateway/v1/*` under the plugin. They need no
 * Backstage session (callers are Open WebUI and Dify, with client tokens)
 * and answer every error in OpenAI's shape. Without `aiTiles.gateway` every
 * route answers 503 saying what to configure.
 */
export function createGatewayRouter(options: {
  service?: GatewayService;
  maxBodyBytes: number;
}): express.Router {
  const { service, maxBodyBytes } = options;
  const router = express.Router();
  const rawJson = express.raw({ type: () => true, limit: maxBodyBytes });

  for (const route of GATEWAY_ROUTES) {
    const handlers: express.RequestHandler[] = [];
    if (route.body === 'json') handlers.push(rawJson);
    handlers.push((req, res) => {
      if (!service) {
        const error = new GatewayError(
          503,
          'service_unavailable',
          'The AI gateway is not configured: set aiTiles.gateway (see the ai-tiles-backend README)',
        );
        error.send(res);
        return;
      }
      void service.handle(route, req, res);
    });
    if (route.method === 'GET') router.get(`/${route.path}`, ...handlers);
    else router.post(`/${route.path}`, ...handlers);
  }

  router.use((_req, res) => {
    const error = new GatewayError(
      404,
      'invalid_request_error',
      'Unknown AI gateway route',
      'unknown_url',
    );
    error.send(res);
  });

  // Body-parser errors (too large, aborted, bad encoding) in OpenAI's shape.
  router.use(
    (
      err: { status?: number; type?: string; message?: string },
      _req: express.Request,
      res: express.Response,
      next: express.NextFunction,
    ) => {
      if (res.headersSent) {
        next(err);
        return;
      }
      const error =
        err.type === 'entity.too.large'
          ? new GatewayError(
              413,
              'invalid_request_error',
              `The request body is larger than ${maxBodyBytes} bytes (aiTiles.gateway.limits.maxBodyBytes)`,
              'request_too_large',
            )
          : new GatewayError(
              err.status && err.status < 500 ? err.status : 400,
              'invalid_request_error',
              'The request body could not be read',
            );
      error.send(res);
    },
  );
  return router;
}
