import { Entity } from '@backstage/catalog-model';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import {
  AI_TILE_CATALOG_FIELDS,
  AI_TILE_CATALOG_FILTER,
  AiEntityProblem,
} from '@internal/plugin-ai-tiles-common';
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  aiEntity,
  demoEntities,
  serviceEntity,
} from '../../__testUtils__/entities';
import {
  FAVOURITES_KEY,
  PREFERENCES_BUCKET,
  RECENTLY_USED_KEY,
} from '../../hooks/useTilePreferences';
import {
  mockAiTilesApi,
  notConfiguredSummary,
  policyRequiredSummary,
  readySummary,
  refused,
} from '../../__testUtils__/access';
import { AiTilesApi, aiTilesApiRef } from '../../api';
import { appRouteRef, myAccessRouteRef, policyRouteRef } from '../../routes';
import { TILES_PAGE_SIZE, TilesPageContent } from './TilesPage';

const BASE_CONFIG = {
  app: { baseUrl: 'http://localhost:3000' },
  backend: { baseUrl: 'http://localhost:7007' },
};

function renderPage(
  options: {
    entities?: Entity[];
    catalogApi?: ReturnType<typeof catalogApiMock.mock>;
    storage?: ReturnType<typeof mockApis.storage>;
    chatUrl?: string;
    problems?: AiEntityProblem[];
    getMyAccess?: AiTilesApi['getMyAccess'];
  } = {},
) {
  const aiTilesApi: AiTilesApi = mockAiTilesApi({
    getPolicy: async () => undefined,
    getMyEntityProblems: async () => options.problems ?? [],
    // Portals without LiteLLM show no access card: existing tests are unaffected.
    getMyAccess: options.getMyAccess ?? (async () => notConfiguredSummary()),
  });
  const storage = options.storage ?? mockApis.storage();
  const catalogApi =
    options.catalogApi ??
    catalogApiMock({
      entities: options.entities ?? [...demoEntities, serviceEntity],
    });
  const rendered = renderInTestApp(<TilesPageContent />, {
    apis: [catalogApi, storage, [aiTilesApiRef, aiTilesApi]],
    config: options.chatUrl
      ? { ...BASE_CONFIG, aiTiles: { chat: { url: options.chatUrl } } }
      : BASE_CONFIG,
    mountedRoutes: {
      '/ai/apps/:namespace/:name': appRouteRef,
      '/ai/policy': policyRouteRef,
      '/ai/me': myAccessRouteRef,
    },
  });
  return {
    ...rendered,
    storage,
    bucket: storage.forBucket(PREFERENCES_BUCKET),
  };
}

/** Test ids of the tiles in a list, in DOM order. */
function tileIds(list: HTMLElement): string[] {
  return Array.from(list.querySelectorAll(':scope > li > article')).map(
    el => el.getAttribute('data-testid') ?? '',
  );
}

const ALL_TILES = [
  'ai-tile-open-chat',
  'ai-tile-contract-summarizer',
  'ai-tile-email-drafter',
  'ai-tile-invoice-extractor',
  'ai-tile-translator',
];

