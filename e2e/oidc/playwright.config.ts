/**
 * Standalone Playwright config of the OIDC sign-in e2e test:
 *
 *   yarn playwright test -c e2e/oidc/playwright.config.ts
 *
 * The global setup (harness.ts) builds the frontend, starts a real OpenID
 * provider, the LiteLLM stand-in and the portal backend with the production
 * auth config; it fails, never skips, when something can't start. Chromium:
 * CHROMIUM_PATH or the system Chromium (scripts/chromium.mjs).
 */
import { defineConfig } from '@playwright/test';
import path from 'node:path';
import { CHROMIUM_ARGS, findChromium } from '../../scripts/chromium.mjs';

export default defineConfig({
  testDir: __dirname,
  testMatch: '*.spec.ts',
  globalSetup: path.join(__dirname, 'harness.ts'),
  // the harness builds the app (minutes on a small machine) before the tests
  globalTimeout: 30 * 60_000,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  outputDir: path.join(
    __dirname,
    '../../node_modules/.cache/e2e-oidc-test-results',
  ),
  use: {
    browserName: 'chromium',
    headless: true,
    actionTimeout: 20_000,
    navigationTimeout: 30_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
  },
});
