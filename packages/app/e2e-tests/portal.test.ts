import { expect, Page, test } from '@playwright/test';

const APPS = [
  'contract-summarizer',
  'document-summarizer',
  'email-drafter',
  'invoice-extractor',
  'legal-notice-check',
  'translator',
];

/** Fails the test if any catalog text managed to run script. */
async function expectNoScriptRan(page: Page) {
  expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
}

async function signInAsGuest(page: Page) {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await expect(page.getByTestId('ai-tiles-grid')).toBeVisible();
}

test.describe('AI tiles page', () => {
  test.beforeEach(async ({ page }) => {
    page.on('dialog', dialog => {
      throw new Error(`Unexpected dialog: ${dialog.message()}`);
    });
    await signInAsGuest(page);
  });

  test('shows the AI apps with the Open Chat tile first', async ({ page }) => {
    const grid = page.getByTestId('ai-tiles-grid');
    for (const name of APPS) {
      await expect(grid.getByTestId(`ai-tile-${name}`)).toBeVisible();
    }
    await expect(
      grid.locator('[data-testid^="ai-tile-"]').first(),
    ).toHaveAttribute('data-testid', /ai-tile-open-chat/);
    // Hostile or invalid entities (e2e/catalog/hostile.yaml) never render.
    await expect(page.locator('[data-testid^="ai-tile-hostile"]')).toHaveCount(
      0,
    );
    await expect(page.getByText('Free money')).toHaveCount(0);
    await expectNoScriptRan(page);
  });

  test('tile descriptions show up to two lines and the whole text on hover', async ({
    page,
  }) => {
    const grid = page.getByTestId('ai-tiles-grid');
    const layout = (name: string) =>
      grid
        .getByTestId(`ai-tile-${name}`)
        .locator('[id$="-description"]')
        .evaluate(el => ({
          lines: el.clientHeight / parseFloat(getComputedStyle(el).lineHeight),
          clipped: el.scrollHeight > el.clientHeight + 1,
          title: el.getAttribute('title'),
        }));
    // The longest description is cut after its second line, not its first.
    const long = await layout('invoice-extractor');
    expect(long.clipped).toBe(true);
    expect(Math.round(long.lines)).toBe(2);
    expect(long.title).toBe(
      'Extracts supplier, dates, amounts and line items from an invoice into a table you can paste into the ERP.',
    );
    // The wide Open Chat tile has room for all of its own.
    const chat = await layout('open-chat');
    expect(chat.clipped).toBe(false);
  });

  test('search narrows the tiles as you type', async ({ page }) => {
    const search = page.getByRole('textbox', { name: 'Search AI apps' });
    await search.fill('invoice');
    await expect(page.getByTestId('ai-tile-invoice-extractor')).toBeVisible();
    await expect(page.getByTestId('ai-tile-translator')).toHaveCount(0);
    await expect(page.getByTestId('ai-tile-legal-notice-check')).toHaveCount(0);

    // Tags are searchable too.
    await search.fill('compliance');
    await expect(page.getByTestId('ai-tile-legal-notice-check')).toBeVisible();
    await expect(page.getByTestId('ai-tile-invoice-extractor')).toHaveCount(0);

    await search.fill('');
    await expect(page.getByTestId('ai-tile-translator')).toBeVisible();
  });

  test('category chips filter the tiles', async ({ page }) => {
    await page.getByRole('button', { name: 'legal', exact: true }).click();
    await expect(page.getByTestId('ai-tile-legal-notice-check')).toBeVisible();
    await expect(page.getByTestId('ai-tile-contract-summarizer')).toBeVisible();
    await expect(page.getByTestId('ai-tile-translator')).toHaveCount(0);
    await expect(page.getByTestId('ai-tile-invoice-extractor')).toHaveCount(0);
  });

  test('a favourite survives a reload', async ({ page }) => {
    await page
      .getByRole('button', { name: 'Add Translator to favourites' })
      .click();
    const favourites = page.getByRole('region', { name: 'Favourites' });
    await expect(favourites.getByTestId('ai-tile-translator')).toBeVisible();

    await page.reload();
    await expect(
      page
        .getByRole('region', { name: 'Favourites' })
        .getByTestId('ai-tile-translator'),
    ).toBeVisible();

    // Clean up for the other tests.
    await page
      .getByRole('region', { name: 'Favourites' })
      .getByRole('button', { name: 'Remove Translator from favourites' })
      .click();
    await expect(page.getByRole('region', { name: 'Favourites' })).toHaveCount(
      0,
    );
  });

  test('the Open Chat tile points at the configured chat URL in a new tab', async ({
    page,
  }) => {
    const link = page.getByTestId('ai-tile-open-chat-link');
    await expect(link).toHaveAttribute(
      'href',
      'http://chat.e2e.localhost:8080/',
    );
    await expect(link).toHaveAttribute('target', '_blank');
    await expect(link).toHaveAttribute('rel', /noopener/);
  });

  test('a Dify app opens its page in the portal', async ({ page }) => {
    await page
      .getByTestId('ai-tile-legal-notice-check')
      .getByRole('link')
      .first()
      .click();
    await expect(page).toHaveURL(/\/ai\/apps\/default\/legal-notice-check$/);
    await expect(
      page.getByRole('heading', { name: 'Legal notice check' }),
    ).toBeVisible();
    await expect(page.getByText('production', { exact: true })).toBeVisible();
    await expect(
      page.getByRole('link', { name: 'How to use Legal notice check' }),
    ).toHaveAttribute(
      'href',
      'https://docs.example.com/ai/apps/legal-notice-check',
    );
  });

  test('the acceptable-use banner leads to the versioned policy', async ({
    page,
  }) => {
    await page
      .getByRole('link', { name: /acceptable.use/i })
      .first()
      .click();
    await expect(page).toHaveURL(/\/ai\/policy$/);
    await expect(
      page.getByRole('heading', {
        name: 'Acceptable use of AI at Example Company',
      }),
    ).toBeVisible();
    await expect(page.getByText(/2026-11/)).toBeVisible();
  });

  test('owners see why the catalog refuses their AI apps', async ({ page }) => {
    // hostile-unknown-runner is owned by group:default/employees, the guest's group;
    // the other broken entities belong to legal and are not listed for the guest.
    const panel = page.getByTestId('ai-tiles-entity-problems');
    await panel
      .getByRole('button', { name: /1 of your team's AI app is not shown/ })
      .click();
    await expect(panel).toContainText(
      'component:default/hostile-unknown-runner',
    );
    await expect(
      panel.getByText(
        'metadata.annotations["ai-portal/runner"]: is required and must be one of dify, link, chat',
        { exact: false },
      ),
    ).toBeVisible();
    await expect(panel).not.toContainText('hostile-script-link');
  });
});
