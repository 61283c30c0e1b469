import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import {
  TestDatabases,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import authPlugin from '@backstage/plugin-auth-backend';
import { authModuleAiPortalOidc } from './module';

// Closed after the file: the default database stays open when a backend
// fails to start, and the timer of its pool keeps the Jest worker alive.
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const sqlite = () => databases.init('SQLITE_3');

/** Serves just an OpenID discovery document, so the provider can start a flow. */
async function startDiscoveryServer(listenPort = 0) {
  const server = http.createServer((req, res) => {
    const { port } = server.address() as AddressInfo;
    const issuer = `http://127.0.0.1:${port}`;
    if (req.url === '/.well-known/openid-configuration') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          issuer,
          authorization_endpoint: `${issuer}/auth`,
          token_endpoint: `${issuer}/token`,
          userinfo_endpoint: `${issuer}/me`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      );
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>(resolve =>
    server.listen(listenPort, '127.0.0.1', resolve),
  );
  const address = server.address() as AddressInfo;
  return { server, issuer: `http://127.0.0.1:${address.port}` };
}

async function freePort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise(resolve => server.close(resolve));
  return port;
}

const START_URL =
  '/api/auth/oidc/start?env=production&scope=openid%20profile%20email';

function configFor(issuer: string, allowedGroups: string[]) {
  return {
    app: { baseUrl: 'http://localhost:3000' },
    auth: {
      environment: 'production',
      session: { secret: 'test-session-secret' },
      providers: {
        oidc: {
          production: {
            metadataUrl: `${issuer}/.well-known/openid-configuration`,
            clientId: 'ai-portal',
            clientSecret: 'client-secret',
            prompt: 'auto',
          },
        },
      },
    },
    aiPortal: { signIn: { allowedGroups } },
  };
}

describe('authModuleAiPortalOidc', () => {
  let discovery: Awaited<ReturnType<typeof startDiscoveryServer>>;

  beforeAll(async () => {
    discovery = await startDiscoveryServer();
  });

  afterAll(async () => {
    await new Promise(resolve => discovery.server.close(resolve));
  });

  it('registers the oidc provider, which redirects to the identity provider', async () => {
    const { server } = await startTestBackend({
      features: [
        authPlugin,
        authModuleAiPortalOidc,
        mockServices.database.factory({ knex: await sqlite() }),
        mockServices.rootConfig.factory({
          data: configFor(discovery.issuer, ['group:default/employees']),
        }),
      ],
    });

    const res = await request(server).get(START_URL);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.location);
    expect(`${location.origin}${location.pathname}`).toBe(
      `${discovery.issuer}/auth`,
    );
    expect(location.searchParams.get('client_id')).toBe('ai-portal');
    expect(location.searchParams.get('scope')?.split(' ')).toEqual(
      expect.arrayContaining(['openid', 'profile', 'email']),
    );
    // prompt: auto lets the identity provider decide whether to show a login page
    expect(location.searchParams.has('prompt')).toBe(false);
  });

  it('recovers when the identity provider comes up after the backend', async () => {
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const { server } = await startTestBackend({
      features: [
        authPlugin,
        authModuleAiPortalOidc,
        mockServices.database.factory({ knex: await sqlite() }),
        mockServices.rootConfig.factory({
          data: configFor(issuer, ['group:default/employees']),
        }),
      ],
    });

    const down = await request(server).get(START_URL);
    expect(down.status).toBe(503);
    expect(down.body.error.message).toMatch(
      /company sign-in service could not be reached/,
    );

    const late = await startDiscoveryServer(port);
    try {
      const up = await request(server).get(START_URL);
      expect(up.status).toBe(302);
      expect(up.headers.location).toMatch(new RegExp(`^${issuer}/auth\\?`));
    } finally {
      await new Promise(resolve => late.server.close(resolve));
    }
  });

  it('fails startup on a bad allowed group, naming the config key', async () => {
    await expect(
      startTestBackend({
        features: [
          authPlugin,
          authModuleAiPortalOidc,
          mockServices.database.factory({ knex: await sqlite() }),
          mockServices.rootConfig.factory({
            data: configFor(discovery.issuer, ['user:default/jane.doe']),
          }),
        ],
      }),
    ).rejects.toThrow(/aiPortal\.signIn\.allowedGroups\[0\]/);
  });
});
