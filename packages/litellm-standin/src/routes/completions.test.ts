import { createHash } from 'node:crypto';
import { type StandInModel } from '../options';
import { expectCallHeaders, postRaw, readSse, setup } from '../testHarness';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');

const MODELS: StandInModel[] = [
  {
    model_name: 'priced',
    litellm_params: { model: 'openai/priced-model' },
    model_info: {
      id: 'm-priced',
      input_cost_per_token: 0.001,
      output_cost_per_token: 0.002,
    },
  },
  {
    model_name: 'other',
    litellm_params: { model: 'anthropic/other-model' },
    model_info: {
      id: 'm-other',
      input_cost_per_token: 0.0001,
      output_cost_per_token: 0.0001,
      access_groups: ['cheap'],
    },
  },
  {
    model_name: 'embed',
    litellm_params: { model: 'openai/embed-model' },
    model_info: {
      id: 'm-embed',
      mode: 'embedding',
      input_cost_per_token: 0.00001,
      output_cost_per_token: 0,
    },
  },
];

describe('/chat/completions (requirement 11)', () => {
  const t = setup({ models: MODELS });

  it('returns an OpenAI completion with usage, cost and LiteLLM headers', async () => {
    const key = await t.newUser('caller');
    const res = await t.post(
      '/v1/chat/completions',
      { model: 'priced', messages: [{ role: 'user', content: 'abcdefgh' }] },
      key,
    );
    expect(res.status).toBe(200);
    // prompt: 3 (priming) + 3 + ceil(8/4) = 8; completion: the echo text.
    const content = res.body.choices[0].message.content as string;
    expect(content).toBe('Stand-in reply from priced: abcdefgh');
    const completionTokens = Math.ceil(content.length / 4);
    expect(res.body).toMatchObject({
      object: 'chat.completion',
      model: 'priced-model',
      choices: [
        { index: 0, finish_reason: 'stop', message: { role: 'assistant' } },
      ],
      usage: {
        prompt_tokens: 8,
        completion_tokens: completionTokens,
        total_tokens: 8 + completionTokens,
      },
    });
    const cost = 8 * 0.001 + completionTokens * 0.002;
    expectCallHeaders(res.headers, {
      cost: cost,
      keySpend: cost,
      modelGroup: 'priced',
    });
    expect(res.headers.get('x-litellm-version')).toBe('1.96.2');
    const second = await t.post(
      '/chat/completions',
      { model: 'priced', messages: [{ role: 'user', content: 'abcdefgh' }] },
      key,
    );
    expect(Number(second.headers.get('x-litellm-key-spend'))).toBeCloseTo(
      2 * cost,
      12,
    );
  });

  it('is deterministic and honours mock_response and max_tokens', async () => {
    const key = await t.newUser('det');
    const body = {
      model: 'priced',
      messages: [{ role: 'user', content: 'same prompt' }],
    };
    const a = await t.post('/chat/completions', body, key);
    const b = await t.post('/chat/completions', body, key);
    expect(a.body.choices[0].message.content).toBe(
      b.body.choices[0].message.content,
    );
    expect(a.body.usage).toEqual(b.body.usage);
    const mock = await t.post(
      '/chat/completions',
      { ...body, mock_response: 'hello-world' },
      key,
    );
    expect(mock.body.choices[0].message.content).toBe('hello-world');
    const short = await t.post(
      '/chat/completions',
      { ...body, max_tokens: 2 },
      key,
    );
    expect(short.body.usage.completion_tokens).toBe(2);
    expect(short.body.choices[0].finish_reason).toBe('length');
  });

  it('rolls spend up to key, user (no team), team and end user', async () => {
    await t.post('/user/new', { user_id: 'person', auto_create_key: false });
    await t.post('/team/new', {
      team_id: 'team-1',
      members_with_roles: [{ user_id: 'person', role: 'user' }],
    });
    const personal = (await t.post('/key/generate', { user_id: 'person' })).body
      .key;
    const teamKey = (
      await t.post('/key/generate', { user_id: 'person', team_id: 'team-1' })
    ).body.key;
    const c1 = await t.post(
      '/chat/completions',
      {
        model: 'priced',
        user: 'customer-1',
        messages: [{ role: 'user', content: 'hi' }],
      },
      personal,
    );
    const cost1 = Number(c1.headers.get('x-litellm-response-cost'));
    const c2 = await t.post(
      '/chat/completions',
      { model: 'priced', messages: [{ role: 'user', content: 'hello team' }] },
      teamKey,
    );
    const cost2 = Number(c2.headers.get('x-litellm-response-cost'));
    const user = (await t.get('/user/info?user_id=person')).body.user_info;
    expect(user.spend).toBeCloseTo(cost1, 12);
    expect(t.standIn.teams()[0].spend).toBeCloseTo(cost2, 12);
    expect(t.standIn.findKey(personal)!.spend).toBeCloseTo(cost1, 12);
    expect(t.standIn.findKey(teamKey)!.spend).toBeCloseTo(cost2, 12);
    const customer = await t.get('/customer/info?end_user_id=customer-1');
    expect(customer.status).toBe(200);
    expect(customer.body.spend).toBeCloseTo(cost1, 12);
  });

  it('streams SSE chunks incrementally and ends with [DONE]', async () => {
    t.standIn.configure({ streamChunkDelayMs: 40 });
    try {
      const key = await t.newUser('streamer');
      const started = Date.now();
      const res = await fetch(`${t.standIn.url}/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({
          model: 'priced',
          stream: true,
          messages: [{ role: 'user', content: 'one two three four' }],
        }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      // Sent before the cost is known: LiteLLM leaves the header out.
      expect(res.headers.get('x-litellm-response-cost')).toBeNull();
      expect(res.headers.get('x-litellm-call-id')).not.toBeNull();
      const events = await readSse(res);
      expect(events.at(-1)!.data).toBe('[DONE]');
      const chunks = events.slice(0, -1).map(e => JSON.parse(e.data));
      const text = chunks.map(c => c.choices[0]?.delta?.content ?? '').join('');
      expect(text).toBe('Stand-in reply from priced: one two three four');
      expect(chunks.every(c => c.object === 'chat.completion.chunk')).toBe(
        true,
      );
      expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
      expect(chunks.some(c => c.usage)).toBe(false);
      // Incremental: the first chunk arrived well before the last one.
      expect(events.at(-1)!.at - events[0].at).toBeGreaterThanOrEqual(150);
      expect(events[0].at - started).toBeLessThan(events.at(-1)!.at - started);
      const row = t.standIn.spendLogs()[0];
      expect(row.spend).toBeGreaterThan(0);
      expect(row.spend).toBeCloseTo(
        row.prompt_tokens * 0.001 + row.completion_tokens * 0.002,
        12,
      );
    } finally {
      t.standIn.configure({ streamChunkDelayMs: 0 });
    }
  });

  it('adds a final usage chunk only with stream_options.include_usage', async () => {
    const key = await t.newUser('usage');
    const res = await fetch(`${t.standIn.url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: 'priced',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: 'count me' }],
      }),
    });
    const events = await readSse(res);
    expect(events.at(-1)!.data).toBe('[DONE]');
    const usageChunk = JSON.parse(events.at(-2)!.data);
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({
      prompt_tokens: 3 + 3 + 2,
      total_tokens: expect.any(Number),
    });
    expect(events.slice(0, -2).every(e => !JSON.parse(e.data).usage)).toBe(
      true,
    );
  });

  it('answers 400 for an unknown model and 401 for a model the key may not use', async () => {
    const key = await t.newUser('limited', { models: ['other'] });
    const unknown = await t.post(
      '/chat/completions',
      { model: 'gpt-5', messages: [{ role: 'user', content: 'x' }] },
      key,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain(
      'Invalid model name passed in model=gpt-5',
    );
    const denied = await t.post(
      '/chat/completions',
      { model: 'priced', messages: [{ role: 'user', content: 'x' }] },
      key,
    );
    expect(denied.status).toBe(401);
    expect(denied.body.error.type).toMatch(/model_access_denied/);
    const allowed = await t.post(
      '/chat/completions',
      { model: 'other', messages: [{ role: 'user', content: 'x' }] },
      key,
    );
    expect(allowed.status).toBe(200);
  });

  it('answers 400 without messages', async () => {
    const key = await t.newUser('nomsg');
    const res = await t.post('/chat/completions', { model: 'priced' }, key);
    expect(res.status).toBe(400);
  });
});

