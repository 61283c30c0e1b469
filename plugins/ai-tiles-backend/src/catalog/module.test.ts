import {
  TestDatabases,
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import unprocessedEntitiesModule from '@backstage/plugin-catalog-backend-module-unprocessed';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { catalogModuleAiTiles } from './module';

// Real catalog backend + this module, on SQLite and on a real Postgres server.
const databases = TestDatabases.create({ ids: ['SQLITE_3', 'POSTGRES_15'] });

const app = (name: string, extra: string) => `
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${name}
${extra}
spec:
  type: ai-app
  lifecycle: production
  owner: group:default/legal
`;

const DIFY = `  annotations:
    ai-portal/runner: dify
    ai-portal/dify-app: 3f1c2a9e-6b7d-4e21-9a0c-5d8e7f6a1b2c`;

const ENTITIES = [
  app('valid-app', `  title: Valid app\n${DIFY}`),
  app(
    'script-link',
    `${DIFY}\n  links:\n    - url: "javascript:alert(document.cookie)"\n      title: Click me`,
  ),
  app(
    'data-link',
    `${DIFY}\n  links:\n    - url: "data:text/html,<script>alert(1)</script>"`,
  ),
  app('html-title', `  title: "<img src=x onerror=alert(1)>"\n${DIFY}`),
  app('long-description', `  description: "${'x'.repeat(10_000)}"\n${DIFY}`),
  app('unknown-runner', `  annotations:\n    ai-portal/runner: rocket`),
  app('missing-launch-link', `  annotations:\n    ai-portal/runner: link`),
];

const EXPECTED_ERRORS: Record<string, RegExp> = {
  'script-link': /metadata\.links\[0\]\.url: must be an absolute http\(s\) URL/,
  'data-link': /metadata\.links\[0\]\.url: must be an absolute http\(s\) URL/,
  'html-title': /metadata\.title: must be plain text/,
  'long-description': /metadata\.description: must be at most 2000 characters/,
  'unknown-runner':
    /ai-portal\/runner"\]: is required and must be one of dify, link, chat/,
  'missing-launch-link': /needs exactly one link of type "launch"/,
};

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 250));
  }
}

describe.each(databases.eachSupportedId())(
  'catalogModuleAiTiles on %s',
  databaseId => {
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ai-tiles-catalog-'));
      await writeFile(join(dir, 'entities.yaml'), ENTITIES.join('---\n'));
    });

    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    // A new entity that fails processing is never stitched: the catalog lists it
    // as unprocessed ("pending") with its errors, which the Unprocessed Entities
    // page shows to its owner.
    it('keeps invalid AI entities out of the catalog and reports why', async () => {
      const knex = await databases.init(databaseId);
      const { server } = await startTestBackend({
        features: [
          catalogPlugin,
          catalogModuleAiTiles,
          unprocessedEntitiesModule,
          mockServices.database.factory({ knex }),
          // jane.doe is in legal, the owner of every test entity; john.smith is not.
          mockServices.userInfo.mock({
            async getUserInfo(credentials) {
              const ref = (credentials.principal as { userEntityRef: string })
                .userEntityRef;
              return {
                userEntityRef: ref,
                ownershipEntityRefs:
                  ref === 'user:default/jane.doe'
                    ? [ref, 'group:default/legal']
                    : [ref],
              };
            },
          }).factory,
          mockServices.rootConfig.factory({
            data: {
              catalog: {
                rules: [{ allow: ['Component', 'Location'] }],
                processingInterval: { seconds: 1 },
                locations: [
                  { type: 'file', target: join(dir, 'entities.yaml') },
                ],
              },
            },
          }),
        ],
      });

      const failed = await waitFor(
        'all invalid entities to be reported',
        async () => {
          const res = await request(server).get(
            '/api/catalog/entities/unprocessed/pending',
          );
          const entities: Array<{
            unprocessed_entity: { metadata: { name: string } };
            errors: Array<{ message: string }>;
          }> = res.body.entities ?? [];
          // Pending entities are listed before their processing has run:
          // wait until every expected one carries its errors.
          const reported = entities.filter(
            e => Array.isArray(e.errors) && e.errors.length > 0,
          );
          return Object.keys(EXPECTED_ERRORS).every(name =>
            reported.some(e => e.unprocessed_entity.metadata.name === name),
          )
            ? reported
            : undefined;
        },
      );

      for (const [name, pattern] of Object.entries(EXPECTED_ERRORS)) {
        const entry = failed.find(
          e => e.unprocessed_entity.metadata.name === name,
        );
        expect(entry).toBeDefined();
        expect(entry!.errors.map(e => e.message).join('\n')).toMatch(pattern);
      }

      // The valid app reaches the catalog; none of the invalid ones do.
      const names = await waitFor('the valid app to be stitched', async () => {
        const res = await request(server).get(
          '/api/catalog/entities?filter=kind=component,spec.type=ai-app',
        );
        expect(res.status).toBe(200);
        return res.body.length > 0
          ? res.body.map((e: { metadata: { name: string } }) => e.metadata.name)
          : undefined;
      });
      expect(names).toEqual(['valid-app']);

      // Owners can list their own broken entities.
      const owned = await request(server).get(
        '/api/catalog/entities/unprocessed/pending?owner=group:default/legal',
      );
      expect(owned.body.entities).toHaveLength(
        Object.keys(EXPECTED_ERRORS).length,
      );

      // The owners' view: each broken AI entity of their groups with its errors.
      const mine = await request(server)
        .get('/api/catalog/ai-tiles/problems')
        .set(
          'Authorization',
          mockCredentials.user.header('user:default/jane.doe'),
        );
      expect(mine.status).toBe(200);
      expect(
        mine.body.items.map((p: { entityRef: string }) => p.entityRef),
      ).toEqual(
        Object.keys(EXPECTED_ERRORS)
          .map(name => `component:default/${name}`)
          .sort(),
      );
      for (const problem of mine.body.items) {
        const name = problem.entityRef.split('/')[1];
        expect(problem.owner).toBe('group:default/legal');
        expect(problem.location).toMatch(/^file:.*entities\.yaml$/);
        expect(problem.errors.join('\n')).toMatch(EXPECTED_ERRORS[name]);
      }

      // Someone else's broken entities are not listed; anonymous callers are refused.
      const others = await request(server)
        .get('/api/catalog/ai-tiles/problems')
        .set(
          'Authorization',
          mockCredentials.user.header('user:default/john.smith'),
        );
      expect(others.body).toEqual({ items: [] });
      const anonymous = await request(server)
        .get('/api/catalog/ai-tiles/problems')
        .set('Authorization', mockCredentials.none.header());
      expect(anonymous.status).toBe(401);
    }, 60_000);
  },
);
