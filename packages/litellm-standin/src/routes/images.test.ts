import { createHash } from 'node:crypto';
import { expectCallHeaders, setup } from '../testHarness';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');
const PNG_SIGNATURE = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
]);

describe('/images/generations', () => {
  const t = setup();

  it('returns n base64 PNGs, charges n × output_cost_per_image and logs the call', async () => {
    const key = await t.newUser('painter');
    const res = await t.post(
      '/v1/images/generations',
      {
        model: 'dall-e-3',
        prompt: 'a lighthouse',
        n: 2,
        size: '1024x1024',
        response_format: 'b64_json',
      },
      key,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      created: expect.any(Number),
      data: [
        { b64_json: expect.any(String) },
        { b64_json: expect.any(String) },
      ],
    });
    const png = Buffer.from(res.body.data[0].b64_json, 'base64');
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(res.body.data[1].b64_json).toBe(res.body.data[0].b64_json);
    expectCallHeaders(res.headers, {
      cost: 0.08,
      keySpend: 0.08,
      modelGroup: 'dall-e-3',
    });
    const [row] = t.standIn.spendLogs();
    expect(row).toMatchObject({
      call_type: 'aimage_generation',
      api_key: sha(key),
      model: 'dall-e-3',
      model_group: 'dall-e-3',
      user: 'painter',
      total_tokens: 0,
      status: 'success',
      metadata: {
        model_map_information: {
          model_map_value: { output_cost_per_image: 0.04 },
        },
      },
    });
    expect(row.spend).toBeCloseTo(0.08, 12);
    expect(t.standIn.users()[0].spend).toBeCloseTo(0.08, 12);
  });

  it('answers a URL by default that the stand-in serves', async () => {
    const key = await t.newUser('linker');
    const res = await t.post(
      '/images/generations',
      { model: 'dall-e-3', prompt: 'a cat' },
      key,
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    const url = res.body.data[0].url as string;
    expect(url).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/__standin\/images\/.+\.png$/,
    );
    const image = await fetch(url);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).subarray(0, 8)).toEqual(
      PNG_SIGNATURE,
    );
    expect(t.standIn.spendLogs()[0].spend).toBeCloseTo(0.04, 12);
  });

  it('validates the body and the model mode', async () => {
    const key = await t.newUser('sloppy');
    const post = (body: Record<string, unknown>) =>
      t.post(
        '/images/generations',
        { model: 'dall-e-3', prompt: 'x', ...body },
        key,
      );
    expect((await post({ prompt: '' })).status).toBe(400);
    expect((await post({ n: 0 })).status).toBe(400);
    expect((await post({ response_format: 'png' })).status).toBe(400);
    const chat = await post({ model: 'gpt-4o-mini' });
    expect(chat.status).toBe(400);
    expect(chat.body.error.message).toContain("mode 'chat'");
    expect((await post({ model: 'dall-e-9' })).status).toBe(400);
    expect(t.standIn.spendLogs()).toHaveLength(0);
  });

  it('refuses a missing key, a model outside the key and an exhausted budget', async () => {
    const body = { model: 'dall-e-3', prompt: 'x' };
    expect((await t.post('/images/generations', body, null)).status).toBe(401);
    const limited = await t.newUser('chat-only', { models: ['gpt-4o-mini'] });
    const denied = await t.post('/images/generations', body, limited);
    expect(denied.status).toBe(401);
    expect(denied.body.error.type).toBe('key_model_access_denied');
    const key = await t.newUser('spender', { max_budget: 0.05 });
    expect((await t.post('/images/generations', body, key)).status).toBe(200);
    // Spend 0.04 ≤ 0.05: still allowed, and this call overshoots.
    expect((await t.post('/images/generations', body, key)).status).toBe(200);
    const refused = await t.post('/images/generations', body, key);
    expect(refused.status).toBe(429);
    expect(refused.body.error.type).toBe('budget_exceeded');
    expect(t.standIn.spendLogs()).toHaveLength(2);
  });
});

describe('/models and /model/info with the image and audio models', () => {
  const t = setup();

  it('lists the default models with their prices', async () => {
    const models = await t.get('/v1/models');
    expect(models.body.data.map((m: { id: string }) => m.id)).toEqual([
      'gpt-4o-mini',
      'claude-haiku',
      'text-embedding-3-small',
      'dall-e-3',
      'whisper-1',
      'tts-1',
    ]);
    const info = await t.get('/model/info');
    const byName = Object.fromEntries(
      info.body.data.map((m: { model_name: string; model_info: unknown }) => [
        m.model_name,
        m.model_info,
      ]),
    );
    expect(byName['dall-e-3']).toMatchObject({
      mode: 'image_generation',
      output_cost_per_image: 0.04,
      input_cost_per_token: 0,
    });
    expect(byName['whisper-1']).toMatchObject({
      mode: 'audio_transcription',
      input_cost_per_second: 0.0001,
    });
    expect(byName['tts-1']).toMatchObject({
      mode: 'audio_speech',
      input_cost_per_character: 0.000015,
    });
  });

  it('shows a key only the models it may use', async () => {
    const key = await t.newUser('media', { models: ['dall-e-3', 'tts-1'] });
    const models = await t.get('/models', key);
    expect(models.body.data.map((m: { id: string }) => m.id)).toEqual([
      'dall-e-3',
      'tts-1',
    ]);
    const info = await t.get('/v1/model/info', key);
    expect(
      info.body.data.map((m: { model_name: string }) => m.model_name),
    ).toEqual(['dall-e-3', 'tts-1']);
  });
});