describe('end-user resolution (requirement 12)', () => {
  const t = setup({
    models: MODELS,
    userHeaderMappings: [
      { header_name: 'X-OpenWebUI-User-Email', litellm_user_role: 'customer' },
    ],
  });

  const cases: [
    string,
    Record<string, string>,
    Record<string, unknown>,
    string,
  ][] = [
    [
      'x-litellm-customer-id wins',
      { 'x-litellm-customer-id': 'h1', 'x-litellm-end-user-id': 'h2' },
      { user: 'b' },
      'h1',
    ],
    [
      'then x-litellm-end-user-id',
      { 'x-litellm-end-user-id': 'h2', 'X-OpenWebUI-User-Email': 'm@x' },
      { user: 'b' },
      'h2',
    ],
    [
      'then the customer header mapping',
      { 'X-OpenWebUI-User-Email': 'm@x' },
      { user: 'b' },
      'm@x',
    ],
    [
      'then body user',
      {},
      { user: 'b', litellm_metadata: { user: 'lm' } },
      'b',
    ],
    [
      'then litellm_metadata.user',
      {},
      { litellm_metadata: { user: 'lm' }, metadata: { user_id: 'md' } },
      'lm',
    ],
    ['then metadata.user_id', {}, { metadata: { user_id: 'md' } }, 'md'],
  ];

  it.each(cases)('%s', async (_name, headers, body, expected) => {
    const key = await t.newUser('caller');
    const res = await t.post(
      '/chat/completions',
      { model: 'priced', messages: [{ role: 'user', content: 'x' }], ...body },
      key,
      headers,
    );
    expect(res.status).toBe(200);
    expect(t.standIn.spendLogs()[0].end_user).toBe(expected);
    expect(t.standIn.customers().map(c => c.user_id)).toEqual([expected]);
  });

  it('leaves end_user empty when nothing names one', async () => {
    const res = await t.chat(await t.newUser('caller'), { model: 'priced' });
    expect(res.status).toBe(200);
    expect(t.standIn.spendLogs()[0].end_user).toBe('');
  });
});

