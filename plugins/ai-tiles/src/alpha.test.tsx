import {
  createExtensionTester,
  mockApis,
  renderTestApp,
} from '@backstage/frontend-test-utils';
import { catalogApiMock } from '@backstage/plugin-catalog-react/testUtils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { demoEntities } from './__testUtils__/entities';
import plugin from './alpha';
import { mockAiTilesApi, readySummary } from './__testUtils__/access';
import { aiTilesApiRef } from './api';

function renderApp(path: string) {
  return renderTestApp({
    features: [plugin],
    initialRouteEntries: [path],
    apis: [
      catalogApiMock({ entities: demoEntities }),
      mockApis.storage(),
      [
        aiTilesApiRef,
        mockAiTilesApi({
          getPolicy: async () => ({
            version: '2026-11',
            title: 'Acceptable use of AI',
            markdown: 'Be **careful**.',
          }),
          getMyEntityProblems: async () => [],
          getMyAccess: async () => readySummary(),
        }),
      ],
    ],
  });
}

describe('ai-tiles alpha plugin', () => {
  it('has the expected id and extensions', () => {
    expect(plugin.id).toBe('ai-tiles');
    expect(plugin.getExtension('page:ai-tiles')).toBeDefined();
    expect(plugin.getExtension('page:ai-tiles/app')).toBeDefined();
    expect(plugin.getExtension('page:ai-tiles/policy')).toBeDefined();
    expect(plugin.getExtension('page:ai-tiles/my-access')).toBeDefined();
    expect(plugin.getExtension('api:ai-tiles')).toBeDefined();
  });

  it('mounts the tiles page at / and lists it and My AI access in the nav', async () => {
    renderApp('/');
    const grid = await screen.findByTestId('ai-tiles-grid');
    expect(within(grid).getByTestId('ai-tile-open-chat')).toBeInTheDocument();
    expect(
      screen.getByRole('heading', { level: 1, name: 'AI Apps' }),
    ).toBeVisible();

    const nav = screen.getByRole('navigation');
    expect(within(nav).getByRole('link', { name: /AI Apps/ })).toHaveAttribute(
      'href',
      '/',
    );
    expect(
      within(nav).getByRole('link', { name: /My AI access/ }),
    ).toHaveAttribute('href', '/ai/me');
    expect(within(nav).getAllByRole('link')).toHaveLength(2);
  });

  it('shows the My AI access card on the tiles page, linking to /ai/me', async () => {
    renderApp('/');
    const card = await screen.findByTestId('ai-tiles-my-access-card');
    expect(
      within(card).getByRole('link', { name: 'My AI access' }),
    ).toHaveAttribute('href', '/ai/me');
  });

  it('mounts My AI access at /ai/me, titled in the page header', async () => {
    renderApp('/ai/me');
    expect(await screen.findByTestId('ai-access-masked-key')).toHaveTextContent(
      'sk-...a1b2',
    );
    expect(
      screen.getByRole('heading', { level: 1, name: /My AI access/ }),
    ).toBeVisible();
  });

  it('navigates from the card to My AI access', async () => {
    renderApp('/');
    const card = await screen.findByTestId('ai-tiles-my-access-card');
    await userEvent.click(
      within(card).getByRole('link', { name: 'My AI access' }),
    );
    expect(await screen.findByTestId('ai-access-page')).toBeInTheDocument();
  });

  it('mounts the app page at /ai/apps/:namespace/:name', async () => {
    renderApp('/ai/apps/default/contract-summarizer');
    expect(await screen.findByTestId('ai-app-page')).toBeInTheDocument();
    expect(
      screen.getByRole('heading', { name: 'Contract summarizer' }),
    ).toBeInTheDocument();
  });

  it('navigates from a dify tile to its app page', async () => {
    renderApp('/');
    const tile = await screen.findByTestId('ai-tile-email-drafter');
    await userEvent.click(
      within(tile).getByRole('link', { name: 'Email drafter' }),
    );
    expect(await screen.findByTestId('ai-app-page')).toBeInTheDocument();
    expect(
      screen.getByRole('heading', { name: 'Email drafter' }),
    ).toBeVisible();
  });

  it('mounts the policy page at /ai/policy', async () => {
    renderApp('/ai/policy');
    expect(await screen.findByTestId('ai-policy-version')).toHaveTextContent(
      'Version 2026-11',
    );
    expect(screen.getByText('careful').tagName).toBe('STRONG');
  });

  it('provides the AiTilesApi factory', () => {
    const tester = createExtensionTester(plugin.getExtension('api:ai-tiles'));
    expect(tester).toBeDefined();
  });
});
