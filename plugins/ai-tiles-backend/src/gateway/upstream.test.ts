import { getEventListeners } from 'node:events';
import {
  createServer,
  IncomingMessage,
  request,
  Server,
  ServerResponse,
} from 'node:http';
import { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { callUpstream, UpstreamResponse } from './upstream';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(handler: Handler): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return server;
}
const origin = (server: Server) =>
  `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const tick = (ms = 20) => new Promise(r => setTimeout(r, ms));

describe('callUpstream', () => {
  let upstream: Server;
  let handle: Handler;
  /** Resolves when the upstream sees its request's connection close. */
  let upstreamClosed: Promise<void>;
  let pool: Pool;

  beforeEach(async () => {
    upstream = await listen((req, res) => {
      upstreamClosed = new Promise(r => res.once('close', () => r()));
      handle(req, res);
    });
    pool = new Pool(origin(upstream));
  });
  afterEach(async () => {
    await pool.destroy();
    upstream.closeAllConnections();
    await new Promise(r => upstream.close(r));
  });

  const call = (signal = new AbortController().signal) =>
    callUpstream(pool, { path: '/v1/x', method: 'GET' }, signal);

  it('answers at the headers, then reads a body sent in pieces', async () => {
    handle = (_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.write('{"id":');
      setTimeout(() => res.end('"chatcmpl-1"}'), 20);
    };
    const signal = new AbortController().signal;
    const answer = await call(signal);
    expect(answer.statusCode).toBe(201);
    expect(answer.headers['content-type']).toBe('application/json');
    expect((await answer.read()).toString()).toBe('{"id":"chatcmpl-1"}');
    // Nothing stays listening on the caller's signal once the call is over.
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('keeps what fits the limit and cuts the rest of the call', async () => {
    handle = (_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.write('0123456789');
      setTimeout(() => res.write('and much more'), 20);
    };
    const answer = await call();
    expect((await answer.read(12)).toString()).toBe('0123456789');
    await upstreamClosed;
  });

  it('fails with the socket error when LiteLLM dies in the middle of a body', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('{"id":');
      setTimeout(() => res.destroy(), 20);
    };
    const answer = await call();
    await expect(answer.read()).rejects.toMatchObject({
      code: 'UND_ERR_SOCKET',
    });
  });

  it('is cut by the signal while it waits for the headers', async () => {
    handle = () => {}; // never answers
    const abort = new AbortController();
    const answer = call(abort.signal);
    await tick();
    abort.abort();
    await expect(answer).rejects.toMatchObject({ name: 'AbortError' });
    await upstreamClosed;
    expect(getEventListeners(abort.signal, 'abort')).toHaveLength(0);
  });

  it('is cut by the signal after the headers, before the body is read', async () => {
    handle = (_req, res) => {
      res.writeHead(200);
      res.write('part');
    };
    const abort = new AbortController();
    const answer = await call(abort.signal);
    abort.abort();
    await expect(answer.read()).rejects.toMatchObject({ name: 'AbortError' });
    await upstreamClosed;
  });

  it('does not call LiteLLM for a signal already aborted', async () => {
    let calls = 0;
    handle = (_req, res) => {
      calls++;
      res.end();
    };
    const abort = new AbortController();
    abort.abort();
    await expect(call(abort.signal)).rejects.toMatchObject({
      name: 'AbortError',
    });
    await tick();
    expect(calls).toBe(0);
  });

  it('drops a small body and keeps the connection; cuts a large one', async () => {
    let socket: IncomingMessage['socket'] | undefined;
    handle = (req, res) => {
      socket = req.socket;
      res.end('{"error":{"type":"auth_error"}}');
    };
    await (await call()).dump();
    await tick();
    expect(socket!.destroyed).toBe(false);

    handle = (req, res) => {
      socket = req.socket;
      res.writeHead(200);
      const chunk = Buffer.alloc(16 * 1024, 'a');
      const timer = setInterval(() => res.write(chunk), 1);
      res.once('close', () => clearInterval(timer));
    };
    await (await call()).dump();
    await upstreamClosed;
    expect(socket!.destroyed).toBe(true);
  });

  describe('relay', () => {
    let front: Server;
    /** How the front server's relay ended: 'ended' or the error. */
    let settled: Promise<unknown>;
    let before: (res: ServerResponse) => void;
    let transform: ((chunk: Buffer) => string | undefined) | undefined;

    beforeEach(async () => {
      before = () => {};
      transform = undefined;
      // Wired as the gateway does: the caller leaving aborts the call.
      front = await listen((_req, res) => {
        const abort = new AbortController();
        res.once('close', () => {
          if (!res.writableFinished) abort.abort();
        });
        settled = call(abort.signal)
          .then((answer: UpstreamResponse) => {
            res.writeHead(200);
            res.flushHeaders();
            before(res);
            return answer.relay(res, transform);
          })
          .then(
            () => 'ended',
            error => error,
          );
      });
    });
    afterEach(async () => {
      front.closeAllConnections();
      await new Promise(r => front.close(r));
    });

    it('passes each chunk on, transformed, and ends the response', async () => {
      handle = (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('a');
        setTimeout(() => res.end('b'), 20);
      };
      transform = c => (c.toString() === 'a' ? undefined : `${c}!`);
      const text = await fetch(origin(front)).then(r => r.text());
      expect(text).toBe('b!');
      expect(await settled).toBe('ended');
    });

    it('reads LiteLLM no faster than the caller takes it, and cuts it when the caller leaves', async () => {
      let written = 0;
      handle = (_req, res) => {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const pump = () => {
          while (!res.destroyed) {
            written++;
            if (!res.write(chunk)) break;
          }
        };
        res.on('drain', pump);
        pump();
      };
      await new Promise<void>(resolve => {
        const req = request(origin(front), res => {
          // Not reading: the front's writes back up, then LiteLLM's.
          res.pause();
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 300);
        });
        req.on('error', () => resolve());
        req.end();
      });
      expect(((await settled) as Error).name).toBe('AbortError');
      await upstreamClosed;
      // Bounded by the socket buffers on the way, not by the 300 ms.
      expect(written).toBeLessThan(200);
    });

    it('cuts the call when the response is already gone', async () => {
      handle = (_req, res) => {
        res.writeHead(200);
        res.write('a');
      };
      before = res => res.destroy();
      await fetch(origin(front)).catch(() => undefined);
      expect(((await settled) as Error).name).toBe('AbortError');
      await upstreamClosed;
    });
  });
});