describe('request tags', () => {
  const t = setup({ models: MODELS });

  it.each([
    ['body tags', { tags: ['a'] }],
    ['metadata.tags', { metadata: { tags: ['a'] } }],
    [
      'metadata as a JSON string',
      { metadata: JSON.stringify({ tags: ['a'] }) },
    ],
    [
      'litellm_metadata.tags, which then wins over metadata',
      { litellm_metadata: { tags: ['a'] }, metadata: { tags: ['ignored'] } },
    ],
  ])('reads %s, as LiteLLM does', async (_name, body) => {
    const res = await t.post(
      '/chat/completions',
      { model: 'priced', messages: [{ role: 'user', content: 'x' }], ...body },
      await t.newUser('caller'),
      { 'x-litellm-tags': 'h' },
    );
    expect(res.status).toBe(200);
    const tags = t.standIn.spendLogs()[0].request_tags;
    expect(tags).toEqual(expect.arrayContaining(['a', 'h']));
    expect(tags).not.toContain('ignored');
  });
});

describe('user_header_name (requirement 12)', () => {
  const t = setup({ models: MODELS, userHeaderName: 'X-Legacy-User' });

  it('reads the end user from the configured header', async () => {
    const key = await t.newUser('caller');
    await t.chat(key, { model: 'priced' }, { 'X-Legacy-User': 'legacy@corp' });
    expect(t.standIn.spendLogs()[0].end_user).toBe('legacy@corp');
  });
});

