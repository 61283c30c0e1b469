import { postRaw, readSse, setup } from './testHarness';

const chat = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-4o-mini',
  stream: true,
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

/**
 * The stand-in waits `delayMs` before writing each chunk, so chunk k (from 0)
 * cannot arrive before (k + 1) × delayMs after the request was sent, however
 * the test process's event loop bunches the arrivals (gaps between single
 * chunks do not hold under load: a late chunk is followed by a short gap).
 * Timers and Date.now() have millisecond steps: 2 ms of slack. No chunk is
 * held back for long either.
 */
function expectSpaced(sentAt: number, arrivals: number[], delayMs: number) {
  arrivals.forEach((at, k) => {
    expect(at - sentAt).toBeGreaterThanOrEqual((k + 1) * delayMs - 2);
  });
  arrivals.slice(1).forEach((at, k) => {
    expect(at - arrivals[k]).toBeLessThan(1000);
  });
}

async function waitFor(check: () => boolean, timeoutMs = 2000) {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise(r => setTimeout(r, 10));
  }
}

describe('slow streams and stream counters', () => {
  const t = setup();
  afterEach(() =>
    t.standIn.configure({ streamChunkDelayMs: 0, mockStreamChunks: 0 }),
  );

  it('spaces chat chunks by streamChunkDelayMs and emits mock_stream_chunks chunks', async () => {
    t.standIn.configure({ streamChunkDelayMs: 60 });
    const key = await t.newUser('slow');
    const sentAt = Date.now();
    const events = await readSse(
      await postRaw(
        t.standIn,
        '/chat/completions',
        chat({ mock_stream_chunks: 6 }),
        key,
      ),
    );
    expect(events.at(-1)!.data).toBe('[DONE]');
    const content = events
      .slice(0, -1)
      .map(e => ({ at: e.at, chunk: JSON.parse(e.data) }))
      .filter(e => e.chunk.choices[0]?.delta?.content);
    expect(content.map(e => e.chunk.choices[0].delta.content)).toEqual([
      'chunk-1 ',
      'chunk-2 ',
      'chunk-3 ',
      'chunk-4 ',
      'chunk-5 ',
      'chunk-6',
    ]);
    expectSpaced(
      sentAt,
      content.map(e => e.at),
      60,
    );
    expect(t.standIn.streams()).toEqual({
      started: 1,
      completed: 1,
      aborted: 0,
      failed: 0,
    });
    expect(t.standIn.spendLogs()[0].completion_tokens).toBe(
      Math.ceil('chunk-1 chunk-2 chunk-3 chunk-4 chunk-5 chunk-6'.length / 4),
    );
  });

  it('slows text completions too, switched over HTTP', async () => {
    const switched = await t.post('/__standin/config', {
      streamChunkDelayMs: 50,
      mockStreamChunks: 4,
    });
    expect(switched.status).toBe(200);
    const sentAt = Date.now();
    const events = await readSse(
      await postRaw(t.standIn, '/v1/completions', {
        model: 'gpt-4o-mini',
        prompt: 'ignored while mockStreamChunks is set',
        stream: true,
      }),
    );
    const content = events
      .slice(0, -1)
      .map(e => ({ at: e.at, chunk: JSON.parse(e.data) }))
      .filter(e => e.chunk.choices[0]?.text);
    expect(content.map(e => e.chunk.choices[0].text).join('')).toBe(
      'chunk-1 chunk-2 chunk-3 chunk-4',
    );
    expectSpaced(
      sentAt,
      content.map(e => e.at),
      50,
    );
    const state = await t.get('/__standin/state');
    expect(state.body.streams).toEqual({
      started: 1,
      completed: 1,
      aborted: 0,
      failed: 0,
    });
  });

  it('counts a client abort, stops writing, frees the lease at once and charges nothing', async () => {
    // A long delay: the handler must not sit in its timer after the client left.
    t.standIn.configure({ streamChunkDelayMs: 1500 });
    const key = await t.newUser('quitter', { max_parallel_requests: 1 });
    const controller = new AbortController();
    const res = await postRaw(
      t.standIn,
      '/chat/completions',
      chat({ mock_stream_chunks: 50 }),
      key,
      controller.signal,
    );
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"role":"assistant"');
    expect(t.standIn.streams()).toMatchObject({ started: 1, aborted: 0 });
    const abortedAt = Date.now();
    controller.abort();
    await waitFor(() => t.standIn.streams().aborted === 1);
    expect(t.standIn.streams()).toEqual({
      started: 1,
      completed: 0,
      aborted: 1,
      failed: 0,
    });
    // max_parallel_requests = 1: only passes once the aborted stream let go of its lease.
    t.standIn.configure({ streamChunkDelayMs: 0 });
    const next = await t.chat(key);
    expect(next.status).toBe(200);
    expect(Date.now() - abortedAt).toBeLessThan(1000);
    expect(t.standIn.spendLogs().map(r => r.call_type)).toEqual([
      'acompletion',
    ]);
    expect(t.standIn.streams()).toMatchObject({ started: 1, aborted: 1 });

    await t.post('/__standin/reset');
    expect(t.standIn.streams()).toEqual({
      started: 0,
      completed: 0,
      aborted: 0,
      failed: 0,
    });
  });

  it('counts an injected mid-stream failure as failed, not aborted', async () => {
    t.standIn.setFailureMode({
      mode: 'upstream-error',
      afterChunks: 1,
      times: 1,
    });
    const res = await postRaw(t.standIn, '/chat/completions', chat());
    await expect(res.text()).rejects.toThrow();
    await waitFor(() => t.standIn.streams().failed === 1);
    expect(t.standIn.streams()).toEqual({
      started: 1,
      completed: 0,
      aborted: 0,
      failed: 1,
    });
  });

  it('refuses an invalid mock_stream_chunks', async () => {
    for (const value of [0, -1, 1.5, 'ten', 100_001]) {
      const res = await t.post('/chat/completions', {
        ...chat({ mock_stream_chunks: value }),
        stream: false,
      });
      expect(res.status).toBe(400);
    }
  });
});
