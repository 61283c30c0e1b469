import { type StandInModel } from './options';
import { setup } from './testHarness';

const MODELS: StandInModel[] = [
  {
    model_name: 'priced',
    litellm_params: { model: 'openai/priced-model' },
    model_info: { input_cost_per_token: 0.01, output_cost_per_token: 0.01 },
  },
  {
    model_name: 'free',
    litellm_params: { model: 'openai/free-model' },
    model_info: { input_cost_per_token: 0, output_cost_per_token: 0 },
  },
  { model_name: 'unpriced', litellm_params: { model: 'openai/unpriced' } },
];

const msg = (content = 'hi') => ({
  model: 'priced',
  messages: [{ role: 'user', content }],
});

describe.each([429, 400] as const)(
  'budget enforcement with status %i (requirement 13)',
  status => {
    const t = setup({
      models: MODELS,
      budgetExceededStatus: status,
      now: () => new Date('2026-08-14T10:30:00Z'),
    });

    it('refuses a key once spend ≥ max_budget (one call may overshoot)', async () => {
      const key = (
        await t.post('/key/generate', { key_alias: 'capped', max_budget: 0.05 })
      ).body.key;
      const first = await t.post('/chat/completions', msg(), key);
      expect(first.status).toBe(200);
      expect(Number(first.headers.get('x-litellm-key-spend'))).toBeGreaterThan(
        0.05,
      );
      const refused = await t.post('/chat/completions', msg(), key);
      expect(refused.status).toBe(status);
      expect(refused.body.error).toMatchObject({
        type: 'budget_exceeded',
        param: null,
        code: String(status),
      });
      expect(refused.body.error.message).toMatch(
        new RegExp(
          `^Budget has been exceeded! Key=capped \\(sk-\\.\\.\\.${key.slice(
            -4,
          )}\\) Current cost: [0-9.]+, Max budget: 0\\.05$`,
        ),
      );
      // The key's own budget also applies to /models, not to management routes.
      expect((await t.get('/v1/models', key)).status).toBe(status);
      expect((await t.get('/key/info', key)).status).toBe(200);
      expect(t.standIn.spendLogs()).toHaveLength(1);
    });

    it('refuses a personal key once the user spend > max_budget, on every route', async () => {
      const key = await t.newUser('spender', { max_budget: 0.05 });
      expect((await t.post('/chat/completions', msg(), key)).status).toBe(200);
      const refused = await t.post('/chat/completions', msg(), key);
      expect(refused.status).toBe(status);
      expect(refused.body.error.type).toBe('budget_exceeded');
      expect(refused.body.error.message).toMatch(
        /^ExceededBudget: User=spender over budget\. Spend=[0-9.]+, Budget=0\.05$/,
      );
      expect((await t.get('/key/info', key)).status).toBe(status);
    });

    it('does not refuse at exactly the user budget (spend > budget, not ≥)', async () => {
      const key = await t.newUser('edge', { max_budget: 1 });
      await t.post('/user/update', { user_id: 'edge', spend: 1 });
      expect((await t.post('/chat/completions', msg(), key)).status).toBe(200);
    });

    it('applies the team budget, not the user budget, to a team key', async () => {
      await t.post('/user/new', {
        user_id: 'member',
        max_budget: 0.0001,
        auto_create_key: false,
      });
      // Each call costs 0.15 (15 tokens × 0.01): two calls fit under 0.2, the third is refused.
      await t.post('/team/new', {
        team_id: 'tm',
        max_budget: 0.2,
        members_with_roles: [{ user_id: 'member', role: 'user' }],
      });
      const teamKey = (
        await t.post('/key/generate', { user_id: 'member', team_id: 'tm' })
      ).body.key;
      expect((await t.post('/chat/completions', msg(), teamKey)).status).toBe(
        200,
      );
      expect((await t.post('/chat/completions', msg(), teamKey)).status).toBe(
        200,
      );
      // spend was rolled to the team, so now the team is over
      const refused = await t.post('/chat/completions', msg(), teamKey);
      expect(refused.status).toBe(status);
      expect(refused.body.error.message).toContain('Team=tm');
      expect(t.standIn.users()[0].spend).toBe(0);
    });

    it('refuses an end user over budget, even with the master key', async () => {
      await t.post('/customer/new', { user_id: 'cust', max_budget: 0.05 });
      expect(
        (await t.post('/chat/completions', { ...msg(), user: 'cust' })).status,
      ).toBe(200);
      const refused = await t.post('/chat/completions', {
        ...msg(),
        user: 'cust',
      });
      expect(refused.status).toBe(status);
      expect(refused.body.error.message).toMatch(
        /^ExceededBudget: End User=cust over budget\. Spend=[0-9.]+, Budget=0\.05$/,
      );
    });

    it('skips key/user budgets for a model priced at exactly 0', async () => {
      const key = await t.newUser('freebie', { max_budget: 0.01 });
      await t.post('/chat/completions', msg(), key);
      expect((await t.post('/chat/completions', msg(), key)).status).toBe(
        status,
      );
      expect(
        (await t.post('/chat/completions', { ...msg(), model: 'free' }, key))
          .status,
      ).toBe(200);
      // Without prices a model is not free: the budgets still apply.
      expect(
        (
          await t.post(
            '/chat/completions',
            { ...msg(), model: 'unpriced' },
            key,
          )
        ).status,
      ).toBe(status);
    });
  },
);

