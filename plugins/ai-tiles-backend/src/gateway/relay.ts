import { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';

/** The caller closed its connection: answered by nobody, recorded as 499. */
export function clientGone(): Error {
  return new DOMException('The client closed the connection', 'AbortError');
}

/**
 * Copies `body` to the response with back-pressure (waits for `drain`),
 * optionally transforming each chunk (undefined = send nothing), and ends it.
 * Throws an `AbortError` when the caller went away, so that the call is
 * recorded as cut short rather than answered.
 */
export async function relay(
  body: Readable,
  res: ServerResponse,
  transform: (chunk: Buffer) => Buffer | string | undefined = c => c,
): Promise<void> {
  for await (const chunk of body) {
    const out = transform(chunk as Buffer);
    // A destroyed response answers `false` and never emits `drain` again.
    if (out !== undefined && !res.write(out) && !res.destroyed) {
      await new Promise<void>(resolve => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
    if (res.destroyed) throw clientGone();
  }
  res.end();
}
