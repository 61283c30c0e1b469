import {
  AuditorService,
  SchedulerService,
  coreServices,
  createBackendModule,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { LiteLlmStandIn, startLiteLlmStandIn } from '@internal/litellm-standin';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Entity } from '@backstage/catalog-model';
import { JsonObject } from '@backstage/types';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { Knex } from 'knex';
import { Agent, Dispatcher } from 'undici';
import { AiTilesPluginOptions, createAiTilesPlugin } from '../plugin';

/* Shared fixtures of the AI access integration tests (not shipped). */

export const MASTER_KEY = 'sk-master-test-0123456789abcdef';
export const ENC_OLD = {
  id: 'k-2026-01',
  secret: 'old-secret-'.padEnd(48, 'o'),
};
export const ENC_NEW = {
  id: 'k-2026-11',
  secret: 'new-secret-'.padEnd(48, 'n'),
};

export const JANE = 'user:default/jane.doe';
export const JOHN = 'user:default/john.smith';
export const LEE = 'user:default/lee';
export const SOLO = 'user:default/solo';

const group = (name: string, parent?: string): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Group',
  metadata: { name, namespace: 'default' },
  spec: { type: 'team', children: [], ...(parent ? { parent } : {}) },
  relations: parent
    ? [{ type: 'childOf', targetRef: `group:default/${parent}` }]
    : [],
});

const user = (name: string, email: string, memberOf: string[]): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name, namespace: 'default' },
  spec: {
    profile: { email, displayName: name.replace('.', ' ') },
    memberOf,
  },
  relations: memberOf.map(g => ({
    type: 'memberOf',
    targetRef: `group:default/${g}`,
  })),
});

/** company ← engineering ← platform ← sre; company ← legal. */
export const ENTITIES: Entity[] = [
  group('company'),
  group('engineering', 'company'),
  group('platform', 'engineering'),
  group('sre', 'platform'),
  group('legal', 'company'),
  user('jane.doe', 'jane.doe@example.com', ['legal']),
  user('john.smith', 'john.smith@example.com', ['sre']),
  user('lee', 'lee@example.com', ['sre', 'legal']),
  user('solo', 'solo@example.com', []),
];

export interface AuditRecord {
  eventId: string;
  severityLevel?: string;
  meta?: JsonObject;
  outcome?: 'success' | 'fail';
  outcomeMeta?: JsonObject;
  error?: string;
}

/** An auditor that keeps every event, to assert on ids and metadata. */
export function recordingAuditor() {
  const events: AuditRecord[] = [];
  const service: AuditorService = {
    async createEvent(options) {
      const record: AuditRecord = {
        eventId: options.eventId,
        severityLevel: options.severityLevel,
        meta: options.meta,
      };
      events.push(record);
      return {
        async success(o) {
          record.outcome = 'success';
          record.outcomeMeta = o?.meta;
        },
        async fail(o) {
          record.outcome = 'fail';
          record.outcomeMeta = o.meta;
          record.error = o.error.message;
        },
      };
    },
  };
  const factory = createServiceFactory({
    service: coreServices.auditor,
    deps: {},
    factory: () => service,
  });
  return { events, service, factory };
}

export function aiTilesConfig(options: {
  baseUrl?: string;
  masterKey?: string;
  policyPath: string;
  policyVersion?: string;
  keys?: Array<{ id: string; secret: string }>;
  budgets?: JsonObject;
  timeoutMs?: number;
  retries?: number;
  gateway?: JsonObject;
}): JsonObject {
  return {
    app: { baseUrl: 'https://portal.example.com' },
    aiTiles: {
      ...(options.gateway ? { gateway: options.gateway } : {}),
      policy: {
        version: options.policyVersion ?? '2026-11',
        title: 'Acceptable use of AI',
        path: options.policyPath,
      },
      ...(options.baseUrl
        ? {
            litellm: {
              baseUrl: options.baseUrl,
              // '' = no master key at all.
              ...(options.masterKey !== ''
                ? { masterKey: options.masterKey ?? MASTER_KEY }
                : {}),
              publicUrl: 'https://llm.example.com',
              timeoutMs: options.timeoutMs ?? 5000,
              retries: options.retries ?? 1,
            },
            encryption: { keys: options.keys ?? [ENC_OLD] },
            budgets: options.budgets ?? { default: 20 },
          }
        : {}),
    },
  };
}

/*
 * Backstage's default database service is not closed when a test backend
 * fails to start, and the timer of its connection pool then keeps the Jest
 * worker alive. Backends without a database of their own get one of these,
 * closed after the test file.
 */
const ownDatabases = TestDatabases.create({ ids: ['SQLITE_3'] });

