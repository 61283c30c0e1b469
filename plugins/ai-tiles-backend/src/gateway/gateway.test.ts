import { TestDatabases } from '@backstage/backend-test-utils';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import {
  JANE,
  JOHN,
  aiTilesConfig,
  asUser,
  startAiTiles,
  usePolicyFile,
  useStandInAndDatabase,
} from '../__testUtils__/access';

jest.setTimeout(60_000);

// The gateway against the LiteLLM stand-in, on SQLite and a real Postgres.
const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const OPENWEBUI_TOKEN = 'owui-token-'.padEnd(40, 'x');
const DIFY_TOKEN = 'dify-token-'.padEnd(40, 'y');
const DIFY_APP = 'component:default/legal-notice-check';
const CHAT_APP = 'component:default/open-chat';
const GATEWAY = '/api/ai-tiles/gateway/v1';
const JANE_UUID = '7f1c2a9e-0000-4000-8000-00000000jane'.replace(
  'jane',
  'aaaa',
);

const chatBody = (extra: object = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Summarise the contract' }],
  ...extra,
});

const waitFor = async <T>(fn: () => Promise<T | undefined>, ms = 5000) => {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise(r => setTimeout(r, 25));
  }
};

describe.each(databases.eachSupportedId())('AI gateway on %s', databaseId => {
  const policy = usePolicyFile();
  const env = useStandInAndDatabase(databases, databaseId);

  const gatewayConfig = (extra: object = {}, limits: object = {}) =>
    aiTilesConfig({
      baseUrl: env.standIn.url,
      policyPath: policy.path,
      budgets: {
        default: 20,
        users: [{ user: 'user:default/solo', maxBudget: 0 }],
      },
      gateway: {
        clients: [
          {
            id: 'open-webui',
            kind: 'openwebui',
            token: OPENWEBUI_TOKEN,
            entityRef: CHAT_APP,
          },
          {
            id: 'legal-notice-check',
            kind: 'dify',
            token: DIFY_TOKEN,
            entityRef: DIFY_APP,
          },
        ],
        limits: { maxConcurrentPerEmployee: 2, ...limits },
        ...extra,
      },
    });

  async function start(
    extra: object = {},
    limits: object = {},
    difyBaseUrl?: string,
  ) {
    const config = gatewayConfig(extra, limits) as any;
    if (difyBaseUrl) config.aiTiles.dify = { baseUrl: difyBaseUrl };
    const started = await startAiTiles({
      knex: env.knex,
      config,
      plugin: { ledger: { flushIntervalMs: 1 } },
    });
    const { port } = started.server.address() as AddressInfo;
    return { ...started, base: `http://127.0.0.1:${port}${GATEWAY}` };
  }

  const accept = (server: Server, userRef: string) =>
    request(server)
      .post('/api/ai-tiles/me/policy/accept')
      .set('Authorization', asUser(userRef))
      .send({ version: '2026-11' })
      .expect(200);

  const asOpenWebUi = (email?: string) => ({
    authorization: `Bearer ${OPENWEBUI_TOKEN}`,
    'content-type': 'application/json',
    ...(email ? { 'x-openwebui-user-email': email } : {}),
  });
  const asDify = () => ({
    authorization: `Bearer ${DIFY_TOKEN}`,
    'content-type': 'application/json',
  });

  const keyOwner = (hash: string) =>
    env.standIn.keys().find(k => k.token === hash)?.user_id;
  const ledger = () => env.knex('ai_gateway_calls').orderBy('id');
  const ledgerRows = (n: number) =>
    waitFor(async () => {
      const rows = await ledger();
      return rows.length >= n ? rows : undefined;
    });

  it("charges Open WebUI calls of two employees to each one's own key", async () => {
    const { server, base } = await start();
    await accept(server, JANE);
    await accept(server, JOHN);

    for (const email of ['Jane.Doe@example.com', 'john.smith@example.com']) {
      const res = await fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: asOpenWebUi(email),
        body: JSON.stringify(chatBody()),
      });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body.choices[0].message.content).toContain('Summarise');
      expect(body.usage.total_tokens).toBeGreaterThan(0);
    }

    const logs = env.standIn.spendLogs();
    expect(logs).toHaveLength(2);
    expect(logs.map(l => l.user)).toEqual([JANE, JOHN]);
    expect(logs.map(l => keyOwner(l.api_key))).toEqual([JANE, JOHN]);
    expect(logs[0].request_tags).toEqual(
      expect.arrayContaining([
        'channel:openwebui',
        `app:${CHAT_APP}`,
        'charged:employee',
      ]),
    );

    const rows = await ledgerRows(2);
    expect(rows.map(r => [r.user_ref, r.charged_to, r.channel])).toEqual([
      [JANE, 'employee', 'openwebui'],
      [JOHN, 'employee', 'openwebui'],
    ]);
    expect(rows[0]).toMatchObject({
      app_ref: CHAT_APP,
      client_id: 'open-webui',
      route: 'chat/completions',
      model: 'gpt-4o-mini',
      status: 200,
      prompt_tokens: logs[0].prompt_tokens,
      completion_tokens: logs[0].completion_tokens,
      request_id: logs[0].request_id,
      cost_source: 'header',
    });
  });

  it('charges Dify calls to the mapped employee, unknown end users to the app service key', async () => {
    const { server, base } = await start();
    await accept(server, JANE);
    await env.knex('ai_dify_end_users').insert({
      app_ref: DIFY_APP,
      end_user_id: JANE_UUID,
      user_ref: JANE,
      created_at: new Date(),
    });

    const mapped = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      // An e-mail header from a Dify client is not an identity: ignored.
      headers: {
        ...asDify(),
        'x-openwebui-user-email': 'john.smith@example.com',
      },
      body: JSON.stringify(chatBody({ user: JANE_UUID })),
    });
    expect(mapped.status).toBe(200);
    const unknown = await fetch(`${base}/chat/completions`, {
      method: 'POST',
      headers: asDify(),
      body: JSON.stringify(chatBody({ user: 'unknown' })),
    });
    expect(await unknown.text()).toContain('chat.completion');
    expect(unknown.status).toBe(200);

    const [first, second] = env.standIn.spendLogs();
    expect(keyOwner(first.api_key)).toBe(JANE);
    expect(keyOwner(second.api_key)).toBe(DIFY_APP);
    expect(second.request_tags).toContain('charged:app');
    expect(env.standIn.users().find(u => u.user_id === DIFY_APP)).toMatchObject(
      {
        max_budget: 10,
      },
    );
    const rows = await ledgerRows(2);
    expect(rows.map(r => [r.user_ref, r.charged_ref, r.charged_to])).toEqual([
      [JANE, JANE, 'employee'],
      [null, DIFY_APP, 'app'],
    ]);
  });

  it("resolves a Dify end user through Dify's end-user lookup and remembers it", async () => {
    const lookups: string[] = [];
    const dify: Server = createServer((req, res) => {
      lookups.push(`${req.url} ${req.headers.authorization}`);
      const known = req.url === `/v1/end-users/${JANE_UUID}`;
      res.writeHead(known ? 200 : 404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          known
            ? { id: JANE_UUID, session_id: JANE, type: 'service_api' }
            : { code: 'end_user_not_found' },
        ),
      );
    });
    await new Promise<void>(r => dify.listen(0, '127.0.0.1', r));
    try {
      const difyUrl = `http://127.0.0.1:${
        (dify.address() as AddressInfo).port
      }`;
      const { server, base } = await start(
        {
          clients: [
            {
              id: 'legal-notice-check',
              kind: 'dify',
              token: DIFY_TOKEN,
              entityRef: DIFY_APP,
              difyApiKey: 'app-dify-key',
            },
          ],
        },
        {},
        difyUrl,
      );
      await accept(server, JANE);
      const res = await fetch(`${base}/chat/completions`, {
        method: 'POST',
        headers: asDify(),
        body: JSON.stringify(chatBody({ user: JANE_UUID })),
      });
      expect(res.status).toBe(200);
      expect(keyOwner(env.standIn.spendLogs()[0].api_key)).toBe(JANE);
      expect(lookups).toEqual([
        `/v1/end-users/${JANE_UUID} Bearer app-dify-key`,
      ]);
      expect(
        await env.knex('ai_dify_end_users').where({ end_user_id: JANE_UUID }),
      ).toEqual([
        expect.objectContaining({ app_ref: DIFY_APP, user_ref: JANE }),
      ]);
    } finally {
      dify.close();
    }
  });
});
