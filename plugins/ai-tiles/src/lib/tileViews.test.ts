import { parseAiTile } from '@internal/plugin-ai-tiles-common';
import { aiEntity, aiTile, demoEntities } from '../__testUtils__/entities';
import { humanizeOwner } from './format';
import { buildTileViews, launchHrefOf } from './tileViews';

const tilesOf = (entities = demoEntities) =>
  entities.map(e => {
    const result = parseAiTile(e);
    if (!result.ok) {
      throw new Error(result.errors.join('; '));
    }
    return result.tile;
  });

describe('buildTileViews', () => {
  it('puts the Open Chat tile first, then apps by title', () => {
    const views = buildTileViews(tilesOf());
    expect(views.map(v => v.tile.name)).toEqual([
      'open-chat',
      'contract-summarizer',
      'email-drafter',
      'invoice-extractor',
      'translator',
    ]);
    expect(views[0].isPrimaryChat).toBe(true);
    expect(views.slice(1).some(v => v.isPrimaryChat)).toBe(false);
  });

  it('opens the chat tile at the configured chat URL, else at its launch link', () => {
    expect(buildTileViews(tilesOf())[0].launchHref).toBe(
      'https://chat.example.com/',
    );
    expect(
      buildTileViews(tilesOf(), 'https://webui.example.com/')[0].launchHref,
    ).toBe('https://webui.example.com/');
  });

  it('ignores a configured chat URL that is not http(s)', () => {
    // eslint-disable-next-line no-script-url -- the attack under test
    const views = buildTileViews(tilesOf(), 'javascript:alert(1)');
    expect(views[0].launchHref).toBe('https://chat.example.com/');
  });

  it('shows an Open Chat tile from config when the catalog has no chat entity', () => {
    const apps = tilesOf().filter(t => t.type !== 'ai-chat');
    expect(buildTileViews(apps)[0].isPrimaryChat).toBe(false);

    const views = buildTileViews(apps, 'https://webui.example.com/');
    expect(views).toHaveLength(apps.length + 1);
    expect(views[0]).toMatchObject({
      isPrimaryChat: true,
      isSynthetic: true,
      launchHref: 'https://webui.example.com/',
      tile: { name: 'open-chat', title: 'Open Chat', runner: 'chat' },
    });
  });

  it('prefers the entity named open-chat as the primary chat', () => {
    const tiles = tilesOf([
      aiEntity({ name: 'aaa-chat', type: 'ai-chat', title: 'A chat' }),
      aiEntity({ name: 'open-chat', type: 'ai-chat', title: 'Open Chat' }),
    ]);
    const views = buildTileViews(tiles);
    expect(views.map(v => [v.tile.name, v.isPrimaryChat])).toEqual([
      ['open-chat', true],
      ['aaa-chat', false],
    ]);
  });

  it('points only the Open Chat tile at the configured chat URL', () => {
    const tiles = tilesOf([
      aiEntity({ name: 'legal-chat', type: 'ai-chat', title: 'Legal chat' }),
      aiEntity({ name: 'open-chat', type: 'ai-chat', title: 'Open Chat' }),
    ]);
    const views = buildTileViews(tiles, 'https://webui.example.com/');
    expect(views.map(v => [v.tile.name, v.launchHref])).toEqual([
      ['open-chat', 'https://webui.example.com/'],
      ['legal-chat', 'https://legal-chat.example.com/'],
    ]);
    // The app page of each tile opens the same address.
    expect(launchHrefOf(tiles[0], 'https://webui.example.com/')).toBe(
      'https://legal-chat.example.com/',
    );
  });

  it('without an open-chat entity, shows Open Chat from config before the other chats', () => {
    const tiles = tilesOf([
      aiEntity({ name: 'legal-chat', type: 'ai-chat', title: 'Legal chat' }),
    ]);
    expect(
      buildTileViews(tiles, 'https://webui.example.com/').map(v => [
        v.tile.name,
        v.isPrimaryChat,
        v.isSynthetic,
        v.launchHref,
      ]),
    ).toEqual([
      ['open-chat', true, true, 'https://webui.example.com/'],
      ['legal-chat', false, false, 'https://legal-chat.example.com/'],
    ]);
    // Without a configured URL, the first chat tile is the primary one.
    expect(
      buildTileViews(tiles).map(v => [v.tile.name, v.isPrimaryChat]),
    ).toEqual([['legal-chat', true]]);
  });

  it('precomputes labels and a lower-cased search haystack', () => {
    const view = buildTileViews(tilesOf()).find(
      v => v.tile.name === 'contract-summarizer',
    )!;
    expect(view.ownerLabel).toBe('legal');
    expect(view.haystack).toContain('contract summarizer');
    expect(view.haystack).toContain('contracts');
    expect(view.haystack).not.toMatch(/[A-Z]/);
  });
});

describe('launchHrefOf', () => {
  it('never returns a non-http(s) URL', () => {
    for (const url of [
      // eslint-disable-next-line no-script-url -- the attack under test
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      '/relative',
      'vbscript:x',
      '',
    ]) {
      expect(
        launchHrefOf(aiTile({ name: 'x', runner: 'link', launchUrl: url })),
      ).toBeUndefined();
    }
    expect(
      launchHrefOf(
        aiTile({ name: 'x', runner: 'link', launchUrl: 'http://ok.example/' }),
      ),
    ).toBe('http://ok.example/');
  });

  it('has no external URL for dify tiles', () => {
    expect(
      launchHrefOf(
        aiTile({ name: 'x', runner: 'dify', launchUrl: 'https://x.example/' }),
      ),
    ).toBeUndefined();
  });
});

describe('format', () => {
  it('humanizes owners', () => {
    expect(humanizeOwner('group:default/legal')).toBe('legal');
    expect(humanizeOwner('legal')).toBe('legal');
    expect(humanizeOwner('group:finance/controlling')).toBe(
      'finance/controlling',
    );
    expect(humanizeOwner('user:default/jane.doe')).toBe('jane.doe');
  });
});