describe('TilesPageContent', () => {
  it('loads the tiles with one server-filtered catalog query', async () => {
    const getEntities = jest.fn(async () => ({ items: demoEntities }));
    renderPage({ catalogApi: catalogApiMock.mock({ getEntities }) });

    await screen.findByTestId('ai-tiles-grid');
    expect(getEntities).toHaveBeenCalledTimes(1);
    expect(getEntities).toHaveBeenCalledWith({
      filter: AI_TILE_CATALOG_FILTER,
      fields: AI_TILE_CATALOG_FIELDS,
    });
    // The query itself only asks for AI components.
    expect(AI_TILE_CATALOG_FILTER).toEqual([
      { kind: 'Component', 'spec.type': 'ai-app' },
      { kind: 'Component', 'spec.type': 'ai-chat' },
    ]);
  });

  it('shows a loading state while the catalog answers', async () => {
    renderPage({
      catalogApi: catalogApiMock.mock({
        getEntities: jest.fn(() => new Promise<never>(() => {})),
      }),
    });
    expect(await screen.findByTestId('ai-tiles-loading')).toBeInTheDocument();
    expect(screen.getByText('Loading AI apps…')).toBeInTheDocument();
  });

  it('renders every valid tile, the Open Chat tile first and distinct', async () => {
    const invalid = aiEntity({ name: 'broken', title: 'Broken app' });
    delete invalid.metadata.annotations!['ai-portal/runner'];
    renderPage({ entities: [...demoEntities, serviceEntity, invalid] });

    const grid = await screen.findByTestId('ai-tiles-grid');
    expect(tileIds(grid)).toEqual(ALL_TILES);
    expect(screen.queryByText('Broken app')).not.toBeInTheDocument();
    expect(screen.queryByText('Payments service')).not.toBeInTheDocument();

    const chatLink = screen.getByTestId('ai-tile-open-chat-link');
    expect(chatLink).toHaveAttribute('href', 'https://chat.example.com/');
    expect(chatLink).toHaveAttribute('target', '_blank');
    expect(chatLink).toHaveAttribute('rel', 'noopener noreferrer');
    // Featured: the chat tile's class differs from a regular tile's.
    const chatTile = screen.getByTestId('ai-tile-open-chat');
    const appTile = screen.getByTestId('ai-tile-email-drafter');
    expect(chatTile.className).not.toEqual(appTile.className);

    expect(
      within(screen.getByTestId('ai-tile-contract-summarizer')).getByRole(
        'link',
        { name: 'Contract summarizer' },
      ),
    ).toHaveAttribute('href', '/ai/apps/default/contract-summarizer');
  });

  it('opens the Open Chat tile at the configured chat URL', async () => {
    renderPage({ chatUrl: 'https://webui.example.com/' });
    expect(await screen.findByTestId('ai-tile-open-chat-link')).toHaveAttribute(
      'href',
      'https://webui.example.com/',
    );
  });

  it('shows an Open Chat tile from config when there is no chat entity', async () => {
    const apps = demoEntities.filter(e => e.spec?.type !== 'ai-chat');
    renderPage({ entities: apps, chatUrl: 'https://webui.example.com/' });

    const grid = await screen.findByTestId('ai-tiles-grid');
    expect(tileIds(grid)).toEqual(ALL_TILES);
    expect(screen.getByTestId('ai-tile-open-chat-link')).toHaveAttribute(
      'href',
      'https://webui.example.com/',
    );
  });

  it('has no chat tile without a chat entity or chat URL', async () => {
    const apps = demoEntities.filter(e => e.spec?.type !== 'ai-chat');
    renderPage({ entities: apps });
    const grid = await screen.findByTestId('ai-tiles-grid');
    expect(tileIds(grid)).toEqual(ALL_TILES.slice(1));
    expect(screen.queryByTestId('ai-tile-open-chat-link')).toBeNull();
  });

  it('narrows the grid instantly as the user types', async () => {
    renderPage();
    const grid = await screen.findByTestId('ai-tiles-grid');
    const search = screen.getByRole('textbox', { name: 'Search AI apps' });

    await userEvent.type(search, 'CONTRACT');
    await waitFor(() =>
      expect(tileIds(grid)).toEqual(['ai-tile-contract-summarizer']),
    );

    // by tag only ("language" is a tag of the translator, nowhere else)
    await userEvent.clear(search);
    await userEvent.type(search, 'language');
    await waitFor(() => expect(tileIds(grid)).toEqual(['ai-tile-translator']));

    // by category
    await userEvent.clear(search);
    await userEvent.type(search, 'writing');
    await waitFor(() =>
      expect(tileIds(grid)).toEqual([
        'ai-tile-email-drafter',
        'ai-tile-translator',
      ]),
    );
    expect(screen.getByRole('status')).toHaveTextContent('2 apps found');

    // Escape clears the search
    await userEvent.type(search, '{Escape}');
    await waitFor(() => expect(tileIds(grid)).toEqual(ALL_TILES));
  });

  it('echoes the search in the result count and has a clear button', async () => {
    renderPage();
    await screen.findByTestId('ai-tiles-grid');
    const search = screen.getByRole('textbox', { name: 'Search AI apps' });
    expect(screen.getByText('5 apps')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Clear search' })).toBeNull();

    await userEvent.type(search, 'summ');
    expect(await screen.findByText('1 of 5 match “summ”')).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Clear search' }));
    expect(search).toHaveValue('');
    expect(search).toHaveFocus();
    expect(await screen.findByText('5 apps')).toBeInTheDocument();
  });

  it('renders a page of tiles at a time and shows more on request', async () => {
    const many = Array.from({ length: TILES_PAGE_SIZE + 12 }, (_, i) =>
      aiEntity({
        name: `app-${String(i).padStart(3, '0')}`,
        title: `App ${String(i).padStart(3, '0')}`,
        description: i % 2 ? 'odd one' : 'even one',
      }),
    );
    renderPage({ entities: many });
    const grid = await screen.findByTestId('ai-tiles-grid');
    expect(tileIds(grid)).toHaveLength(TILES_PAGE_SIZE);
    expect(screen.getByText(`${many.length} apps`)).toBeInTheDocument();

    await userEvent.click(
      screen.getByRole('button', { name: 'Show 12 more of 12 remaining' }),
    );
    await waitFor(() => expect(tileIds(grid)).toHaveLength(many.length));
    expect(screen.queryByTestId('ai-tiles-show-more')).toBeNull();

    // A new search starts from the first page again.
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Search AI apps' }),
      'app',
    );
    await waitFor(() => expect(tileIds(grid)).toHaveLength(TILES_PAGE_SIZE));
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Search AI apps' }),
      ' odd',
    );
    await waitFor(() => expect(tileIds(grid)).toHaveLength(30));
    expect(screen.queryByTestId('ai-tiles-show-more')).toBeNull();
  });

  it('loads more on its own when the end of the grid comes into view', async () => {
    const observers: {
      callback: IntersectionObserverCallback;
      disconnected: boolean;
    }[] = [];
    const original = window.IntersectionObserver;
    window.IntersectionObserver = class {
      private readonly entry: (typeof observers)[number];
      constructor(callback: IntersectionObserverCallback) {
        this.entry = { callback, disconnected: false };
        observers.push(this.entry);
      }
      observe() {}
      unobserve() {}
      takeRecords() {
        return [];
      }
      disconnect() {
        this.entry.disconnected = true;
      }
    } as unknown as typeof IntersectionObserver;
    try {
      const many = Array.from({ length: TILES_PAGE_SIZE * 2 + 5 }, (_, i) =>
        aiEntity({ name: `app-${String(i).padStart(3, '0')}` }),
      );
      renderPage({ entities: many });
      const grid = await screen.findByTestId('ai-tiles-grid');
      expect(tileIds(grid)).toHaveLength(TILES_PAGE_SIZE);

      const intersect = () => {
        const live = observers.filter(o => !o.disconnected);
        expect(live).toHaveLength(1);
        act(() =>
          live[0].callback(
            [{ isIntersecting: true } as IntersectionObserverEntry],
            {} as IntersectionObserver,
          ),
        );
      };
      intersect();
      await waitFor(() =>
        expect(tileIds(grid)).toHaveLength(TILES_PAGE_SIZE * 2),
      );
      intersect();
      await waitFor(() => expect(tileIds(grid)).toHaveLength(many.length));
      expect(observers.every(o => o.disconnected)).toBe(true);
    } finally {
      window.IntersectionObserver = original;
    }
  });

  it('says when nothing matches and clears the filters', async () => {
    renderPage();
    await screen.findByTestId('ai-tiles-grid');
    const search = screen.getByRole('textbox', { name: 'Search AI apps' });

    await userEvent.type(search, 'quantum');
    expect(await screen.findByText('No apps match “quantum”')).toBeVisible();
    expect(screen.queryByTestId('ai-tiles-grid')).not.toBeInTheDocument();

    await userEvent.click(
      screen.getByRole('button', { name: 'Clear filters' }),
    );
    expect(search).toHaveValue('');
    expect(tileIds(await screen.findByTestId('ai-tiles-grid'))).toEqual(
      ALL_TILES,
    );
  });

  it('filters by category chip, toggling back to all', async () => {
    renderPage();
    const grid = await screen.findByTestId('ai-tiles-grid');
    const chips = screen.getByRole('group', { name: 'Filter by category' });
    expect(
      within(chips)
        .getAllByRole('button')
        .map(b => b.textContent),
    ).toEqual(['All', 'chat', 'finance', 'legal', 'writing']);

    // Chips are labelled by the category slug, exactly (role names match whole strings).
    const writing = within(chips).getByRole('button', { name: 'writing' });
    await userEvent.click(writing);
    expect(writing).toHaveAttribute('aria-pressed', 'true');
    expect(within(chips).getByRole('button', { name: 'All' })).toHaveAttribute(
      'aria-pressed',
      'false',
    );
    expect(tileIds(grid)).toEqual([
      'ai-tile-email-drafter',
      'ai-tile-translator',
    ]);

    // combines with search
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Search AI apps' }),
      'tone',
    );
    await waitFor(() => expect(tileIds(grid)).toEqual(['ai-tile-translator']));
    await userEvent.clear(
      screen.getByRole('textbox', { name: 'Search AI apps' }),
    );

    await userEvent.click(writing);
    expect(writing).toHaveAttribute('aria-pressed', 'false');
    await waitFor(() => expect(tileIds(grid)).toEqual(ALL_TILES));

    await userEvent.click(within(chips).getByRole('button', { name: 'legal' }));
    expect(tileIds(grid)).toEqual(['ai-tile-contract-summarizer']);
    await userEvent.click(within(chips).getByRole('button', { name: 'All' }));
    expect(tileIds(grid)).toEqual(ALL_TILES);
  });

  it('stars a tile: persisted for the user and shown under Favourites', async () => {
    const { bucket } = renderPage();
    const grid = await screen.findByTestId('ai-tiles-grid');
    expect(screen.queryByRole('heading', { name: 'Favourites' })).toBeNull();

    await userEvent.click(
      within(grid).getByRole('button', {
        name: 'Add Email drafter to favourites',
      }),
    );

    expect(
      await screen.findByRole('heading', { name: 'Favourites' }),
    ).toBeInTheDocument();
    const favourites = screen.getByRole('region', { name: 'Favourites' });
    expect(
      within(favourites).getByTestId('ai-tile-email-drafter'),
    ).toBeVisible();
    expect(tileIds(screen.getByTestId('ai-tiles-favourites'))).toEqual([
      'ai-tile-email-drafter',
    ]);
    expect(
      within(grid).getByRole('button', {
        name: 'Remove Email drafter from favourites',
      }),
    ).toHaveAttribute('aria-pressed', 'true');
    await waitFor(() =>
      expect(bucket.snapshot(FAVOURITES_KEY).value).toEqual([
        'component:default/email-drafter',
      ]),
    );

    // unstar from the Favourites row
    await userEvent.click(
      within(favourites).getByRole('button', {
        name: 'Remove Email drafter from favourites',
      }),
    );
    await waitFor(() =>
      expect(screen.queryByRole('region', { name: 'Favourites' })).toBeNull(),
    );
    await waitFor(() =>
      expect(bucket.snapshot(FAVOURITES_KEY).value).toEqual([]),
    );
  });

  it('shows stored favourites and recently used tiles, ignoring unknown refs', async () => {
    const storage = mockApis.storage();
    const bucket = storage.forBucket(PREFERENCES_BUCKET);
    await bucket.set(FAVOURITES_KEY, [
      'component:default/translator',
      'component:default/removed-app',
    ]);
    await bucket.set(RECENTLY_USED_KEY, [
      'component:default/invoice-extractor',
      'component:default/open-chat',
    ]);
    renderPage({ storage });

    await screen.findByTestId('ai-tiles-grid');
    const sections = screen
      .getAllByRole('heading', { level: 2 })
      .map(h => h.textContent);
    expect(sections).toEqual(['Favourites', 'Recently used', 'All apps']);
    expect(tileIds(screen.getByTestId('ai-tiles-favourites'))).toEqual([
      'ai-tile-translator',
    ]);
    expect(tileIds(screen.getByTestId('ai-tiles-recent'))).toEqual([
      'ai-tile-invoice-extractor',
      'ai-tile-open-chat',
    ]);

    // Rows step aside while searching.
    await userEvent.type(
      screen.getByRole('textbox', { name: 'Search AI apps' }),
      'x',
    );
    await waitFor(() =>
      expect(screen.queryByTestId('ai-tiles-favourites')).toBeNull(),
    );
    expect(screen.queryByTestId('ai-tiles-recent')).toBeNull();
  });

  it('records an opened tile as recently used', async () => {
    const { bucket } = renderPage();
    const grid = await screen.findByTestId('ai-tiles-grid');

    await userEvent.click(
      within(grid).getByRole('link', {
        name: 'Translator (opens in a new tab)',
      }),
    );
    await userEvent.click(screen.getByTestId('ai-tile-open-chat-link'));

    await waitFor(() =>
      expect(bucket.snapshot(RECENTLY_USED_KEY).value).toEqual([
        'component:default/open-chat',
        'component:default/translator',
      ]),
    );
    expect(tileIds(await screen.findByTestId('ai-tiles-recent'))).toEqual([
      'ai-tile-open-chat',
      'ai-tile-translator',
    ]);
  });

  it('renders markup from catalog text literally, never as HTML', async () => {
    const { container } = renderPage({
      entities: [
        aiEntity({
          name: 'sneaky',
          title: 'Sneaky app',
          description:
            '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">',
          tags: ['<b>tag</b>'],
        }),
      ],
    });
    await screen.findByTestId('ai-tile-sneaky');
    expect(
      screen.getByText(
        '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">',
      ),
    ).toBeInTheDocument();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect((window as any).__pwned).toBeUndefined();
  });

  it('shows an error panel when the catalog fails, and retries', async () => {
    const getEntities = jest
      .fn()
      .mockRejectedValueOnce(new Error('catalog unavailable'))
      .mockResolvedValueOnce({ items: demoEntities });
    renderPage({ catalogApi: catalogApiMock.mock({ getEntities }) });

    expect(
      await screen.findByText(/Could not load the AI apps/),
    ).toBeInTheDocument();
    expect(screen.getAllByText(/catalog unavailable/).length).toBeGreaterThan(
      0,
    );
    expect(screen.queryByTestId('ai-tiles-grid')).toBeNull();

    await userEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByTestId('ai-tiles-grid')).toBeInTheDocument();
    expect(getEntities).toHaveBeenCalledTimes(2);
  });

  it('shows the empty state when there are no AI apps', async () => {
    renderPage({ entities: [serviceEntity] });
    expect(await screen.findByText('No AI apps yet')).toBeInTheDocument();
    expect(screen.getByText(/docs\/ADDING_NEW_APP\.md/)).toBeInTheDocument();
    expect(screen.queryByTestId('ai-tiles-grid')).toBeNull();
  });

  it('keeps the acceptable-use banner visible, linking to the policy page', async () => {
    renderPage();
    const banner = await screen.findByTestId('ai-tiles-policy-banner');
    expect(
      within(banner).getByRole('link', { name: 'acceptable-use policy' }),
    ).toHaveAttribute('href', '/ai/policy');
  });

  it('tells owners which of their AI apps the catalog refuses, as text', async () => {
    renderPage({
      problems: [
        {
          entityRef: 'component:default/broken-app',
          title: '<b>Broken</b>',
          owner: 'group:default/legal',
          location: 'url:https://git.example.com/legal/catalog-info.yaml',
          errors: [
            'Invalid AI portal entity component:default/broken-app: metadata.links[0].url: must be an absolute http(s) URL',
          ],
        },
        {
          entityRef: 'component:default/other',
          owner: 'group:default/legal',
          location: 'url:javascript:alert(1)',
          errors: ['metadata.title: must be plain text, without < or >'],
        },
      ],
    });

    const panel = await screen.findByTestId('ai-tiles-entity-problems');
    // Collapsed to its summary until the owner opens it.
    await userEvent.click(
      within(panel).getByRole('button', { name: /2 of your team's AI apps/ }),
    );
    expect(panel).toHaveTextContent("2 of your team's AI apps are not shown");
    expect(panel).toHaveTextContent('component:default/broken-app');
    expect(panel).toHaveTextContent('(<b>Broken</b>)');
    expect(panel.querySelector('b')).toBeNull();
    expect(panel).toHaveTextContent(
      'metadata.links[0].url: must be an absolute http(s) URL',
    );
    expect(
      within(panel).getByRole('link', {
        name: /https:\/\/git\.example\.com\/legal\/catalog-info\.yaml/,
      }),
    ).toBeInTheDocument();
    // A non-http location is shown as text, never as a link.
    expect(within(panel).getAllByRole('link')).toHaveLength(1);
    expect(panel).toHaveTextContent('url:javascript:alert(1)');
  });

  it('shows no problems panel when the user has none', async () => {
    renderPage();
    await screen.findByTestId('ai-tiles-grid');
    expect(screen.queryByTestId('ai-tiles-entity-problems')).toBeNull();
  });

  describe('My AI access card', () => {
    it('shows the budget and links to My AI access', async () => {
      renderPage({
        getMyAccess: async () => readySummary({ budget: { spend: 42.5 } }),
      });
      const card = await screen.findByTestId('ai-tiles-my-access-card');
      expect(card).toHaveAttribute('aria-label', 'My AI access');
      expect(
        within(card).getByTestId('ai-access-budget-text'),
      ).toHaveTextContent('$42.50 of $50.00 used');
      expect(
        within(card).getByTestId('ai-access-budget-meter'),
      ).toHaveAttribute('data-level', 'warning');
      expect(
        within(card).getByTestId('ai-access-budget-reset'),
      ).toHaveTextContent('Resets on 1 December 2026');
      // Compact: no forecast and no note on the tiles page.
      expect(within(card).queryByTestId('ai-access-forecast')).toBeNull();
      expect(within(card).queryByTestId('ai-access-budget-note')).toBeNull();
      expect(
        within(card).getByRole('link', { name: 'My AI access' }),
      ).toHaveAttribute('href', '/ai/me');
      // It adds no section heading to the page.
      await screen.findByTestId('ai-tiles-grid');
      expect(
        screen.getAllByRole('heading', { level: 2 }).map(h => h.textContent),
      ).toEqual(['All apps']);
    });

    it('says on the card too that a budget of 0 allows no requests', async () => {
      renderPage({
        getMyAccess: async () =>
          readySummary({ budget: { maxBudget: 0, spend: 0, forecast: 0 } }),
      });
      const card = await screen.findByTestId('ai-tiles-my-access-card');
      expect(
        await within(card).findByTestId('ai-access-budget-note'),
      ).toHaveTextContent('You have no AI budget: AI requests are refused.');
      expect(within(card).queryByTestId('ai-access-budget-reset')).toBeNull();
    });

    it('asks to accept the policy when that is what is missing', async () => {
      renderPage({ getMyAccess: async () => policyRequiredSummary() });
      const card = await screen.findByTestId('ai-tiles-my-access-card');
      expect(card).toHaveTextContent(
        'Accept the AI policy to get your personal API key',
      );
      expect(within(card).queryByTestId('ai-access-budget')).toBeNull();
      expect(
        within(card).getByRole('link', { name: 'My AI access' }),
      ).toHaveAttribute('href', '/ai/me');
    });

    it('shows nothing when the portal has no LiteLLM connection', async () => {
      const getMyAccess = jest.fn(async () => notConfiguredSummary());
      renderPage({ getMyAccess });
      await screen.findByTestId('ai-tiles-grid');
      await waitFor(() => expect(getMyAccess).toHaveBeenCalled());
      await act(async () => {});
      expect(screen.queryByTestId('ai-tiles-my-access-card')).toBeNull();
    });

    it('hides on errors, without touching the grid', async () => {
      const getMyAccess = refused(503, 'LiteLLM is not reachable');
      renderPage({ getMyAccess });
      const grid = await screen.findByTestId('ai-tiles-grid');
      await waitFor(() => expect(getMyAccess).toHaveBeenCalled());
      await act(async () => {});
      expect(screen.queryByTestId('ai-tiles-my-access-card')).toBeNull();
      expect(screen.queryByText(/LiteLLM is not reachable/)).toBeNull();
      expect(tileIds(grid)).toEqual(ALL_TILES);
    });

    it('never blocks the grid while it loads', async () => {
      renderPage({ getMyAccess: () => new Promise<never>(() => {}) });
      expect(tileIds(await screen.findByTestId('ai-tiles-grid'))).toEqual(
        ALL_TILES,
      );
      expect(screen.queryByTestId('ai-tiles-my-access-card')).toBeNull();
    });
  });
});
