import { createHash } from 'node:crypto';
import { MASTER_KEY, expectCallHeaders, postRaw, setup } from '../testHarness';

const sha = (k: string) => createHash('sha256').update(k).digest('hex');

/** Deterministic pseudo-audio of `size` bytes. */
function fakeAudio(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + 3) & 0xff;
  return bytes;
}

function transcribe(
  url: string,
  fields: Record<string, string>,
  file: { bytes: Uint8Array; name: string } | undefined,
  key: string | null = MASTER_KEY,
): Promise<Response> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  if (file)
    form.append(
      'file',
      new Blob([file.bytes], { type: 'audio/wav' }),
      file.name,
    );
  return fetch(`${url}/v1/audio/transcriptions`, {
    method: 'POST',
    headers: key ? { authorization: `Bearer ${key}` } : {},
    body: form,
  });
}

describe('/audio/transcriptions', () => {
  const t = setup();

  it('streams a ~5 MB upload, reports its exact size and charges per second', async () => {
    const key = await t.newUser('listener');
    const size = 5 * 1024 * 1024 + 123;
    const res = await transcribe(
      t.standIn.url,
      { model: 'whisper-1', language: 'en', user: 'cust-audio' },
      { bytes: fakeAudio(size), name: 'meeting.wav' },
      key,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      text: `Stand-in transcription of meeting.wav (${size} bytes)`,
    });
    const cost = (size / 16_000) * 0.0001;
    expectCallHeaders(res.headers, { cost: cost, modelGroup: 'whisper-1' });
    const [row] = t.standIn.spendLogs();
    expect(row).toMatchObject({
      call_type: 'atranscription',
      api_key: sha(key),
      model_group: 'whisper-1',
      user: 'listener',
      end_user: 'cust-audio',
      status: 'success',
    });
    expect(row.spend).toBeCloseTo(cost, 12);
    expect(t.standIn.findKey(key)!.spend).toBeCloseTo(cost, 12);
    expect(t.standIn.uploads()).toEqual([
      {
        request_id: row.request_id,
        route: '/v1/audio/transcriptions',
        model: 'whisper-1',
        field: 'file',
        filename: 'meeting.wav',
        content_type: 'audio/wav',
        bytes: size,
        received_at: expect.any(String),
      },
    ]);
    const state = await t.get('/__standin/state');
    expect(state.body.uploads).toEqual([
      expect.objectContaining({ bytes: size, filename: 'meeting.wav' }),
    ]);
  });

  it('answers text and verbose_json formats', async () => {
    const file = { bytes: fakeAudio(32_000), name: 'two-seconds.wav' };
    const text = await transcribe(
      t.standIn.url,
      { model: 'whisper-1', response_format: 'text' },
      file,
    );
    expect(text.headers.get('content-type')).toContain('text/plain');
    expect(await text.text()).toBe(
      'Stand-in transcription of two-seconds.wav (32000 bytes)',
    );
    const verbose = await transcribe(
      t.standIn.url,
      { model: 'whisper-1', response_format: 'verbose_json', language: 'de' },
      file,
    );
    expect(await verbose.json()).toMatchObject({
      task: 'transcribe',
      language: 'de',
      duration: 2,
      text: 'Stand-in transcription of two-seconds.wav (32000 bytes)',
    });
  });

  it('refuses a missing file, a missing key and an exhausted budget', async () => {
    const file = { bytes: fakeAudio(16_000), name: 'a.wav' };
    const noFile = await transcribe(
      t.standIn.url,
      { model: 'whisper-1' },
      undefined,
    );
    expect(noFile.status).toBe(422);
    expect((await noFile.json()).detail[0].loc).toEqual(['body', 'file']);
    const noKey = await transcribe(
      t.standIn.url,
      { model: 'whisper-1' },
      file,
      null,
    );
    expect(noKey.status).toBe(401);
    expect((await noKey.json()).error.type).toBe('auth_error');
    const wrongMode = await transcribe(t.standIn.url, { model: 'tts-1' }, file);
    expect(wrongMode.status).toBe(400);
    const broke = (await t.post('/key/generate', { max_budget: 0 })).body.key;
    const refused = await transcribe(
      t.standIn.url,
      { model: 'whisper-1' },
      file,
      broke,
    );
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.type).toBe('budget_exceeded');
    expect(t.standIn.spendLogs()).toHaveLength(0);
    // The refused uploads still arrived whole; none was billed.
    expect(
      t.standIn.uploads().map(u => [u.model, u.bytes, u.request_id]),
    ).toEqual([
      ['tts-1', 16_000, null],
      ['whisper-1', 16_000, null],
    ]);
  });

  it('checks the budget of an end user named in the form', async () => {
    await t.post('/customer/new', { user_id: 'poor', max_budget: 0 });
    const file = { bytes: fakeAudio(16_000), name: 'a.wav' };
    const first = await transcribe(
      t.standIn.url,
      { model: 'whisper-1', user: 'poor' },
      file,
    );
    expect(first.status).toBe(200);
    const refused = await transcribe(
      t.standIn.url,
      { model: 'whisper-1', user: 'poor' },
      file,
    );
    expect(refused.status).toBe(429);
    expect((await refused.json()).error.message).toContain(
      'End User=poor over budget',
    );
  });
});

