import { LoggerService } from '@backstage/backend-plugin-api';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { GatewayError } from './errors';
import { GATEWAY_PATH, GatewayHandler } from './router';

export interface GatewayListener {
  /** The bound port (useful with port 0). */
  port: number;
  /** Starts serving calls (until then: 503), once the backend is up. */
  serve(): void;
  /** Stops accepting calls; open calls (streams) get `graceMs` to finish. */
  close(graceMs: number): Promise<void>;
}

/**
 * The gateway on its own port (`aiTiles.gateway.listen`), beside Backstage's:
 * Open WebUI and Dify reach it inside the deployment's network, it is not
 * published through the public entry point, and its calls skip the browser
 * middleware of Backstage's router (security headers, CORS, compression,
 * request log), which costs more per call than the gateway itself. Same
 * paths (`/api/ai-tiles/gateway/v1/…`), same handler, same answers.
 */
export async function startGatewayListener(options: {
  handler: GatewayHandler;
  /** Default: every interface. */
  host?: string;
  port: number;
  logger: LoggerService;
}): Promise<GatewayListener> {
  const { handler, host, port, logger } = options;
  const where = `${host ?? '*'}:${port}`;
  const prefix = `${GATEWAY_PATH}/`;
  let serving = false;
  let closing = false;
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    // While stopping, no connection is kept for another call.
    if (closing) res.setHeader('connection', 'close');
    if (!serving) {
      // The port is bound at plugin start (a conflict fails the start);
      // calls wait for the rest of the backend (catalog) to be up.
      res.setHeader('retry-after', '1');
      new GatewayError(
        503,
        'service_unavailable',
        'The AI gateway is starting; try again in a moment',
      ).send(res);
      return;
    }
    if (!url.startsWith(prefix)) {
      new GatewayError(
        404,
        'invalid_request_error',
        `This port serves only the AI gateway, under ${GATEWAY_PATH}`,
        'unknown_url',
      ).send(res);
      return;
    }
    handler(req, res, url.slice(GATEWAY_PATH.length));
  });
  // Long streams are normal: no idle timeout on an open response.
  server.timeout = 0;
  // Keep idle connections longer than clients do (Open WebUI's and Dify's
  // HTTP clients keep theirs about 5 s, Node's default here too): otherwise
  // a client can reuse a connection the server is closing at that moment.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      reject(
        new Error(
          `The AI gateway cannot listen on ${where} (aiTiles.gateway.listen): ${
            error.code ?? error.message
          }`,
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  // Later failures (e.g. EMFILE when accepting) are logged, not thrown:
  // an 'error' without a listener would end the whole backend.
  server.on('error', error =>
    logger.error(`AI gateway listener (aiTiles.gateway.listen): ${error}`),
  );
  const bound = (server.address() as AddressInfo).port;
  logger.info(
    `AI gateway listening on ${
      host ?? '*'
    }:${bound}${GATEWAY_PATH} (aiTiles.gateway.listen)`,
  );

  return {
    port: bound,
    serve() {
      serving = true;
    },
    async close(graceMs) {
      closing = true;
      const closed = new Promise<void>(resolve =>
        server.close(() => resolve()),
      );
      // Connections become idle as their calls end: close them then, so
      // that stopping takes as long as the longest open call, not the grace.
      const idle = setInterval(() => server.closeIdleConnections(), 50);
      const cut = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearInterval(idle);
      clearTimeout(cut);
    },
  };
}