describe('budget reset with the clock hook (requirement 15)', () => {
  const t = setup({
    models: MODELS,
    now: () => new Date('2026-08-14T10:30:00Z'),
  });

  it('a monthly (30d) user budget resets on the 1st of next month', async () => {
    const key = await t.newUser('monthly', {
      max_budget: 0.05,
      budget_duration: '30d',
    });
    await t.post('/chat/completions', msg(), key);
    expect((await t.post('/chat/completions', msg(), key)).status).toBe(429);

    t.standIn.clock.set('2026-08-31T23:59:00Z');
    expect(t.standIn.runBudgetReset().users).toEqual([]);
    expect((await t.post('/chat/completions', msg(), key)).status).toBe(429);

    t.standIn.clock.advance(60_000);
    expect(t.standIn.runBudgetReset().users).toEqual(['monthly']);
    const user = (await t.get('/user/info?user_id=monthly')).body.user_info;
    expect(user.spend).toBe(0);
    expect(user.budget_reset_at).toBe('2026-10-01T00:00:00.000Z');
    expect((await t.post('/chat/completions', msg(), key)).status).toBe(200);
  });

  it('resets key, team and customer budgets, each on its own cadence', async () => {
    const dayKey = (
      await t.post('/key/generate', { max_budget: 1, budget_duration: '1d' })
    ).body.key;
    const weekKey = (
      await t.post('/key/generate', { max_budget: 1, budget_duration: '7d' })
    ).body.key;
    await t.post('/team/new', {
      team_id: 'tm',
      max_budget: 1,
      budget_duration: '1mo',
    });
    const teamKey = (await t.post('/key/generate', { team_id: 'tm' })).body.key;
    await t.post('/customer/new', {
      user_id: 'cust',
      max_budget: 1,
      budget_duration: '1d',
    });
    await t.post('/chat/completions', msg(), dayKey);
    await t.post('/chat/completions', msg(), weekKey);
    await t.post('/chat/completions', { ...msg(), user: 'cust' }, teamKey);

    t.standIn.clock.set('2026-08-15T00:00:00Z'); // Saturday
    const r1 = t.standIn.runBudgetReset();
    expect(r1.keys).toEqual([t.standIn.findKey(dayKey)!.token]);
    expect(r1.customers).toEqual(['cust']);
    expect(r1.teams).toEqual([]);
    expect(t.standIn.findKey(dayKey)!.spend).toBe(0);
    expect(t.standIn.findKey(dayKey)!.budget_reset_at).toBe(
      '2026-08-16T00:00:00.000Z',
    );
    expect(t.standIn.findKey(weekKey)!.spend).toBeGreaterThan(0);

    t.standIn.clock.set('2026-08-17T00:00:00Z'); // Monday
    const r2 = t.standIn.runBudgetReset();
    expect(r2.keys).toContain(t.standIn.findKey(weekKey)!.token);
    expect(t.standIn.findKey(weekKey)!.budget_reset_at).toBe(
      '2026-08-24T00:00:00.000Z',
    );

    t.standIn.clock.set('2026-09-01T00:00:00Z');
    expect(t.standIn.runBudgetReset().teams).toEqual(['tm']);
    expect(t.standIn.teams()[0]).toMatchObject({
      spend: 0,
      budget_reset_at: '2026-10-01T00:00:00.000Z',
    });
  });

  it('does not reset before the job runs, even after budget_reset_at passed', async () => {
    const key = (
      await t.post('/key/generate', { max_budget: 0.01, budget_duration: '1d' })
    ).body.key;
    await t.post('/chat/completions', msg(), key);
    t.standIn.clock.advance(2 * 86_400_000);
    expect((await t.post('/chat/completions', msg(), key)).status).toBe(429);
    t.standIn.runBudgetReset();
    expect((await t.post('/chat/completions', msg(), key)).status).toBe(200);
  });
});