describe('/audio/speech', () => {
  const t = setup();

  it('returns 1,000 bytes of audio per character, deterministically, charged per character', async () => {
    const key = await t.newUser('speaker');
    const input = 'Hello from the stand-in, ünïcödé ok';
    const body = { model: 'tts-1', input, voice: 'alloy' };
    const res = await postRaw(t.standIn, '/v1/audio/speech', body, key);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/mpeg');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.length).toBe(input.length * 1000);
    const again = Buffer.from(
      await (
        await postRaw(t.standIn, '/audio/speech', body, key)
      ).arrayBuffer(),
    );
    expect(again.equals(bytes)).toBe(true);
    const cost = input.length * 0.000015;
    expect(Number(res.headers.get('x-litellm-response-cost'))).toBeCloseTo(
      cost,
      12,
    );
    expect(Number(res.headers.get('x-litellm-key-spend'))).toBeCloseTo(
      cost,
      12,
    );
    const rows = t.standIn.spendLogs();
    expect(rows.map(r => r.call_type)).toEqual(['aspeech', 'aspeech']);
    expect(rows[0]).toMatchObject({ api_key: sha(key), user: 'speaker' });
    expect(rows[0].spend).toBeCloseTo(cost, 12);
  });

  it('answers at least 1 KiB, in the requested format', async () => {
    const res = await postRaw(t.standIn, '/audio/speech', {
      model: 'tts-1',
      input: 'a',
      voice: 'nova',
      response_format: 'wav',
    });
    expect(res.headers.get('content-type')).toBe('audio/wav');
    expect((await res.arrayBuffer()).byteLength).toBe(1024);
  });

  it('validates the body and refuses a missing key and an exhausted budget', async () => {
    const body = { model: 'tts-1', input: 'hi', voice: 'alloy' };
    expect(
      (await t.post('/audio/speech', { ...body, voice: undefined })).status,
    ).toBe(400);
    expect((await t.post('/audio/speech', { ...body, input: '' })).status).toBe(
      400,
    );
    expect(
      (await t.post('/audio/speech', { ...body, response_format: 'ogg' }))
        .status,
    ).toBe(400);
    expect((await t.post('/audio/speech', body, null)).status).toBe(401);
    const broke = (await t.post('/key/generate', { max_budget: 0 })).body.key;
    const refused = await t.post('/audio/speech', body, broke);
    expect(refused.status).toBe(429);
    expect(refused.body.error.type).toBe('budget_exceeded');
    expect(t.standIn.spendLogs()).toHaveLength(0);
  });
});
