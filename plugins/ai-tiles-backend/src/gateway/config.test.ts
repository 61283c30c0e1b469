import { ConfigReader } from '@backstage/config';
import { AccessConfig } from '../config/accessConfig';
import { readGatewayConfig } from './config';

const access: AccessConfig = {
  configured: true,
  litellm: {
    baseUrl: 'http://litellm:4000/',
    publicUrl: 'http://litellm:4000',
    timeoutMs: 1000,
    retries: 0,
  },
  encryptionKeys: [],
  budgets: {
    default: 20,
    duration: '1mo',
    ceiling: 100,
    groups: [],
    users: [],
  },
};
const token = 't'.repeat(32);
const read = (gateway: unknown, extra: object = {}) =>
  readGatewayConfig(
    new ConfigReader({ aiTiles: { gateway, ...extra } } as any),
    access,
  );

describe('readGatewayConfig', () => {
  it('is undefined without aiTiles.gateway', () => {
    expect(readGatewayConfig(new ConfigReader({}), access)).toBeUndefined();
  });

  it('applies defaults and normalises refs', () => {
    const config = read(
      {
        clients: [
          { id: 'owui', kind: 'openwebui', token, entityRef: 'Open-Chat' },
        ],
        openWebUi: { emailHeader: 'X-Forwarded-Email' },
        limits: { maxConcurrentPerEmployee: '4' },
        listen: { port: '7008' },
      },
      { dify: { baseUrl: 'http://dify/' } },
    )!;
    expect(config).toMatchObject({
      upstreamUrl: 'http://litellm:4000',
      emailHeader: 'x-forwarded-email',
      difyBaseUrl: 'http://dify',
      serviceKeyBudget: 10,
      clients: [{ entityRef: 'component:default/open-chat' }],
      listen: { port: 7008 },
      limits: {
        maxConcurrentPerEmployee: 4,
        maxBodyBytes: 25 * 1024 * 1024,
        timeoutMs: 300_000,
      },
    });
  });

  it.each([
    [{ clients: [] }, 'aiTiles.gateway.clients'],
    [
      {
        clients: [
          { id: 'x', kind: 'openwebui', token: 'short', entityRef: 'a' },
        ],
      },
      'aiTiles.gateway.clients[0].token must be at least 32 characters',
    ],
    [
      { clients: [{ id: 'x', kind: 'slack', token, entityRef: 'a' }] },
      'aiTiles.gateway.clients[0].kind',
    ],
    [
      {
        clients: [
          { id: 'x', kind: 'dify', token, entityRef: 'user:default/jane' },
        ],
      },
      'aiTiles.gateway.clients[0].entityRef must be the AI app entity ref',
    ],
    [
      {
        clients: [
          { id: 'x', kind: 'dify', token, entityRef: 'a' },
          { id: 'y', kind: 'dify', token, entityRef: 'b' },
        ],
      },
      'aiTiles.gateway.clients[1].token must be unique',
    ],
    [
      {
        clients: [{ id: 'x', kind: 'dify', token, entityRef: 'a' }],
        limits: { maxBodyBytes: -1 },
      },
      'aiTiles.gateway.limits.maxBodyBytes',
    ],
    [
      {
        clients: [{ id: 'x', kind: 'dify', token, entityRef: 'a' }],
        serviceKeys: { maxBudget: 500 },
      },
      'aiTiles.gateway.serviceKeys.maxBudget must be ≤ aiTiles.budgets.ceiling (100)',
    ],
    [
      {
        clients: [{ id: 'x', kind: 'dify', token, entityRef: 'a' }],
        upstreamUrl: 'ftp://x',
      },
      'aiTiles.gateway.upstreamUrl',
    ],
    [
      {
        clients: [{ id: 'x', kind: 'dify', token, entityRef: 'a' }],
        listen: { port: 70000 },
      },
      'aiTiles.gateway.listen.port',
    ],
    [
      {
        clients: [{ id: 'x', kind: 'dify', token, entityRef: 'a' }],
        limits: { maxBodyByte: 1024 },
      },
      "aiTiles.gateway.limits Unrecognized key(s) in object: 'maxBodyByte'",
    ],
    [
      {
        clients: [{ id: 'x', kind: 'dify', token, entityRef: 'a' }],
        limit: { maxBodyBytes: 1024 },
      },
      "aiTiles.gateway Unrecognized key(s) in object: 'limit'",
    ],
  ])('rejects %j naming the path', (gateway, message) => {
    expect(() => read(gateway)).toThrow(message);
  });

  it('refuses a Dify API key the end-user lookup cannot use', () => {
    const dify = { id: 'x', kind: 'dify', token, entityRef: 'a' };
    expect(() => read({ clients: [{ ...dify, difyApiKey: 'k' }] })).toThrow(
      "aiTiles.gateway.clients[0].difyApiKey needs aiTiles.dify.baseUrl (Dify's API, for the end-user lookup)",
    );
    expect(() =>
      read(
        { clients: [{ ...dify, kind: 'openwebui', difyApiKey: 'k' }] },
        { dify: { baseUrl: 'http://dify' } },
      ),
    ).toThrow(
      'aiTiles.gateway.clients[0].difyApiKey is only for clients of kind dify',
    );
    expect(() =>
      read({ clients: [dify] }, { dify: { baseUrl: 'dify-api:5001' } }),
    ).toThrow('aiTiles.dify.baseUrl must be an http(s) URL');
    expect(
      read(
        { clients: [{ ...dify, difyApiKey: 'k' }] },
        { dify: { baseUrl: 'http://dify-api:5001' } },
      )?.clients[0].difyApiKey,
    ).toBe('k');
  });

  it("refuses Backstage's own port for the gateway's", () => {
    const gateway = {
      clients: [{ id: 'x', kind: 'dify', token, entityRef: 'a' }],
      listen: { port: 7007 },
    };
    const withBackend = (backend: object) =>
      readGatewayConfig(
        new ConfigReader({ backend, aiTiles: { gateway } } as any),
        access,
      );
    for (const backend of [
      {},
      { listen: ':7007' },
      { listen: { port: 7007 } },
    ]) {
      expect(() => withBackend(backend)).toThrow(
        "aiTiles.gateway.listen.port must differ from Backstage's own port (backend.listen, 7007)",
      );
    }
    expect(withBackend({ listen: '0.0.0.0:7010' })?.listen).toEqual({
      port: 7007,
    });
  });

  it('needs AI access configured', () => {
    expect(() =>
      readGatewayConfig(new ConfigReader({ aiTiles: { gateway: {} } }), {
        configured: false,
        missingConfig: ['aiTiles.litellm.baseUrl'],
      }),
    ).toThrow(
      'aiTiles.gateway needs AI access configured first: set aiTiles.litellm.baseUrl',
    );
  });
});
