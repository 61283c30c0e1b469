/* eslint-disable no-script-url -- these tests feed script URLs to prove they are refused */
import { Entity } from '@backstage/catalog-model';
import { isAiTileEntity, parseAiTile, validateAiEntity } from './tile';

function aiApp(
  overrides: {
    metadata?: Partial<Entity['metadata']>;
    annotations?: Record<string, string>;
    spec?: Record<string, unknown>;
  } = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: {
      name: 'invoice-extractor',
      title: 'Invoice extractor',
      description: 'Extracts invoice data.',
      tags: ['finance', 'invoice'],
      links: [
        {
          url: 'https://docs.example.com/invoice',
          title: 'Docs',
          type: 'docs',
        },
      ],
      ...overrides.metadata,
      annotations: {
        'ai-portal/runner': 'dify',
        'ai-portal/dify-app': '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e',
        'ai-portal/category': 'finance',
        'ai-portal/icon': 'receipt',
        ...overrides.annotations,
      },
    },
    spec: {
      type: 'ai-app',
      lifecycle: 'production',
      owner: 'group:default/finance',
      ...overrides.spec,
    },
  };
}

function errorsOf(entity: Entity): string[] {
  const result = parseAiTile(entity);
  if (result.ok) {
    throw new Error(`expected errors for ${JSON.stringify(entity)}`);
  }
  return result.errors;
}

describe('parseAiTile', () => {
  it('maps a valid dify app to a tile', () => {
    const result = parseAiTile(aiApp());
    expect(result).toEqual({
      ok: true,
      tile: {
        entityRef: 'component:default/invoice-extractor',
        namespace: 'default',
        name: 'invoice-extractor',
        type: 'ai-app',
        runner: 'dify',
        title: 'Invoice extractor',
        description: 'Extracts invoice data.',
        category: 'finance',
        icon: 'receipt',
        owner: 'group:default/finance',
        lifecycle: 'production',
        tags: ['finance', 'invoice'],
        launchUrl: undefined,
        difyAppId: '1b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e',
        links: [
          {
            url: 'https://docs.example.com/invoice',
            title: 'Docs',
            type: 'docs',
          },
        ],
      },
    });
  });

  it('maps a link app and takes its launch link', () => {
    const result = parseAiTile(
      aiApp({
        annotations: { 'ai-portal/runner': 'link' },
        metadata: {
          namespace: 'Finance',
          links: [
            { url: 'https://translate.example.com', type: 'launch' },
            { url: 'http://docs.example.com', type: 'docs' },
          ],
        },
      }),
    );
    // a dify id on a link app is an error; drop it
    expect(result.ok).toBe(false);

    const entity = aiApp({
      annotations: { 'ai-portal/runner': 'link' },
      metadata: {
        namespace: 'Finance',
        links: [{ url: 'https://translate.example.com', type: 'launch' }],
      },
    });
    delete entity.metadata.annotations!['ai-portal/dify-app'];
    const ok = parseAiTile(entity);
    expect(ok.ok && ok.tile.launchUrl).toBe('https://translate.example.com');
    expect(ok.ok && ok.tile.entityRef).toBe(
      'component:finance/invoice-extractor',
    );
  });

  it('defaults the title to the name and description to empty', () => {
    const result = parseAiTile(
      aiApp({ metadata: { title: undefined, description: undefined } }),
    );
    expect(result.ok && result.tile.title).toBe('invoice-extractor');
    expect(result.ok && result.tile.description).toBe('');
  });

  it('maps the chat entity', () => {
    const entity = aiApp({
      annotations: { 'ai-portal/runner': 'chat', 'ai-portal/icon': 'chat' },
      metadata: { links: [{ url: 'https://chat.localhost', type: 'launch' }] },
      spec: { type: 'ai-chat' },
    });
    delete entity.metadata.annotations!['ai-portal/dify-app'];
    const result = parseAiTile(entity);
    expect(result.ok && result.tile.type).toBe('ai-chat');
    expect(result.ok && result.tile.launchUrl).toBe('https://chat.localhost');
  });

  it.each([
    ['javascript:alert(1)'],
    ['JavaScript:alert(document.cookie)'],
    ['data:text/html,<script>alert(1)</script>'],
    ['vbscript:msgbox(1)'],
    ['//evil.example.com'],
    ['/relative/path'],
    ['file:///etc/passwd'],
    ['not a url'],
  ])('rejects the link %s', url => {
    const errors = errorsOf(
      aiApp({ metadata: { links: [{ url, type: 'docs' }] } }),
    );
    expect(errors).toContain(
      'metadata.links[0].url: must be an absolute http(s) URL',
    );
  });

  it('rejects HTML in the title', () => {
    expect(
      errorsOf(aiApp({ metadata: { title: '<img src=x onerror=alert(1)>' } })),
    ).toContain('metadata.title: must be plain text, without < or >');
  });

  it('rejects a 10,000-character description', () => {
    expect(
      errorsOf(aiApp({ metadata: { description: 'x'.repeat(10_000) } })),
    ).toContain('metadata.description: must be at most 2000 characters');
  });

  it('rejects an unknown runner', () => {
    expect(
      errorsOf(aiApp({ annotations: { 'ai-portal/runner': 'rocket' } })),
    ).toEqual([
      'metadata.annotations["ai-portal/runner"]: is required and must be one of dify, link, chat',
    ]);
  });

  it('requires a runner', () => {
    const entity = aiApp();
    delete entity.metadata.annotations!['ai-portal/runner'];
    expect(errorsOf(entity)).toEqual([
      'metadata.annotations["ai-portal/runner"]: is required and must be one of dify, link, chat',
    ]);
  });

  it('requires exactly one launch link for link and chat runners', () => {
    const entity = aiApp({ annotations: { 'ai-portal/runner': 'link' } });
    delete entity.metadata.annotations!['ai-portal/dify-app'];
    expect(errorsOf(entity)).toEqual([
      'metadata.links: the "link" runner needs exactly one link of type "launch" (found 0)',
    ]);
  });

  it('requires a dify app id for dify apps, as a UUID', () => {
    const entity = aiApp();
    delete entity.metadata.annotations!['ai-portal/dify-app'];
    expect(errorsOf(entity)).toEqual([
      'metadata.annotations["ai-portal/dify-app"]: is required when the runner is "dify"',
    ]);
    expect(
      errorsOf(
        aiApp({ annotations: { 'ai-portal/dify-app': "1' OR '1'='1" } }),
      ),
    ).toEqual([
      'metadata.annotations["ai-portal/dify-app"]: must be a Dify app id (a UUID)',
    ]);
  });

  it('checks category and icon format', () => {
    expect(
      errorsOf(
        aiApp({
          annotations: {
            'ai-portal/category': 'Legal Stuff!',
            'ai-portal/icon': '<svg onload=alert(1)>',
          },
        }),
      ),
    ).toEqual([
      'metadata.annotations["ai-portal/category"]: must be a lower-case slug such as "legal" or "document-tools"',
      expect.stringMatching(
        /^metadata.annotations\["ai-portal\/icon"\]: must be one of chat, gavel/,
      ),
    ]);
  });

  it('checks lifecycle, owner and the runner of the chat type', () => {
    expect(errorsOf(aiApp({ spec: { lifecycle: 'beta' } }))).toEqual([
      'spec.lifecycle: must be one of experimental, production, deprecated',
    ]);
    expect(errorsOf(aiApp({ spec: { owner: undefined } }))).toEqual([
      'spec.owner: is required',
    ]);
    expect(errorsOf(aiApp({ spec: { type: 'ai-chat' } }))).toEqual([
      'metadata.annotations["ai-portal/runner"]: must be "chat" for spec.type ai-chat',
    ]);
  });

  it('survives hostile shapes without throwing', () => {
    const hostile = [
      { kind: 'Component', metadata: {}, spec: {} },
      {
        kind: 'Component',
        metadata: { name: 'x', annotations: null },
        spec: null,
      },
      {
        kind: 'Component',
        metadata: { name: 'x', links: 'https://x', tags: 'a' },
        spec: { type: 'ai-app' },
      },
      {
        kind: 'Component',
        metadata: { name: 'x', links: [null, 42], title: { toString: 1 } },
        spec: { type: 'ai-app', owner: ['a'], lifecycle: 7 },
      },
      {
        kind: 'Component',
        metadata: {
          name: 'x',
          annotations: { __proto__: { polluted: 'yes' } },
        },
        spec: { type: 'ai-app' },
      },
    ] as unknown as Entity[];
    for (const entity of hostile) {
      const result = parseAiTile(entity);
      expect(result.ok).toBe(false);
      expect(result.ok ? [] : result.errors.length).toBeGreaterThan(0);
    }
    expect(({} as any).polluted).toBeUndefined();
  });
});

