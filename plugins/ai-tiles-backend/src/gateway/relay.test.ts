import { createServer, request, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { relay } from './relay';

/** An endless source of 64 KiB chunks, counting what was read from it. */
function endless() {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  const source = { chunks: 0 };
  const body = new Readable({
    read() {
      source.chunks++;
      this.push(chunk);
    },
  });
  return { body, source };
}

describe('relay', () => {
  let server: Server;
  let settled: Promise<unknown>;
  let serve: (res: ServerResponse) => Promise<void>;

  beforeEach(async () => {
    server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      settled = serve(res).then(
        () => 'ended',
        error => error,
      );
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  });
  afterEach(() => new Promise(r => server.close(r)));

  /** Connects, waits for the headers, then closes the connection. */
  const leaveAfterHeaders = (pauseMs: number) =>
    new Promise<void>(resolve => {
      const { port } = server.address() as AddressInfo;
      const req = request({ port, host: '127.0.0.1', path: '/' }, res => {
        // Not reading: the server's writes back up until it waits for drain.
        res.pause();
        setTimeout(() => {
          req.destroy();
          resolve();
        }, pauseMs);
      });
      // However the connection ends (the server may reset it first).
      req.on('error', () => resolve());
      req.on('close', () => resolve());
      req.end();
    });

  it('throws an AbortError when the caller leaves while it waits for drain', async () => {
    const { body, source } = endless();
    serve = res => relay(body, res);
    await leaveAfterHeaders(200);
    const outcome = (await settled) as Error;
    expect(outcome.name).toBe('AbortError');
    // It stopped reading the source: the upstream is not drained into nothing.
    const read = source.chunks;
    await new Promise(r => setTimeout(r, 100));
    expect(source.chunks).toBe(read);
    expect(body.destroyed).toBe(true);
  });

  it('throws an AbortError when the response is already gone', async () => {
    const { body } = endless();
    serve = async res => {
      res.destroy();
      await relay(body, res);
    };
    await leaveAfterHeaders(0);
    expect(((await settled) as Error).name).toBe('AbortError');
    expect(body.destroyed).toBe(true);
  });

  it('ends the response after the last chunk, transformed', async () => {
    serve = res =>
      relay(Readable.from([Buffer.from('a'), Buffer.from('b')]), res, c =>
        c.toString() === 'a' ? undefined : c.toString().toUpperCase(),
      );
    const { port } = server.address() as AddressInfo;
    const text = await fetch(`http://127.0.0.1:${port}/`).then(r => r.text());
    expect(text).toBe('B');
    expect(await settled).toBe('ended');
  });
});
