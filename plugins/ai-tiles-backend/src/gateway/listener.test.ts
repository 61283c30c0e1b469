import { mockServices } from '@backstage/backend-test-utils';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { GatewayListener, startGatewayListener } from './listener';
import { GATEWAY_PATH, GatewayHandler } from './router';

describe('startGatewayListener', () => {
  const logger = mockServices.logger.mock();
  let listener: GatewayListener | undefined;
  afterEach(async () => {
    await listener?.close(100);
    listener = undefined;
  });

  const start = (handler: GatewayHandler) =>
    startGatewayListener({ handler, host: '127.0.0.1', port: 0, logger });

  it('answers 503 until served, then hands gateway paths to the handler', async () => {
    const paths: string[] = [];
    listener = await start((_req, res, path) => {
      paths.push(path);
      res.end('ok');
    });
    const url = `http://127.0.0.1:${listener.port}${GATEWAY_PATH}/models?x=1`;

    const early = await fetch(url);
    expect(early.status).toBe(503);
    expect(early.headers.get('retry-after')).toBe('1');
    expect((await early.json()).error.type).toBe('service_unavailable');

    listener.serve();
    const served = await fetch(url);
    expect(await served.text()).toBe('ok');
    expect(paths).toEqual(['/models?x=1']);

    const other = await fetch(`http://127.0.0.1:${listener.port}/api/catalog`);
    expect(other.status).toBe(404);
    expect((await other.json()).error.code).toBe('unknown_url');
  });

  it('fails with the config key when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>(r => taken.listen(0, '127.0.0.1', r));
    const { port } = taken.address() as AddressInfo;
    try {
      await expect(
        startGatewayListener({
          handler: (_req, res) => res.end(),
          host: '127.0.0.1',
          port,
          logger,
        }),
      ).rejects.toThrow(
        `The AI gateway cannot listen on 127.0.0.1:${port} (aiTiles.gateway.listen): EADDRINUSE`,
      );
    } finally {
      taken.close();
    }
  });

  it('stops as soon as open calls end, without waiting for the grace period', async () => {
    listener = await start((_req, res) => {
      setTimeout(() => res.end('done'), 200);
    });
    listener.serve();
    const url = `http://127.0.0.1:${listener.port}${GATEWAY_PATH}/models`;
    await (await fetch(url)).text(); // leaves an idle keep-alive connection
    const inFlight = fetch(url).then(r => r.text());
    await new Promise(r => setTimeout(r, 50));
    const started = Date.now();
    await listener.close(5_000);
    listener = undefined;
    expect(await inFlight).toBe('done');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('closes open calls once the grace period is over', async () => {
    listener = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n'); // and never ends
    });
    listener.serve();
    const res = await fetch(
      `http://127.0.0.1:${listener.port}${GATEWAY_PATH}/chat/completions`,
    );
    const reader = res.body!.getReader();
    await reader.read();
    const started = Date.now();
    await listener.close(200);
    listener = undefined;
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await expect(
      (async () => {
        for (;;) if ((await reader.read()).done) return 'ended';
      })(),
    ).rejects.toThrow();
  });
});