describe('rate limits (requirement 14)', () => {
  const t = setup({
    models: MODELS,
    now: () => new Date('2026-08-14T10:30:00Z'),
  });

  it('enforces rpm_limit per minute with 429 and lets the next minute through', async () => {
    const key = (await t.post('/key/generate', { rpm_limit: 2 })).body.key;
    expect((await t.post('/chat/completions', msg(), key)).status).toBe(200);
    const second = await t.post('/chat/completions', msg(), key);
    expect(second.status).toBe(200);
    expect(second.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const third = await t.post('/chat/completions', msg(), key);
    expect(third.status).toBe(429);
    expect(third.body.error.code).toBe('429');
    expect(third.body.error.message).toContain('rpm limit: 2');
    expect(third.headers.get('retry-after')).toBe('60');
    t.standIn.clock.advance(60_000);
    expect((await t.post('/chat/completions', msg(), key)).status).toBe(200);
  });

  it('enforces tpm_limit once the minute’s tokens reach it', async () => {
    const key = (await t.post('/key/generate', { tpm_limit: 10 })).body.key;
    expect(
      (await t.post('/chat/completions', msg('a long enough prompt'), key))
        .status,
    ).toBe(200);
    const res = await t.post('/chat/completions', msg(), key);
    expect(res.status).toBe(429);
    expect(res.body.error.message).toContain('tpm limit: 10');
  });

  it('enforces max_parallel_requests', async () => {
    t.standIn.configure({ latencyMs: 300 });
    try {
      const key = (await t.post('/key/generate', { max_parallel_requests: 1 }))
        .body.key;
      const slow = t.post('/chat/completions', msg(), key);
      await new Promise(r => setTimeout(r, 100));
      const blocked = await t.post('/chat/completions', msg(), key);
      expect(blocked.status).toBe(429);
      expect(blocked.body.error.message).toContain('max_parallel_requests: 1');
      expect((await slow).status).toBe(200);
      expect((await t.post('/chat/completions', msg(), key)).status).toBe(200);
    } finally {
      t.standIn.configure({ latencyMs: 0 });
    }
  });

  it('applies a user’s rpm_limit across their keys', async () => {
    await t.post('/user/new', {
      user_id: 'rl',
      rpm_limit: 1,
      auto_create_key: false,
    });
    const k1 = (await t.post('/key/generate', { user_id: 'rl' })).body.key;
    const k2 = (await t.post('/key/generate', { user_id: 'rl' })).body.key;
    expect((await t.post('/chat/completions', msg(), k1)).status).toBe(200);
    const res = await t.post('/chat/completions', msg(), k2);
    expect(res.status).toBe(429);
    expect(res.body.error.message).toContain('rate limit type = user');
  });

  it('never rate-limits the master key', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await t.post('/chat/completions', msg())).status).toBe(200);
    }
  });
});
