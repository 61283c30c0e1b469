import {
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { aiTilesPlugin } from './plugin';

// Closed after the file (the default database stays open when a backend
// fails to start, and keeps the Jest worker alive).
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

describe('aiTilesPlugin', () => {
  let dir: string;
  let policyPath: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ai-tiles-policy-'));
    policyPath = join(dir, 'policy.md');
    await writeFile(policyPath, '# Use AI well\n\nDo not paste secrets.\n');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (aiTiles: object | undefined) =>
    startTestBackend({
      features: [
        aiTilesPlugin,
        mockServices.rootConfig.factory({ data: aiTiles ? { aiTiles } : {} }),
        mockServices.database.factory({
          knex: await databases.init('SQLITE_3'),
        }),
      ],
    });

  it('serves the configured policy to signed-in users', async () => {
    const { server } = await start({
      policy: { version: '2026-11', title: 'AI rules', path: policyPath },
    });

    const res = await request(server)
      .get('/api/ai-tiles/policy')
      .set(
        'Authorization',
        mockCredentials.user.header('user:default/jane.doe'),
      );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      version: '2026-11',
      title: 'AI rules',
      markdown: '# Use AI well\n\nDo not paste secrets.\n',
    });
  });

  it('refuses anonymous requests except /health', async () => {
    const { server } = await start({
      policy: { version: '1', path: policyPath },
    });

    const policy = await request(server)
      .get('/api/ai-tiles/policy')
      .set('Authorization', mockCredentials.none.header());
    expect(policy.status).toBe(401);
    expect(policy.body.error.name).toBe('AuthenticationError');

    const health = await request(server)
      .get('/api/ai-tiles/health')
      .set('Authorization', mockCredentials.none.header());
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
  });

  it('answers 404 with a Backstage error when no policy is configured', async () => {
    const { server } = await start(undefined);
    const res = await request(server).get('/api/ai-tiles/policy');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      name: 'NotFoundError',
      message: 'No acceptable-use policy is configured (aiTiles.policy)',
    });
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('fails at startup naming the config key when the policy file is missing', async () => {
    await expect(
      start({ policy: { version: '1', path: join(dir, 'missing.md') } }),
    ).rejects.toThrow(
      /aiTiles\.policy\.path: cannot read the policy file .*missing\.md \(ENOENT\)/,
    );
  });

  it('fails at startup on a policy page URL that is not http(s)', async () => {
    await expect(
      start({
        // eslint-disable-next-line no-script-url -- the attack under test
        policy: { version: '1', path: policyPath, pageUrl: 'javascript:x' },
      }),
    ).rejects.toThrow('aiTiles.policy.pageUrl must be an absolute http(s) URL');
  });

  it('fails at startup on an empty or overlong version or an empty file', async () => {
    await expect(
      start({ policy: { version: '  ', path: policyPath } }),
    ).rejects.toThrow('aiTiles.policy.version must not be empty');
    await expect(
      start({ policy: { version: 'v'.repeat(101), path: policyPath } }),
    ).rejects.toThrow('aiTiles.policy.version must be at most 100 characters');

    const empty = join(dir, 'empty.md');
    await writeFile(empty, '\n  \n');
    await expect(
      start({ policy: { version: '1', path: empty } }),
    ).rejects.toThrow(
      /aiTiles\.policy\.path: the policy file .*empty\.md is empty/,
    );
  });
});
