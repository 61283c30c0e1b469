import { startLiteLlmStandIn } from './server';
import { MASTER_KEY, setup } from './testHarness';

const chatBody = {
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'hi' }],
};

describe('failure modes and latency (robustness hooks)', () => {
  const t = setup();

  it('answers injected errors a limited number of times, on selected routes', async () => {
    t.standIn.setFailureMode({
      mode: 'error',
      status: 503,
      routes: ['/chat/completions'],
      times: 1,
    });
    expect((await t.get('/user/list')).status).toBe(200);
    const failed = await t.post('/chat/completions', chatBody);
    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('503');
    expect((await t.post('/chat/completions', chatBody)).status).toBe(200);
  });

  it('hangs until the client gives up', async () => {
    t.standIn.setFailureMode({ mode: 'hang' });
    await expect(
      fetch(`${t.standIn.url}/v1/models`, {
        headers: { authorization: `Bearer ${MASTER_KEY}` },
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    t.standIn.setFailureMode(null);
    expect((await t.get('/v1/models')).status).toBe(200);
  });

  it('does the call and then hangs (hang-after): the work lands, the answer never comes', async () => {
    t.standIn.setFailureMode({
      mode: 'hang-after',
      routes: ['/user/new'],
      times: 1,
    });
    await expect(
      fetch(`${t.standIn.url}/user/new`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${MASTER_KEY}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ user_id: 'late', auto_create_key: false }),
        signal: AbortSignal.timeout(200),
      }),
    ).rejects.toThrow();
    expect(t.standIn.users().map(u => u.user_id)).toContain('late');
    // `times: 1`: the next call is answered.
    expect((await t.get('/user/info?user_id=late')).status).toBe(200);
  });

  it('serves malformed JSON', async () => {
    t.standIn.setFailureMode({ mode: 'malformed-json', times: 1 });
    const res = await fetch(`${t.standIn.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}` },
      body: JSON.stringify(chatBody),
    });
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow();
  });

  it('drops the connection', async () => {
    t.standIn.setFailureMode({ mode: 'disconnect', times: 1 });
    await expect(fetch(`${t.standIn.url}/health/liveliness`)).rejects.toThrow();
    expect((await t.get('/health/liveliness', null)).status).toBe(200);
  });

  it('fails upstream after the checks and logs a failure row', async () => {
    const key = await t.newUser('unlucky');
    t.standIn.setFailureMode({ mode: 'upstream-error', times: 1 });
    const res = await t.chat(key);
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('500');
    const [row] = t.standIn.spendLogs();
    expect(row).toMatchObject({ status: 'failure', spend: 0, user: 'unlucky' });
    const today = t.standIn.clock.now().toISOString().slice(0, 10);
    const activity = await t.get(
      `/user/daily/activity?start_date=${today}&end_date=${today}`,
    );
    expect(activity.body.metadata).toMatchObject({
      total_failed_requests: 1,
      total_successful_requests: 0,
    });
    expect(t.standIn.findKey(key)!.spend).toBe(0);
  });

  it('breaks a stream after some chunks', async () => {
    t.standIn.setFailureMode({
      mode: 'upstream-error',
      afterChunks: 2,
      times: 1,
    });
    const res = await fetch(`${t.standIn.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}` },
      body: JSON.stringify({ ...chatBody, stream: true }),
    });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('adds artificial latency to model routes', async () => {
    t.standIn.configure({ latencyMs: 250 });
    try {
      const started = Date.now();
      expect((await t.post('/chat/completions', chatBody)).status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    } finally {
      t.standIn.configure({ latencyMs: 0 });
    }
  });
});

describe('HTTP test hooks under /__standin', () => {
  const t = setup({ now: () => new Date('2026-08-14T10:00:00Z') });

  it('moves the clock and runs the reset job', async () => {
    const key = (
      await t.post('/key/generate', { max_budget: 1, budget_duration: '1d' })
    ).body.key;
    await t.post('/chat/completions', chatBody, key);
    expect(t.standIn.findKey(key)!.spend).toBeGreaterThan(0);
    const moved = await t.post('/__standin/clock', { advance_ms: 86_400_000 });
    expect(moved.body.now).toBe('2026-08-15T10:00:00.000Z');
    const reset = await t.post('/__standin/budget/reset');
    expect(reset.body.keys).toHaveLength(1);
    expect(t.standIn.findKey(key)!.spend).toBe(0);
    const set = await t.post('/__standin/clock', {
      set: '2026-09-01T00:00:00Z',
      run_budget_reset: true,
    });
    expect(set.body).toMatchObject({
      now: '2026-09-01T00:00:00.000Z',
      budget_reset: { keys: expect.any(Array) },
    });
  });

  it('sets failure modes and switches over HTTP', async () => {
    await t.post('/__standin/failure', {
      mode: 'error',
      status: 502,
      times: 1,
    });
    expect((await t.get('/v1/models')).status).toBe(502);
    await t.post('/__standin/config', { budgetExceededStatus: 400 });
    const key = (await t.post('/key/generate', { max_budget: 0 })).body.key;
    expect((await t.post('/chat/completions', chatBody, key)).status).toBe(400);
    await t.post('/__standin/config', { budgetExceededStatus: 429 });
    expect((await t.post('/chat/completions', chatBody, key)).status).toBe(429);
    expect((await t.post('/__standin/config', { nope: true })).status).toBe(
      422,
    );
  });

  it('dumps and resets state', async () => {
    await t.newUser('someone');
    const state = await t.get('/__standin/state');
    expect(state.body.users).toHaveLength(1);
    await t.post('/__standin/reset');
    expect(t.standIn.users()).toHaveLength(0);
  });

  it('refuses hooks to anything but the master key', async () => {
    const key = await t.newUser('intruder', { user_role: 'proxy_admin' });
    expect((await t.post('/__standin/reset', undefined, key)).status).toBe(401);
    expect((await t.get('/__standin/state', null)).status).toBe(401);
  });
});

describe('startLiteLlmStandIn', () => {
  it('refuses a master key that does not start with sk-', async () => {
    await expect(startLiteLlmStandIn({ masterKey: 'master' })).rejects.toThrow(
      /must start with 'sk-'/,
    );
    await expect(startLiteLlmStandIn({ masterKey: '' })).rejects.toThrow(
      /masterKey is required/,
    );
  });

  it('closes promptly even with a hanging request open', async () => {
    const standIn = await startLiteLlmStandIn({ masterKey: MASTER_KEY });
    standIn.setFailureMode({ mode: 'hang' });
    const pending = fetch(`${standIn.url}/health/liveliness`).catch(e => e);
    await new Promise(r => setTimeout(r, 50));
    const started = Date.now();
    await standIn.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(String(await pending)).toMatch(/fetch failed/);
  });
});