describe('/models, /model/info, /embeddings', () => {
  const t = setup({ models: MODELS });

  it('lists the models a key may use on /v1/models and /models', async () => {
    const all = await t.get('/v1/models');
    expect(all.body.data.map((m: { id: string }) => m.id)).toEqual([
      'priced',
      'other',
      'embed',
    ]);
    const key = await t.newUser('grouped', { models: ['cheap'] });
    const limited = await t.get('/models', key);
    expect(limited.body).toEqual({
      data: [
        {
          id: 'other',
          object: 'model',
          created: expect.any(Number),
          owned_by: 'openai',
        },
      ],
      object: 'list',
    });
  });

  it('returns model_info with prices', async () => {
    const res = await t.get('/model/info');
    expect(res.body.data[0]).toMatchObject({
      model_name: 'priced',
      litellm_params: { model: 'openai/priced-model' },
      model_info: {
        id: 'm-priced',
        input_cost_per_token: 0.001,
        output_cost_per_token: 0.002,
        litellm_provider: 'openai',
      },
    });
    expect(JSON.stringify(res.body)).not.toContain('api_key');
  });

  it('returns deterministic embeddings with usage and cost', async () => {
    const key = await t.newUser('embedder');
    const body = { model: 'embed', input: ['alpha', 'beta beta'] };
    const a = await t.post('/v1/embeddings', body, key);
    const b = await t.post('/embeddings', body, key);
    expect(a.status).toBe(200);
    expect(a.body.data).toHaveLength(2);
    expect(a.body.data[0].embedding).toHaveLength(16);
    expect(a.body.data[0].embedding).toEqual(b.body.data[0].embedding);
    expect(a.body.data[0].embedding).not.toEqual(a.body.data[1].embedding);
    const norm = Math.sqrt(
      a.body.data[0].embedding.reduce((s: number, v: number) => s + v * v, 0),
    );
    expect(norm).toBeCloseTo(1, 5);
    // ceil(5/4) + ceil(9/4) = 2 + 3
    expect(a.body.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
    expect(Number(a.headers.get('x-litellm-response-cost'))).toBeCloseTo(
      5 * 0.00001,
      12,
    );
    const logs = t.standIn.spendLogs();
    expect(logs.map(l => l.call_type)).toEqual(['aembedding', 'aembedding']);
    expect(logs[0].api_key).toBe(sha(key));
  });
});

describe('/completions (legacy text completions)', () => {
  const t = setup({ models: MODELS });

  it('returns a text_completion with usage, cost, headers and a SpendLogs row', async () => {
    const key = await t.newUser('texter');
    const res = await t.post(
      '/v1/completions',
      { model: 'priced', prompt: 'abcdefgh', user: 'cust-t' },
      key,
    );
    expect(res.status).toBe(200);
    const text = 'Stand-in reply from priced: abcdefgh';
    const completionTokens = Math.ceil(text.length / 4);
    // Prompt: ceil(8 / 4) = 2, no message overhead.
    expect(res.body).toEqual({
      id: expect.stringMatching(/^cmpl-/),
      object: 'text_completion',
      created: expect.any(Number),
      model: 'priced-model',
      system_fingerprint: null,
      choices: [{ text, index: 0, logprobs: null, finish_reason: 'stop' }],
      usage: {
        prompt_tokens: 2,
        completion_tokens: completionTokens,
        total_tokens: 2 + completionTokens,
      },
    });
    const cost = 2 * 0.001 + completionTokens * 0.002;
    expectCallHeaders(res.headers, {
      cost: cost,
      keySpend: cost,
      modelGroup: 'priced',
    });
    const [row] = t.standIn.spendLogs();
    expect(row).toMatchObject({
      request_id: res.body.id,
      call_type: 'atext_completion',
      api_key: sha(key),
      user: 'texter',
      end_user: 'cust-t',
      prompt_tokens: 2,
      completion_tokens: completionTokens,
      status: 'success',
    });
    expect(row.spend).toBeCloseTo(cost, 12);
    expect(t.standIn.findKey(key)!.spend).toBeCloseTo(cost, 12);
  });

  it('answers one choice per prompt and honours max_tokens and mock_response', async () => {
    const key = await t.newUser('multi');
    const res = await t.post(
      '/completions',
      { model: 'priced', prompt: ['one', 'two two'], max_tokens: 3 },
      key,
    );
    expect(res.body.choices).toEqual([
      {
        text: 'Stand-in rep',
        index: 0,
        logprobs: null,
        finish_reason: 'length',
      },
      {
        text: 'Stand-in rep',
        index: 1,
        logprobs: null,
        finish_reason: 'length',
      },
    ]);
    expect(res.body.usage).toEqual({
      prompt_tokens: 1 + 2,
      completion_tokens: 6,
      total_tokens: 9,
    });
    const mock = await t.post(
      '/completions',
      { model: 'priced', prompt: 'x', mock_response: 'hello-world' },
      key,
    );
    expect(mock.body.choices[0].text).toBe('hello-world');
    expect(
      (await t.post('/completions', { model: 'priced', prompt: 7 }, key))
        .status,
    ).toBe(400);
  });

  it('streams text_completion chunks, a usage chunk only on request, then [DONE]', async () => {
    const key = await t.newUser('text-streamer');
    const plain = await readSse(
      await postRaw(
        t.standIn,
        '/completions',
        { model: 'priced', prompt: 'one two three', stream: true },
        key,
      ),
    );
    expect(plain.at(-1)!.data).toBe('[DONE]');
    const chunks = plain.slice(0, -1).map(e => JSON.parse(e.data));
    expect(chunks.every(c => c.object === 'text_completion')).toBe(true);
    expect(chunks.some(c => c.usage)).toBe(false);
    expect(chunks.map(c => c.choices[0].text).join('')).toBe(
      'Stand-in reply from priced: one two three',
    );
    expect(chunks[0]).toEqual({
      id: expect.stringMatching(/^cmpl-/),
      object: 'text_completion',
      created: expect.any(Number),
      model: 'priced-model',
      choices: [
        { text: 'Stand-in ', index: 0, logprobs: null, finish_reason: null },
      ],
    });
    expect(chunks.at(-1).choices[0]).toEqual({
      text: '',
      index: 0,
      logprobs: null,
      finish_reason: 'stop',
    });

    const withUsage = await readSse(
      await postRaw(
        t.standIn,
        '/v1/completions',
        {
          model: 'priced',
          prompt: 'count me',
          stream: true,
          stream_options: { include_usage: true },
        },
        key,
      ),
    );
    expect(withUsage.at(-1)!.data).toBe('[DONE]');
    const usageChunk = JSON.parse(withUsage.at(-2)!.data);
    expect(usageChunk).toMatchObject({
      object: 'text_completion',
      choices: [],
      usage: { prompt_tokens: 2, total_tokens: expect.any(Number) },
    });
    const rows = t.standIn.spendLogs();
    expect(rows.map(r => r.call_type)).toEqual([
      'atext_completion',
      'atext_completion',
    ]);
    expect(rows[1].total_tokens).toBe(usageChunk.usage.total_tokens);
  });

  it('refuses a missing key and an exhausted key budget', async () => {
    const noKey = await t.post(
      '/completions',
      { model: 'priced', prompt: 'x' },
      null,
    );
    expect(noKey.status).toBe(401);
    expect(noKey.body.error.type).toBe('auth_error');
    const broke = (await t.post('/key/generate', { max_budget: 0 })).body.key;
    const refused = await t.post(
      '/completions',
      { model: 'priced', prompt: 'x', stream: true },
      broke,
    );
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({
      type: 'budget_exceeded',
      param: null,
      code: '429',
    });
    expect(t.standIn.spendLogs()).toHaveLength(0);
  });
});
