import {
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import permissionPlugin from '@backstage/plugin-permission-backend';
import request from 'supertest';
import { permissionModuleAiPortalPolicy } from './module';

const ADA = 'user:default/ada.admin';
const JANE = 'user:default/jane.doe';
const GROUPS: Record<string, string[]> = {
  [ADA]: [ADA, 'group:default/ai-admins'],
  [JANE]: [JANE, 'group:default/legal'],
};

/** Each user's groups as their sign-in token would state them. */
const userInfo = createServiceFactory({
  service: coreServices.userInfo,
  deps: {},
  factory: () => ({
    async getUserInfo(credentials: any) {
      const ref = credentials.principal.userEntityRef;
      return { userEntityRef: ref, ownershipEntityRefs: GROUPS[ref] ?? [ref] };
    },
  }),
});

describe('permissionModuleAiPortalPolicy, with the permission backend and the catalog', () => {
  it('lets every employee read the catalog and only administrators change it', async () => {
    const backend = await startTestBackend({
      features: [
        catalogPlugin,
        permissionPlugin,
        permissionModuleAiPortalPolicy,
        // The real permissions service: asks the permission backend.
        permissionsServiceFactory,
        userInfo,
        mockServices.rootConfig.factory({
          data: {
            permission: { enabled: true },
            aiPortal: { admins: ['group:default/ai-admins'] },
            catalog: { locations: [] },
          },
        }),
      ],
    });
    try {
      const as = (ref: string) => mockCredentials.user.header(ref);
      const location = {
        type: 'url',
        target: 'https://example.com/catalog-info.yaml',
      };

      const read = await request(backend.server)
        .get('/api/catalog/entities')
        .set('authorization', as(JANE));
      expect(read.status).toBe(200);

      const refused = await request(backend.server)
        .post('/api/catalog/locations')
        .set('authorization', as(JANE))
        .send(location);
      expect(refused.status).toBe(403);
      expect(refused.body.error.name).toBe('NotAllowedError');

      const created = await request(backend.server)
        .post('/api/catalog/locations')
        .set('authorization', as(ADA))
        .send(location);
      expect(created.status).toBe(201);
      const id = created.body.location.id;

      const notDeleted = await request(backend.server)
        .delete(`/api/catalog/locations/${id}`)
        .set('authorization', as(JANE));
      expect(notDeleted.status).toBe(403);
      const deleted = await request(backend.server)
        .delete(`/api/catalog/locations/${id}`)
        .set('authorization', as(ADA));
      expect(deleted.status).toBe(204);
    } finally {
      await backend.stop();
    }
  });

  it('stops the backend on an invalid administrator entry', async () => {
    await expect(
      startTestBackend({
        features: [
          permissionPlugin,
          permissionModuleAiPortalPolicy,
          mockServices.rootConfig.factory({
            data: {
              permission: { enabled: true },
              aiPortal: { admins: ['component:default/x'] },
            },
          }),
        ],
      }),
    ).rejects.toThrow(
      'aiPortal.admins[0] must name a group or a user, not a component',
    );
  });
});