describe('isAiTileEntity', () => {
  it('matches only AI component types', () => {
    expect(isAiTileEntity(aiApp())).toBe(true);
    expect(isAiTileEntity(aiApp({ spec: { type: 'ai-chat' } }))).toBe(true);
    expect(isAiTileEntity(aiApp({ spec: { type: 'service' } }))).toBe(false);
    expect(isAiTileEntity({ ...aiApp(), kind: 'API' })).toBe(false);
  });
});

describe('validateAiEntity', () => {
  it('accepts valid AI entities and ordinary components', () => {
    expect(validateAiEntity(aiApp())).toEqual([]);
    expect(
      validateAiEntity({
        apiVersion: 'backstage.io/v1alpha1',
        kind: 'Component',
        metadata: {
          name: 'billing',
          annotations: { 'backstage.io/techdocs-ref': 'dir:.' },
        },
        spec: { type: 'service', owner: 'x', lifecycle: 'production' },
      }),
    ).toEqual([]);
  });

  it('flags AI annotations on a non-AI entity (a typo in spec.type)', () => {
    expect(validateAiEntity(aiApp({ spec: { type: 'ai-apps' } }))).toEqual([
      'ai-portal/runner, ai-portal/dify-app, ai-portal/category, ai-portal/icon: AI portal annotations only apply to kind Component with spec.type ai-app or ai-chat',
    ]);
  });
});
