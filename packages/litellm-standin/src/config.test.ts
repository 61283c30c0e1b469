import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  loadStandInConfig,
  optionsFromEnv,
  parseStandInConfig,
} from './config';

describe('config file and environment', () => {
  it('reads a LiteLLM-style YAML config', () => {
    const options = parseStandInConfig(
      `
model_list:
  - model_name: my-model
    litellm_params: { model: openai/gpt-4o }
    model_info: { input_cost_per_token: 0.000001, output_cost_per_token: 0.000002 }
general_settings:
  user_header_mappings:
    - { header_name: X-OpenWebUI-User-Email, litellm_user_role: customer }
litellm_settings:
  max_end_user_budget: 5
standin_settings:
  budget_exceeded_status: 400
  legacy_duplicate_users: true
  stream_chunk_delay_ms: 20
`,
      'yaml',
    );
    expect(options).toMatchObject({
      models: [
        {
          model_name: 'my-model',
          model_info: { input_cost_per_token: 0.000001 },
        },
      ],
      userHeaderMappings: [
        {
          header_name: 'X-OpenWebUI-User-Email',
          litellm_user_role: 'customer',
        },
      ],
      maxEndUserBudget: 5,
      budgetExceededStatus: 400,
      legacyDuplicateUsers: true,
      streamChunkDelayMs: 20,
    });
  });

  it('parses the shipped config.example.yaml', () => {
    const options = loadStandInConfig(
      resolve(__dirname, '../config.example.yaml'),
    );
    expect(options.models?.map(m => m.model_name)).toEqual([
      'gpt-4o-mini',
      'claude-haiku',
      'text-embedding-3-small',
      'dall-e-3',
      'whisper-1',
      'tts-1',
    ]);
    expect(options.models?.[3].model_info?.output_cost_per_image).toBe(0.04);
    expect(options.budgetExceededStatus).toBe(429);
    expect(options.mockStreamChunks).toBe(0);
  });

  it('rejects an invalid config', () => {
    expect(() =>
      parseStandInConfig(
        '{"standin_settings":{"budget_exceeded_status":500}}',
        'json',
      ),
    ).toThrow(/Invalid stand-in config/);
  });

  it('requires LITELLM_MASTER_KEY and never echoes it', () => {
    expect(() => optionsFromEnv({})).toThrow(/LITELLM_MASTER_KEY is required/);
    let message = '';
    try {
      optionsFromEnv({ LITELLM_MASTER_KEY: 'not-a-secret-shape' });
    } catch (e) {
      message = String(e);
    }
    expect(message).toMatch(/must start with 'sk-'/);
    expect(message).not.toContain('not-a-secret-shape');
  });

  it('merges env over the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'standin-'));
    const file = join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        standin_settings: { budget_exceeded_status: 400, latency_ms: 5 },
      }),
    );
    const options = optionsFromEnv({
      LITELLM_MASTER_KEY: 'sk-x',
      LITELLM_STANDIN_CONFIG: file,
      LITELLM_STANDIN_LATENCY_MS: '7',
      LITELLM_STANDIN_MOCK_STREAM_CHUNKS: '25',
    });
    expect(options).toMatchObject({
      port: 4000,
      budgetExceededStatus: 400,
      latencyMs: 7,
      mockStreamChunks: 25,
      budgetResetIntervalMs: 600_000,
    });
  });
});

describe('standalone start (src/main.ts through the Backstage node transform)', () => {
  const cwd = resolve(__dirname, '..');
  const run = (env: Record<string, string>) =>
    spawn(
      process.execPath,
      [
        '--require',
        '@backstage/cli-node/config/nodeTransform.cjs',
        'src/main.ts',
      ],
      {
        cwd,
        env: { PATH: process.env.PATH ?? '', ...env },
      },
    );

  it('refuses to start without LITELLM_MASTER_KEY', async () => {
    const child = run({});
    let stderr = '';
    child.stderr.on('data', d => (stderr += String(d)));
    const code = await new Promise<number | null>(r => child.on('exit', r));
    expect(code).toBe(1);
    expect(stderr).toContain('LITELLM_MASTER_KEY is required');
  }, 30_000);

  it('listens on LITELLM_STANDIN_PORT (0 = any free port) and never logs the master key', async () => {
    const masterKey = 'sk-standalone-secret-9876';
    const port = String(40000 + Math.floor(Math.random() * 20000));
    const child = run({
      LITELLM_MASTER_KEY: masterKey,
      LITELLM_STANDIN_PORT: port,
    });
    let output = '';
    child.stdout.on('data', d => (output += String(d)));
    child.stderr.on('data', d => (output += String(d)));
    try {
      await new Promise<void>((resolvePromise, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no start: ${output}`)),
          20_000,
        );
        child.stdout.on('data', () => {
          if (output.includes('listening')) {
            clearTimeout(timer);
            resolvePromise();
          }
        });
        child.on('exit', c => reject(new Error(`exited ${c}: ${output}`)));
      });
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1];
      const res = await fetch(`${url}/user/new`, {
        method: 'POST',
        headers: { authorization: `Bearer ${masterKey}` },
        body: JSON.stringify({ user_id: 'demo' }),
      });
      expect(res.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise(r => child.on('exit', r));
    }
    expect(output).toContain('POST /user/new -> 200');
    expect(output).not.toContain(masterKey);
  }, 30_000);
});
