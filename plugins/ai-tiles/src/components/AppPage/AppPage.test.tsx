import { Entity } from '@backstage/catalog-model';
import { mockApis, renderInTestApp } from '@backstage/frontend-test-utils';
import { entityRouteRef } from '@backstage/plugin-catalog-react';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import {
  aiEntity,
  demoEntities,
  serviceEntity,
} from '../../__testUtils__/entities';
import {
  PREFERENCES_BUCKET,
  RECENTLY_USED_KEY,
} from '../../hooks/useTilePreferences';
import { rootRouteRef } from '../../routes';
import { AppPageContent } from './AppPage';

function renderAppPage(
  path: string,
  options: {
    entities?: Entity[];
    catalogApi?: ReturnType<typeof catalogApiMock.mock>;
    config?: object;
  } = {},
) {
  const storage = mockApis.storage();
  const rendered = renderInTestApp(<AppPageContent />, {
    apis: [
      options.catalogApi ??
        catalogApiMock({
          entities: options.entities ?? [...demoEntities, serviceEntity],
        }),
      storage,
    ],
    config: {
      app: { baseUrl: 'http://localhost:3000' },
      backend: { baseUrl: 'http://localhost:7007' },
      ...options.config,
    },
    mountPath: '/ai/apps/:namespace/:name',
    initialRouteEntries: [path],
    mountedRoutes: {
      '/catalog/:namespace/:kind/:name': entityRouteRef,
      '/': rootRouteRef,
    },
  });
  return { ...rendered, bucket: storage.forBucket(PREFERENCES_BUCKET) };
}

const contractApp = aiEntity({
  name: 'contract-summarizer',
  title: 'Contract summarizer',
  description: 'Summarizes a contract.\nFlags clauses that need a lawyer.',
  tags: ['legal', 'contracts'],
  category: 'legal',
  lifecycle: 'experimental',
  owner: 'group:default/legal',
  links: [
    {
      url: 'https://docs.example.com/ai/apps/contract-summarizer',
      title: 'How to use Contract summarizer',
      type: 'docs',
    },
    { url: 'http://wiki.example.com/contracts', type: 'wiki' },
  ],
});

describe('AppPageContent', () => {
  it('shows the app: title, description, owner, category, lifecycle, tags and links', async () => {
    renderAppPage('/ai/apps/default/contract-summarizer', {
      entities: [contractApp],
    });

    expect(
      await screen.findByRole('heading', { name: 'Contract summarizer' }),
    ).toBeInTheDocument();
    expect(
      screen.getByText(/Summarizes a contract\.\s+Flags clauses/),
    ).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'legal' })).toHaveAttribute(
      'href',
      '/catalog/default/group/legal',
    );
    expect(screen.getByText('Category').nextElementSibling).toHaveTextContent(
      'legal',
    );
    // The lifecycle is shown once, as the catalog value.
    expect(screen.getByText('experimental', { exact: true })).toBeVisible();
    expect(screen.getByText('contracts')).toBeInTheDocument();

    const links = within(screen.getByTestId('ai-app-links')).getAllByRole(
      'link',
    );
    expect(links.map(l => l.getAttribute('href'))).toEqual([
      'https://docs.example.com/ai/apps/contract-summarizer',
      'http://wiki.example.com/contracts',
    ]);
    for (const link of links) {
      expect(link).toHaveAttribute('target', '_blank');
      expect(link.getAttribute('rel')).toContain('noopener');
    }
    expect(links[0]).toHaveTextContent('How to use Contract summarizer');
  });

  it('says plainly that dify apps run here once the Dify runner arrives', async () => {
    renderAppPage('/ai/apps/default/contract-summarizer', {
      entities: [contractApp],
    });
    expect(await screen.findByTestId('ai-app-runner-notice')).toHaveTextContent(
      /arrives with the Dify runner/,
    );
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(screen.queryByRole('button', { name: /run/i })).toBeNull();
    expect(document.querySelector('form')).toBeNull();
  });

  it('opens link apps in a new tab and records them as recently used', async () => {
    const { bucket } = renderAppPage('/ai/apps/default/translator');
    const open = await screen.findByTestId('ai-app-open');
    expect(open).toHaveAttribute('href', 'https://translate.example.com/');
    expect(open).toHaveAttribute('target', '_blank');
    expect(open).toHaveAttribute('rel', 'noopener noreferrer');

    await userEvent.click(open);
    await waitFor(() =>
      expect(bucket.snapshot(RECENTLY_USED_KEY).value).toEqual([
        'component:default/translator',
      ]),
    );
  });

  it('opens the chat app at the configured chat URL', async () => {
    renderAppPage('/ai/apps/default/open-chat', {
      config: { aiTiles: { chat: { url: 'https://webui.example.com/' } } },
    });
    expect(await screen.findByTestId('ai-app-open')).toHaveAttribute(
      'href',
      'https://webui.example.com/',
    );
  });

  it('reports an unknown app', async () => {
    renderAppPage('/ai/apps/default/nope');
    expect(await screen.findByText(/AI app not found/)).toBeInTheDocument();
    expect(screen.getByText(/default\/nope/)).toBeInTheDocument();
    expect(
      screen.getByRole('link', { name: 'Back to all AI apps' }),
    ).toHaveAttribute('href', '/');
  });

  it('treats a component that is not an AI app as not found', async () => {
    renderAppPage('/ai/apps/default/payments-service');
    expect(await screen.findByText(/AI app not found/)).toBeInTheDocument();
    expect(screen.queryByText('Payments service')).toBeNull();
  });

  it('explains an invalid AI entity and never renders its non-http links', async () => {
    const evil = aiEntity({
      name: 'evil',
      title: 'Evil app',
      // eslint-disable-next-line no-script-url -- the attack under test
      links: [{ url: 'javascript:alert(1)', title: 'Click me', type: 'docs' }],
    });
    const { container } = renderAppPage('/ai/apps/default/evil', {
      entities: [evil],
    });

    expect(
      await screen.findByText(/This AI app cannot be shown/),
    ).toBeInTheDocument();
    expect(screen.getByTestId('ai-app-errors')).toHaveTextContent(
      'must be an absolute http(s) URL',
    );
    expect(screen.queryByText('Click me')).toBeNull();
    expect(container.querySelector('a[href^="javascript"]')).toBeNull();
    expect(
      Array.from(container.querySelectorAll('a')).every(a =>
        /^(\/|https?:)/.test(a.getAttribute('href') ?? ''),
      ),
    ).toBe(true);
  });

  it('shows an error panel when the catalog fails', async () => {
    renderAppPage('/ai/apps/default/contract-summarizer', {
      catalogApi: catalogApiMock.mock({
        getEntityByRef: jest.fn().mockRejectedValue(new Error('catalog down')),
      }),
    });
    expect(
      await screen.findByText(/Could not load the AI app/),
    ).toBeInTheDocument();
  });

  it('looks the entity up by the namespace and name in the URL', async () => {
    const getEntityByRef = jest.fn().mockResolvedValue(undefined);
    renderAppPage('/ai/apps/marketing/slogan-writer', {
      catalogApi: catalogApiMock.mock({ getEntityByRef }),
    });
    await screen.findByText(/AI app not found/);
    expect(getEntityByRef).toHaveBeenCalledWith({
      kind: 'Component',
      namespace: 'marketing',
      name: 'slogan-writer',
    });
  });
});
