import { createHash } from 'node:crypto';
import { type StandInModel } from '../options';
import { setup } from '../testHarness';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');

const MODELS: StandInModel[] = [
  {
    model_name: 'm-a',
    litellm_params: { model: 'openai/model-a' },
    model_info: {
      id: 'id-a',
      input_cost_per_token: 0.001,
      output_cost_per_token: 0.002,
    },
  },
  {
    model_name: 'm-b',
    litellm_params: { model: 'anthropic/model-b' },
    model_info: {
      id: 'id-b',
      input_cost_per_token: 0.003,
      output_cost_per_token: 0.004,
    },
  },
];

describe('spend reads (requirements 16 and 17)', () => {
  const t = setup({
    models: MODELS,
    licensed: false,
    now: () => new Date('2026-08-14T10:00:00Z'),
  });

  /** Two calls for alice on day 1, one on day 2; one call for bob on day 2. */
  async function scenario() {
    const alice = await t.newUser('alice');
    const bob = await t.newUser('bob');
    await t.post('/key/update', { key: alice, key_alias: 'alice-key' });
    const costs: Record<string, number[]> = { alice: [], bob: [] };
    const call = async (
      key: string,
      who: 'alice' | 'bob',
      model: string,
      extra: Record<string, unknown> = {},
    ) => {
      const res = await t.post(
        '/chat/completions',
        {
          model,
          messages: [{ role: 'user', content: `question from ${who}` }],
          ...extra,
        },
        key,
        { 'x-litellm-tags': 'portal,tile:chat' },
      );
      expect(res.status).toBe(200);
      costs[who].push(Number(res.headers.get('x-litellm-response-cost')));
      return res;
    };
    await call(alice, 'alice', 'm-a', {
      user: 'customer-1',
      metadata: { tags: ['from-body'] },
    });
    await call(alice, 'alice', 'm-b');
    t.standIn.clock.set('2026-08-15T09:00:00Z');
    await call(alice, 'alice', 'm-a');
    await call(bob, 'bob', 'm-a');
    return { alice, bob, costs };
  }

  it('writes SpendLogs rows with the documented fields', async () => {
    const { alice, costs } = await scenario();
    const row = t.standIn.spendLogs()[0];
    expect(row).toMatchObject({
      request_id: expect.stringMatching(/^chatcmpl-/),
      call_type: 'acompletion',
      api_key: sha(alice),
      spend: costs.alice[0],
      model: 'model-a',
      model_group: 'm-a',
      model_id: 'id-a',
      custom_llm_provider: 'openai',
      user: 'alice',
      team_id: null,
      end_user: 'customer-1',
      cache_hit: 'False',
      status: 'success',
      startTime: '2026-08-14T10:00:00.000Z',
      metadata: {
        user_api_key: sha(alice),
        user_api_key_alias: 'alice-key',
        user_api_key_user_id: 'alice',
        user_api_key_team_id: null,
      },
    });
    expect(row.total_tokens).toBe(row.prompt_tokens + row.completion_tokens);
    expect(row.request_tags).toEqual(
      expect.arrayContaining(['from-body', 'portal', 'tile:chat']),
    );
    expect(typeof row.endTime).toBe('string');
  });

  it('/user/daily/activity requires dates and aggregates per day with breakdowns', async () => {
    const { alice, costs } = await scenario();
    const missing = await t.get('/user/daily/activity?start_date=2026-08-14');
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ detail: { error: expect.any(String) } });

    const res = await t.get(
      '/user/daily/activity?start_date=2026-08-14&end_date=2026-08-15&user_id=alice',
    );
    expect(res.status).toBe(200);
    // Newest first, as LiteLLM sorts them.
    expect(res.body.results.map((r: { date: string }) => r.date)).toEqual([
      '2026-08-15',
      '2026-08-14',
    ]);
    const day1 = res.body.results[1];
    expect(day1.metrics).toMatchObject({
      api_requests: 2,
      successful_requests: 2,
      failed_requests: 0,
    });
    expect(day1.metrics.spend).toBeCloseTo(costs.alice[0] + costs.alice[1], 12);
    expect(Object.keys(day1.breakdown.models).sort()).toEqual([
      'model-a',
      'model-b',
    ]);
    expect(Object.keys(day1.breakdown.model_groups).sort()).toEqual([
      'm-a',
      'm-b',
    ]);
    expect(Object.keys(day1.breakdown.providers).sort()).toEqual([
      'anthropic',
      'openai',
    ]);
    expect(day1.breakdown.api_keys[sha(alice)]).toMatchObject({
      metrics: { api_requests: 2 },
      metadata: { key_alias: 'alice-key', team_id: null },
    });
    const total = costs.alice.reduce((a, b) => a + b, 0);
    expect(res.body.metadata).toMatchObject({
      total_api_requests: 3,
      page: 1,
      total_pages: 1,
      has_more: false,
    });
    expect(res.body.metadata.total_spend).toBeCloseTo(total, 12);

    const global = await t.get(
      '/user/daily/activity?start_date=2026-08-14&end_date=2026-08-15',
    );
    expect(global.body.metadata.total_api_requests).toBe(4);
    // Pages are slices of LiteLLM's daily rows (one per date, user, key,
    // model, provider and endpoint): alice's first day has two (two models)
    // and continues on the next page; the totals are each page's own.
    const page = async (n: number) =>
      (
        await t.get(
          `/user/daily/activity?start_date=2026-08-14&end_date=2026-08-15&user_id=alice&page_size=1&page=${n}`,
        )
      ).body;
    const pages = [await page(1), await page(2), await page(3)];
    expect(
      pages.map(p => [
        p.results.map((r: { date: string }) => r.date),
        p.metadata.total_api_requests,
        p.metadata.total_pages,
        p.metadata.has_more,
      ]),
    ).toEqual([
      [['2026-08-15'], 1, 3, true],
      [['2026-08-14'], 1, 3, true],
      [['2026-08-14'], 1, 3, false],
    ]);
    expect(
      pages.reduce((sum, p) => sum + p.metadata.total_spend, 0),
    ).toBeCloseTo(total, 12);
    expect((await page(4)).results).toEqual([]);
    const agg = await t.get(
      '/user/daily/activity/aggregated?start_date=2026-08-14&end_date=2026-08-15',
    );
    expect(agg.body.results).toHaveLength(2);
    expect(agg.body.metadata.has_more).toBe(false);
  });

  it('/user/daily/activity narrows a non-admin to their own user', async () => {
    const { alice } = await scenario();
    const res = await t.get(
      '/user/daily/activity?start_date=2026-08-14&end_date=2026-08-15&user_id=bob',
      alice,
    );
    expect(res.status).toBe(200);
    expect(res.body.metadata.total_api_requests).toBe(3);
  });

  it('/spend/logs/v2 requires both dates and filters by key hash, user, end user and dates', async () => {
    const { alice, bob } = await scenario();
    expect((await t.get('/spend/logs/v2?start_date=2026-08-14')).status).toBe(
      400,
    );
    const all = await t.get(
      '/spend/logs/v2?start_date=2026-08-14&end_date=2026-08-15',
    );
    expect(all.body).toMatchObject({
      total: 4,
      page: 1,
      page_size: 50,
      total_pages: 1,
    });
    expect(all.body.data[0].startTime >= all.body.data[3].startTime).toBe(true);
    const byKey = await t.get(
      `/spend/logs/v2?start_date=2026-08-14&end_date=2026-08-15&api_key=${sha(
        bob,
      )}`,
    );
    expect(byKey.body.total).toBe(1);
    const rawKey = await t.get(
      `/spend/logs/v2?start_date=2026-08-14&end_date=2026-08-15&api_key=${bob}`,
    );
    expect(rawKey.body.total).toBe(0);
    const byUser = await t.get(
      '/spend/logs/v2?start_date=2026-08-14&end_date=2026-08-15&user_id=alice',
    );
    expect(byUser.body.total).toBe(3);
    const byEndUser = await t.get(
      '/spend/logs/v2?start_date=2026-08-14&end_date=2026-08-15&end_user=customer-1',
    );
    expect(
      byEndUser.body.data.map((r: { api_key: string }) => r.api_key),
    ).toEqual([sha(alice)]);
    const oneDay = await t.get(
      '/spend/logs/v2?start_date=2026-08-15%2000:00:00&end_date=2026-08-15%2023:59:59',
    );
    expect(oneDay.body.total).toBe(2);
    const paged = await t.get(
      '/spend/logs/v2?start_date=2026-08-14&end_date=2026-08-15&page_size=3&page=2',
    );
    expect(paged.body).toMatchObject({ total: 4, total_pages: 2 });
    expect(paged.body.data).toHaveLength(1);
  });

  it('/spend/logs returns an unpaginated list, or per-day summaries with dates', async () => {
    const { alice, costs } = await scenario();
    const all = await t.get('/spend/logs');
    expect(Array.isArray(all.body)).toBe(true);
    expect(all.body).toHaveLength(4);
    const mine = await t.get(`/spend/logs?api_key=${sha(alice)}`);
    expect(mine.body).toHaveLength(3);
    const summary = await t.get(
      '/spend/logs?start_date=2026-08-14&end_date=2026-08-15',
    );
    // The end date is effectively exclusive (startTime <= end 00:00).
    expect(summary.body).toHaveLength(1);
    expect(summary.body[0].startTime).toBe('2026-08-14');
    expect(summary.body[0].spend).toBeCloseTo(
      costs.alice[0] + costs.alice[1],
      12,
    );
    expect(summary.body[0][sha(alice)]).toBeCloseTo(
      costs.alice[0] + costs.alice[1],
      12,
    );
    expect(Object.keys(summary.body[0].models).sort()).toEqual([
      'model-a',
      'model-b',
    ]);
    // Non-admins only see their own rows.
    expect((await t.get('/spend/logs', alice)).body).toHaveLength(3);
  });

  it('/global/spend/report answers 400 {"detail"} unless licensed', async () => {
    await scenario();
    const res = await t.get(
      '/global/spend/report?start_date=2026-08-14&end_date=2026-08-15',
    );
    expect(res.status).toBe(400);
    expect(res.body.detail.error).toContain('premium');
    t.standIn.configure({ licensed: true });
    try {
      const licensed = await t.get(
        '/global/spend/report?start_date=2026-08-14&end_date=2026-08-15&group_by=api_key',
      );
      expect(licensed.status).toBe(200);
      expect(licensed.body).toHaveLength(2);
      const teams = await t.get(
        '/global/spend/report?start_date=2026-08-14&end_date=2026-08-15',
      );
      expect(teams.body[0].teams[0].team_name).toBe('Unassigned Team');
    } finally {
      t.standIn.configure({ licensed: false });
    }
  });

  it('spend reads match the calls made (key, user, /key/info, daily activity)', async () => {
    const { alice, costs } = await scenario();
    const total = costs.alice.reduce((a, b) => a + b, 0);
    expect((await t.get(`/key/info?key=${alice}`)).body.info.spend).toBeCloseTo(
      total,
      12,
    );
    expect(
      (await t.get('/user/info?user_id=alice')).body.user_info.spend,
    ).toBeCloseTo(total, 12);
    const logs = await t.get(
      '/spend/logs/v2?start_date=2026-08-01&end_date=2026-08-31&user_id=alice',
    );
    const sum = logs.body.data.reduce(
      (s: number, r: { spend: number }) => s + r.spend,
      0,
    );
    expect(sum).toBeCloseTo(total, 12);
  });
});
