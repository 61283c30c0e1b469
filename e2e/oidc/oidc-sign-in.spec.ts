/**
 * Company SSO sign-in against a real OpenID provider (see harness.ts).
 *
 * jane.doe (legal ⊂ employees) gets in as user:default/jane.doe and gets
 * her AI key from her catalog profile (the LiteLLM stand-in records it);
 * carl (contractors) and nobody@ (no User entity) see why they can't.
 */
import { expect, Page, test } from '@playwright/test';
import { accounts, IdpAccount, LEGAL_BUDGET } from './accounts';

const baseURL = process.env.OIDC_E2E_BASE_URL;

test.use({ baseURL });

test.beforeAll(() => {
  if (!baseURL) {
    throw new Error(
      'OIDC_E2E_BASE_URL is not set: run this test with its own config, e2e/oidc/playwright.config.ts, whose global setup starts the portal and the OpenID provider',
    );
  }
});

const JWT = /eyJ[\w-]+\.[\w-]+\./;

async function openSignInPage(page: Page) {
  await page.goto('/');
  await expect(
    page.getByText('Company SSO'),
    'the sign-in page should offer "Company SSO"; is authModule in packages/app/src/App.tsx and was the app rebuilt?',
  ).toBeVisible();
}

/** Clicks Company SSO and signs in at the OpenID provider in the popup. */
async function signInWithSso(page: Page, account: IdpAccount) {
  await openSignInPage(page);
  const popupOpened = page.waitForEvent('popup', { timeout: 15_000 });
  await page.getByRole('button', { name: 'Sign In' }).click();
  const popup = await popupOpened;
  await expect(popup.getByLabel('E-mail')).toBeVisible();
  await popup.getByLabel('E-mail').fill(account.email);
  await popup.getByLabel('Password').fill(account.password);
  const closed = popup.waitForEvent('close', { timeout: 30_000 });
  await popup.getByRole('button', { name: 'Sign in' }).click();
  await closed; // the portal's callback posts the result and closes the popup
}

/** The Backstage session behind the refresh cookie, as the app reads it. */
async function refreshSession(page: Page) {
  return page.request.get('/api/auth/oidc/refresh?optional&env=production', {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
}

async function expectRefusal(page: Page, message: string) {
  const alert = page.getByText(message);
  await expect(alert).toBeVisible();
  const text = (await alert.first().textContent()) ?? '';
  expect(text).not.toMatch(JWT);
  // still on the sign-in page, no session
  await expect(page.getByText('Company SSO')).toBeVisible();
  expect((await refreshSession(page)).ok()).toBe(false);
}

test('production offers only company SSO, and guest sign-in is refused', async ({
  page,
}) => {
  await openSignInPage(page);
  await expect(page.getByText('Guest', { exact: true })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Sign In' })).toHaveCount(1);

  // The guest provider stays configured (app-config.yaml) but refuses
  // outside NODE_ENV=development.
  const guest = await page.request.get('/api/auth/guest/refresh', {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  expect(guest.ok()).toBe(false);
});

test('an employee in an allowed group signs in as their catalog user', async ({
  page,
}) => {
  await signInWithSso(page, accounts.jane);

  // The sign-in page is gone: the portal is open.
  await expect(page.getByText('Company SSO')).toBeHidden();

  // The session belongs to the catalog user found by e-mail (the IdP sends
  // "Jane.Doe@Example.com"; the catalog has jane.doe@example.com).
  const res = await refreshSession(page);
  expect(res.status()).toBe(200);
  const session = await res.json();
  expect(session.backstageIdentity.identity).toMatchObject({
    type: 'user',
    userEntityRef: 'user:default/jane.doe',
  });
  expect(session.backstageIdentity.identity.ownershipEntityRefs).toEqual(
    expect.arrayContaining(['user:default/jane.doe', 'group:default/legal']),
  );
  expect(session.profile).toMatchObject({
    email: accounts.jane.email,
    displayName: 'Jane Doe',
  });

  // A reload keeps the session (refresh runs the sign-in resolver again),
  // and the settings page shows the Backstage identity: jane.doe's User
  // entity and her group.
  await page.goto('/settings');
  const identityCard = page
    .getByText('Backstage Identity')
    .locator('xpath=ancestor::*[contains(@class, "MuiCard-root")][1]');
  await expect(
    identityCard.locator('a[href$="/catalog/default/user/jane.doe"]').first(),
  ).toBeVisible();
  await expect(
    identityCard.locator('a[href$="/catalog/default/group/legal"]').first(),
  ).toBeVisible();
  await expect(page.getByText('Company SSO')).toBeHidden();
});

test('an SSO employee gets their AI key from their catalog profile', async ({
  page,
}) => {
  await signInWithSso(page, accounts.jane);
  await expect(page.getByText('Company SSO')).toBeHidden();

  await page.goto('/ai/me');
  await expect(page.getByTestId('ai-access-policy-required')).toBeVisible();
  await page.getByTestId('ai-access-open-policy').click();
  await page.getByTestId('ai-access-policy-accept').click();

  // The legal group's budget (the nearest override), and a key.
  await expect(page.getByTestId('ai-access-budget-text')).toContainText(
    `$${LEGAL_BUDGET}.00`,
  );
  await expect(page.getByTestId('ai-access-masked-key')).toHaveText(
    /^sk-\.\.\.[A-Za-z0-9_-]{4}$/,
  );

  // LiteLLM got the employee as the catalog has them: id, e-mail, budget.
  const res = await page.request.get(
    `${process.env.OIDC_E2E_LITELLM_URL}/__standin/state`,
    {
      headers: {
        authorization: `Bearer ${process.env.OIDC_E2E_LITELLM_MASTER_KEY}`,
      },
    },
  );
  expect(res.ok()).toBe(true);
  const state = await res.json();
  const jane = 'user:default/jane.doe';
  expect(
    state.users.filter((u: { user_id: string }) => u.user_id === jane),
  ).toEqual([
    expect.objectContaining({
      user_email: 'jane.doe@example.com',
      max_budget: LEGAL_BUDGET,
      budget_duration: '1mo',
    }),
  ]);
  expect(
    state.keys.filter((k: { user_id: string }) => k.user_id === jane),
  ).toEqual([
    expect.objectContaining({ key_alias: 'ai-portal/user/default/jane.doe' }),
  ]);
});

test('an employee outside the allowed groups sees why they are refused', async ({
  page,
}) => {
  await signInWithSso(page, accounts.carl);
  await expectRefusal(
    page,
    'carl.contractor@example.com is not in a group allowed to use the AI portal',
  );
});

test('someone without an employee profile sees why they are refused', async ({
  page,
}) => {
  await signInWithSso(page, accounts.nobody);
  await expectRefusal(
    page,
    'No employee profile found for nobody@example.com; ask the AI platform team to add you to the catalog',
  );
});
