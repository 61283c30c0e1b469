import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { BodyAbortedError, discardBody, limitedStream, readBody } from './body';
import { GatewayError } from './errors';

function message(headers: Record<string, string> = {}) {
  const req = new IncomingMessage(new Socket());
  req.headers = headers;
  return req;
}

describe('readBody', () => {
  it('reads a body sent in chunks', async () => {
    const req = message();
    const body = readBody(req, 100);
    req.push(Buffer.from('{"model":'));
    req.push(Buffer.from('"gpt"}'));
    req.complete = true;
    req.push(null);
    expect((await body).toString()).toBe('{"model":"gpt"}');
  });

  it('refuses a declared length over the limit without reading', async () => {
    const error = await readBody(message({ 'content-length': '101' }), 100)
      .then(() => undefined)
      .catch(e => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ status: 413, code: 'request_too_large' });
  });

  it('refuses a body that grows past the limit as it arrives', async () => {
    const req = message();
    const body = readBody(req, 10);
    req.push(Buffer.from('0123456789'));
    req.push(Buffer.from('x'));
    await expect(body).rejects.toMatchObject({ status: 413 });
  });

  it('refuses compressed bodies with 415', async () => {
    await expect(
      readBody(message({ 'content-encoding': 'gzip' }), 100),
    ).rejects.toMatchObject({
      status: 415,
      code: 'unsupported_content_encoding',
    });
  });

  it('reports a caller that went away before the end', async () => {
    const req = message();
    const body = readBody(req, 100);
    req.push(Buffer.from('{"mod'));
    req.destroy();
    await expect(body).rejects.toBeInstanceOf(BodyAbortedError);
  });

  it('refuses a body that something else already read', async () => {
    const req = message();
    req.push(null);
    req.resume();
    await new Promise(r => req.once('end', r));
    await expect(readBody(req, 100)).rejects.toThrow('already read');
  });
});

describe('limitedStream', () => {
  it('passes each chunk on as it arrives, without holding the body', async () => {
    const req = message();
    const stream = limitedStream(req, 10);
    const seen: string[] = [];
    stream.on('data', chunk => seen.push(String(chunk)));
    req.push(Buffer.from('01234'));
    await new Promise(r => setImmediate(r));
    // The first part is through before the rest exists.
    expect(seen).toEqual(['01234']);
    req.push(Buffer.from('56789'));
    req.push(null);
    await new Promise(r => stream.on('end', r));
    expect(seen.join('')).toBe('0123456789');
  });

  it('fails with 413 once the streamed body grows past the limit', async () => {
    const req = message();
    const stream = limitedStream(req, 10);
    const failed = new Promise(r => stream.on('error', r));
    stream.resume();
    req.push(Buffer.from('0123456789'));
    req.push(Buffer.from('x'));
    expect(await failed).toMatchObject({
      status: 413,
      code: 'request_too_large',
    });
  });

  it('refuses a declared length over the limit before streaming', () => {
    expect(() =>
      limitedStream(message({ 'content-length': '11' }), 10),
    ).toThrow(expect.objectContaining({ status: 413 }));
  });
});

describe('discardBody', () => {
  it('reads the rest of a refused body to its end', async () => {
    const req = message();
    const discarded = discardBody(req, 100);
    req.push(Buffer.alloc(60));
    req.complete = true;
    req.push(null);
    await expect(discarded).resolves.toBe(true);
  });

  it('gives up past its byte bound and leaves the request paused', async () => {
    const req = message();
    const discarded = discardBody(req, 100);
    req.push(Buffer.alloc(60));
    req.push(Buffer.alloc(60));
    await expect(discarded).resolves.toBe(false);
    expect(req.isPaused()).toBe(true);
  });

  it('gives up after its time bound', async () => {
    const req = message();
    await expect(discardBody(req, 100, 20)).resolves.toBe(false);
  });
});

describe('reading a body whole', () => {
  const ours = (stream: Readable) =>
    ['data', 'end', 'close', 'error'].map(e => stream.listenerCount(e));

  it('stops listening once the body is read, and survives a late error', async () => {
    const req = message();
    const before = ours(req);
    const body = readBody(req, 100);
    req.push(Buffer.from('{"model":"gpt"}'));
    req.complete = true;
    req.push(null);
    await body;
    // Only the one shared late-error listener is left: no closure of the
    // call stays reachable from the stream's listener table.
    const [data, end, close, error] = ours(req);
    expect([data, end, close]).toEqual(before.slice(0, 3));
    expect(error).toBe(before[3] + 1);
    expect(() => req.emit('error', new Error('late'))).not.toThrow();
  });

  it('stops listening when the body fails or is cut at the limit', async () => {
    const failing = message();
    const read = readBody(failing, 100);
    failing.destroy(new Error('connection reset'));
    await expect(read).rejects.toBeInstanceOf(BodyAbortedError);
    expect(ours(failing).slice(0, 3)).toEqual([0, 0, 0]);

    const long = message();
    const cut = readBody(long, 4);
    long.push(Buffer.from('0123456789'));
    await expect(cut).rejects.toMatchObject({ status: 413 });
    expect(ours(long).slice(0, 3)).toEqual([0, 0, 0]);
  });
});
