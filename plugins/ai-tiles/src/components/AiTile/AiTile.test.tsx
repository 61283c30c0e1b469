import { renderInTestApp } from '@backstage/frontend-test-utils';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { aiTile } from '../../__testUtils__/entities';
import { toTileView, TileView } from '../../lib/tileViews';
import { AiTile, AiTileProps } from './AiTile';

async function renderTile(view: TileView, props: Partial<AiTileProps> = {}) {
  const onOpen = jest.fn();
  const onToggleFavourite = jest.fn();
  const rendered = await renderInTestApp(
    <AiTile
      view={view}
      appHref={`/ai/apps/${view.tile.namespace}/${view.tile.name}`}
      isFavourite={false}
      onOpen={onOpen}
      onToggleFavourite={onToggleFavourite}
      {...props}
    />,
  );
  return { ...rendered, onOpen, onToggleFavourite };
}

describe('AiTile', () => {
  it('renders a dify tile as a portal link with its details', async () => {
    const view = toTileView(
      aiTile({
        name: 'contract-summarizer',
        title: 'Contract summarizer',
        description: 'Summarizes a contract: parties, term, termination.',
        category: 'legal',
        owner: 'group:default/legal',
        lifecycle: 'experimental',
        icon: 'description',
      }),
    );
    const { onOpen } = await renderTile(view);

    const tile = screen.getByTestId('ai-tile-contract-summarizer');
    const link = within(tile).getByRole('link', {
      name: 'Contract summarizer',
    });
    expect(link).toHaveAttribute(
      'href',
      '/ai/apps/default/contract-summarizer',
    );
    expect(link).not.toHaveAttribute('target');
    expect(link).toHaveAccessibleDescription(
      'Summarizes a contract: parties, term, termination.',
    );
    expect(
      within(tile).getByText(
        'Summarizes a contract: parties, term, termination.',
      ),
    ).toHaveAttribute(
      'title',
      'Summarizes a contract: parties, term, termination.',
    );
    expect(within(tile).getByText('legal')).toBeInTheDocument();
    expect(within(tile).getByText('by legal')).toBeInTheDocument();
    expect(within(tile).getByText('experimental')).toHaveAttribute(
      'data-lifecycle',
      'experimental',
    );

    await userEvent.click(link);
    expect(onOpen).toHaveBeenCalledWith(view);
  });

  it('opens link tiles in a new tab, safely', async () => {
    const view = toTileView(
      aiTile({
        name: 'translator',
        title: 'Translator',
        runner: 'link',
        launchUrl: 'https://translate.example.com/',
      }),
    );
    await renderTile(view);
    const link = screen.getByRole('link', {
      name: 'Translator (opens in a new tab)',
    });
    expect(link).toHaveAttribute('href', 'https://translate.example.com/');
    expect(link).toHaveAttribute('target', '_blank');
    expect(link).toHaveAttribute('rel', 'noopener noreferrer');
  });

  it.each([
    // eslint-disable-next-line no-script-url -- the attack under test
    'javascript:alert(document.cookie)',
    ' JAVASCRIPT:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    '//evil.example.com',
  ])('never renders the launch URL %p as a link', async url => {
    const view = toTileView(
      aiTile({ name: 'evil', title: 'Evil', runner: 'link', launchUrl: url }),
    );
    const { container } = await renderTile(view);

    const tile = screen.getByTestId('ai-tile-evil');
    expect(within(tile).queryByRole('link')).not.toBeInTheDocument();
    expect(container.querySelector('a')).toBeNull();
    expect(container.querySelector('[href]')).toBeNull();
    expect(tile).toHaveAttribute('data-disabled', 'true');
    expect(within(tile).getByText(/Unavailable/)).toBeInTheDocument();
  });

  it('renders markup from the catalog as literal text', async () => {
    const title = '<img src=x onerror="window.__pwned=1">';
    const description =
      '<script>window.__pwned=1</script><b>bold</b> & <i>more</i>';
    const view = toTileView(
      aiTile({ name: 'xss', title, description, tags: ['<script>'] }),
    );
    const { container } = await renderTile(view);

    expect(screen.getByRole('link', { name: title })).toHaveTextContent(title);
    expect(screen.getByText(description)).toBeInTheDocument();
    expect(container.querySelector('script')).toBeNull();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('b')).toBeNull();
    expect((window as any).__pwned).toBeUndefined();
  });

  it('has a separately focusable star button that reflects the state', async () => {
    const view = toTileView(aiTile({ name: 'email', title: 'Email drafter' }));
    const { onToggleFavourite, onOpen } = await renderTile(view);

    const star = screen.getByRole('button', {
      name: 'Add Email drafter to favourites',
    });
    expect(star).toHaveAttribute('aria-pressed', 'false');

    await userEvent.tab();
    expect(screen.getByRole('link', { name: 'Email drafter' })).toHaveFocus();
    await userEvent.tab();
    expect(star).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    expect(onToggleFavourite).toHaveBeenCalledWith(view);
    expect(onOpen).not.toHaveBeenCalled();
  });

  it('shows a favourite as pressed with a remove label', async () => {
    const view = toTileView(aiTile({ name: 'email', title: 'Email drafter' }));
    await renderTile(view, { isFavourite: true });
    expect(
      screen.getByRole('button', {
        name: 'Remove Email drafter from favourites',
      }),
    ).toHaveAttribute('aria-pressed', 'true');
  });

  it('keeps its test id, uses the DOM id prefix and link test id it is given', async () => {
    const view = toTileView(
      aiTile({
        name: 'open-chat',
        title: 'Open Chat',
        description: 'Chat with the models.',
        type: 'ai-chat',
        runner: 'chat',
        launchUrl: 'https://chat.example.com/',
      }),
    );
    await renderTile(view, {
      featured: true,
      linkTestId: 'ai-tile-open-chat-link',
      idPrefix: 'ai-tiles-recent',
    });
    expect(screen.getByTestId('ai-tile-open-chat')).toBeInTheDocument();
    expect(
      document.getElementById('ai-tiles-recent-default-open-chat-description'),
    ).toHaveTextContent('Chat with the models.');
    expect(screen.getByTestId('ai-tile-open-chat-link')).toHaveAttribute(
      'href',
      'https://chat.example.com/',
    );
  });
});