export async function startAiTiles(options: {
  knex?: Knex;
  config: JsonObject;
  plugin?: AiTilesPluginOptions;
}) {
  const auditor = recordingAuditor();
  // The plugin's own scheduler instance, to trigger its tasks in tests.
  let scheduler: SchedulerService | undefined;
  const schedulerProbe = createBackendModule({
    pluginId: 'ai-tiles',
    moduleId: 'test-scheduler-probe',
    register(env) {
      env.registerInit({
        deps: { s: coreServices.scheduler },
        async init({ s }) {
          scheduler = s;
        },
      });
    },
  });
  const backend = await startTestBackend({
    features: [
      createAiTilesPlugin({ retryBaseDelayMs: 5, ...options.plugin }),
      mockServices.rootConfig.factory({ data: options.config }),
      mockServices.database.factory({
        knex: options.knex ?? (await ownDatabases.init('SQLITE_3')),
      }),
      catalogServiceMock.factory({ entities: ENTITIES }),
      mockServices.scheduler.factory({ skipTaskRunOnStartup: true }),
      schedulerProbe,
      auditor.factory,
    ],
  });
  return { backend, server: backend.server, auditor, scheduler: scheduler! };
}

export const asUser = (userRef: string) => mockCredentials.user.header(userRef);

/** Calls the stand-in like an employee's script would, with their own key. */
export async function chat(baseUrl: string, key: string): Promise<number> {
  const res = await fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hello' }],
    }),
  });
  await res.text();
  return res.status;
}

/**
 * Records that the employee accepted the policy, directly in the database:
 * no key is provisioned, so the next request that needs one is the first.
 */
export async function recordAcceptance(
  knex: Knex,
  userRef: string,
  version = '2026-11',
): Promise<void> {
  await knex('ai_policy_acceptances').insert({
    user_ref: userRef,
    version,
    accepted_at: new Date(),
  });
}

/** Deletes a key in LiteLLM the way an admin would (`POST /key/delete`). */
export async function deleteKeyAsAdmin(
  standInUrl: string,
  keyHash: string,
): Promise<void> {
  const res = await fetch(`${standInUrl}/key/delete`, {
    method: 'POST',
    headers: {
      'x-litellm-api-key': MASTER_KEY,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ keys: [keyHash] }),
  });
  if (!res.ok) throw new Error(`/key/delete answered ${res.status}`);
}

export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>(r => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A policy file that exists for the enclosing `describe` (or the whole file). */
export function usePolicyFile(): { path: string } {
  const policy = { path: '' };
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ai-access-'));
    policy.path = join(dir, 'policy.md');
    await writeFile(policy.path, '# Use AI well\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  return policy;
}

/** A fresh LiteLLM stand-in and a fresh database for every test. */
export function useStandInAndDatabase(
  databases: TestDatabases,
  databaseId: Parameters<TestDatabases['init']>[0],
): { standIn: LiteLlmStandIn; knex: Knex } {
  const env = {} as { standIn: LiteLlmStandIn; knex: Knex };
  beforeEach(async () => {
    env.standIn = await startLiteLlmStandIn({ masterKey: MASTER_KEY, port: 0 });
    env.knex = await databases.init(databaseId);
  });
  afterEach(async () => {
    await env.standIn.close();
  });
  return env;
}

/** A LiteLLM admin call as the portal sends it. */
export interface LiteLlmCallSeen {
  method: string;
  /** The path without the query, e.g. `/key/generate`. */
  path: string;
  url: URL;
}

/**
 * A dispatcher for the plugin's `litellmDispatcher` that shows each LiteLLM
 * call to `before` and sends it once `before` resolves: a test watches the
 * calls, or holds one back. When `before` fails, the call fails with its
 * error (never sent), so the test sees that error.
 */
export function watchLiteLlm(
  before: (call: LiteLlmCallSeen) => void | Promise<void>,
): Dispatcher {
  return new Agent().compose(dispatch => (options, handler) => {
    const url = new URL(options.path, options.origin);
    new Promise<void>(resolve =>
      resolve(before({ method: options.method, path: url.pathname, url })),
    ).then(
      () => dispatch(options, handler),
      // Interceptors get handlers of undici's controller API, which ignore
      // the controller on errors: there is none before the call starts.
      (error: Error) =>
        handler.onResponseError?.(
          undefined as unknown as Dispatcher.DispatchController,
          error,
        ),
    );
    return true;
  });
}

/**
 * Records the statements run on `knex` until `stop()`, as their verb and
 * the `ai_*` table they name (e.g. `insert ai_user_keys`).
 */
export function recordStatements(knex: Knex) {
  const seen: Array<{ verb: string; table?: string }> = [];
  const onQuery = ({ sql }: { sql: string }) =>
    seen.push({
      verb: sql.trim().split(/\s/)[0].toLowerCase(),
      table: /\b(?:into|update|from)\s+[`"]?(ai_\w+)/i.exec(sql)?.[1],
    });
  knex.on('query', onQuery);
  return { seen, stop: () => knex.off('query', onQuery) };
}
