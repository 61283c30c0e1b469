import { mockServices } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { DifyEndUserStore } from '../database/DifyEndUserStore';
import { GatewayClient } from './config';
import { IdentityResolver } from './identity';

const JANE = 'user:default/jane.doe';
const END_USER = '7b3c1f0e-1111-4222-8333-944455556666';
const DIFY: GatewayClient = {
  id: 'legal-notice-check',
  kind: 'dify',
  token: 'dify-token',
  entityRef: 'component:default/legal-notice-check',
  difyApiKey: 'app-key',
};

describe('IdentityResolver, Dify end users', () => {
  let clock: number;
  let answers: Array<() => Response>;
  let lookups: number;
  let cancelled: number;

  function resolver() {
    const recorded = new Map<string, string>();
    return new IdentityResolver({
      catalog: catalogServiceMock({
        entities: [
          {
            apiVersion: 'backstage.io/v1alpha1',
            kind: 'User',
            metadata: { name: 'jane.doe', namespace: 'default' },
            spec: {},
          },
        ],
      }),
      auth: mockServices.auth(),
      logger: mockServices.logger.mock(),
      difyEndUsers: {
        get: async (_app: string, id: string) => recorded.get(id),
        record: async (_app: string, id: string, ref: string) => {
          recorded.set(id, ref);
        },
      } as unknown as DifyEndUserStore,
      difyBaseUrl: 'http://dify.test',
      fetch: async () => {
        lookups++;
        const res = answers.shift()!();
        // Count bodies given back unread (their connection freed).
        const body = res.body!;
        const cancel = body.cancel.bind(body);
        body.cancel = (reason?: unknown) => {
          cancelled++;
          return cancel(reason);
        };
        return res;
      },
      now: () => clock,
    });
  }

  const json = (status: number, body: object) => () =>
    new Response(JSON.stringify(body), {
      status,
      headers: { 'content-type': 'application/json' },
    });
  const jane = json(200, {
    id: END_USER,
    session_id: JANE,
    type: 'service-api',
    is_anonymous: false,
  });

  /** Moves the caches' clock; lru-cache reuses a reading for 1 ms of real time. */
  const advance = async (ms: number) => {
    clock += ms;
    await new Promise(r => setTimeout(r, 5));
  };

  const ASKED_APP = { kind: 'app', reason: 'unknown-employee' };
  const ASKED_JANE = { kind: 'employee', userRef: JANE };
  const ask = (identity: IdentityResolver) =>
    identity.resolve(DIFY, undefined, END_USER);

  beforeEach(() => {
    clock = 1_000_000;
    lookups = 0;
    cancelled = 0;
  });

  it('asks again within seconds after Dify failed, a minute after "no such end user"', async () => {
    const identity = resolver();
    answers = [json(503, { message: 'busy' }), jane];
    // Dify failing: charged to the app, and the connection is given back.
    await expect(ask(identity)).resolves.toEqual(ASKED_APP);
    expect(cancelled).toBe(1);
    await advance(1_000);
    await ask(identity);
    expect(lookups).toBe(1);
    await advance(5_000);
    await expect(ask(identity)).resolves.toEqual(ASKED_JANE);
    expect(lookups).toBe(2);

    const other = resolver();
    answers = [json(404, { code: 'end_user_not_found' }), jane];
    await ask(other);
    await advance(30_000);
    await ask(other);
    expect(lookups).toBe(3);
    await advance(31_000);
    await expect(ask(other)).resolves.toEqual(ASKED_JANE);
    expect(lookups).toBe(4);
  });

  it('asks again within seconds when Dify cannot be reached', async () => {
    const identity = resolver();
    answers = [
      () => {
        throw new TypeError('fetch failed');
      },
      jane,
    ];
    await expect(ask(identity)).resolves.toEqual(ASKED_APP);
    await advance(6_000);
    await expect(ask(identity)).resolves.toEqual(ASKED_JANE);
    expect(lookups).toBe(2);
  });
});
