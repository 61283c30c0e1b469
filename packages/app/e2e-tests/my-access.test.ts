import { expect, test } from '@playwright/test';

// Runs against the LiteLLM stand-in started by playwright.config.ts.
test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test('an employee accepts the policy, sees budget and key, reveals and rotates it', async ({
  page,
}) => {
  await page.goto('/');
  await page.getByRole('button', { name: 'Enter' }).click();
  await page.getByRole('link', { name: 'My AI access' }).first().click();
  await expect(page).toHaveURL(/\/ai\/me$/);

  // No key before the acceptable-use policy is accepted.
  await expect(page.getByTestId('ai-access-policy-required')).toBeVisible();
  await expect(page.getByTestId('ai-access-masked-key')).toHaveCount(0);
  await page.getByTestId('ai-access-open-policy').click();
  const dialog = page.getByTestId('ai-access-policy-dialog');
  await expect(dialog).toContainText('Acceptable use of AI at Example Company');
  await expect(page.getByTestId('ai-access-policy-version')).toContainText(
    '2026-11',
  );
  await page.getByTestId('ai-access-policy-accept').click();

  // Budget and masked key.
  await expect(page.getByTestId('ai-access-budget-meter')).toBeVisible();
  await expect(page.getByTestId('ai-access-budget-text')).toContainText(
    '$50.00',
  );
  const masked = page.getByTestId('ai-access-masked-key');
  await expect(masked).toHaveText(/^sk-\.\.\.[A-Za-z0-9_-]{4}$/);
  const maskedBefore = (await masked.textContent())!;
  await expect(page.getByTestId('ai-access-policy-status')).toContainText(
    '2026-11',
  );

  // Reveal: the raw key ends like the masked one.
  await page.getByTestId('ai-access-reveal-key').click();
  const revealed = page.getByTestId('ai-access-revealed-key');
  await expect(revealed).toBeVisible();
  const raw = (await revealed
    .inputValue()
    .catch(() => revealed.textContent()))!;
  expect(raw.startsWith('sk-')).toBe(true);
  expect(raw.slice(-4)).toBe(maskedBefore.slice(-4));

  // Rotate: confirmation, then a different key.
  await page.getByTestId('ai-access-rotate-key').click();
  await page.getByTestId('ai-access-rotate-confirm').click();
  await expect(masked).not.toHaveText(maskedBefore);
  await expect(masked).toHaveText(/^sk-\.\.\.[A-Za-z0-9_-]{4}$/);

  // Copy without revealing: the new key goes to the clipboard, not on screen.
  await expect(revealed).toHaveCount(0);
  await page.getByTestId('ai-access-copy-key').click();
  await expect(
    page.getByText('Your API key was copied to the clipboard.'),
  ).toBeVisible();
  await expect(revealed).toHaveCount(0);
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied.startsWith('sk-')).toBe(true);
  expect(copied).not.toBe(raw);
  expect(copied.slice(-4)).toBe((await masked.textContent())!.slice(-4));

  // The examples point at the configured LiteLLM URL and never contain the key.
  const examples = page.getByTestId('ai-access-examples');
  await expect(examples).toContainText('http://localhost:4100');
  await expect(examples).not.toContainText(raw);
});
