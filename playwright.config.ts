import { defineConfig } from '@playwright/test';
import { randomBytes } from 'node:crypto';
import { CHROMIUM_ARGS, findChromium } from './scripts/chromium.mjs';

/**
 * End-to-end tests in a real Chromium against the running portal. The backend
 * serves the production build of the frontend (run `yarn workspace app build`
 * first; `yarn test:all` does). See README "Tests".
 */
const PORTAL_URL = process.env.PLAYWRIGHT_URL ?? 'http://localhost:7007';

// Throw-away secrets for this run, shared by the stand-in and the backend
// (app-config.e2e.yaml). Worker processes inherit them.
process.env.LITELLM_MASTER_KEY ??= `sk-e2e-${randomBytes(16).toString('hex')}`;
process.env.AI_PORTAL_ENCRYPTION_SECRET ??= randomBytes(32).toString('base64');

export default defineConfig({
  timeout: 60_000,
  expect: { timeout: 15_000 },
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'e2e-test-report' }],
  ],
  outputDir: 'node_modules/.cache/e2e-test-results',
  use: {
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
  },
  // Never reuse a server already on a port (e.g. `yarn start` on 7007, or a
  // stand-in from an earlier run): it has another config, master key and
  // state, and the tests would fail for reasons that are not theirs.
  // Playwright says the port is taken instead. PLAYWRIGHT_URL points the
  // tests at a running portal on purpose.
  webServer: process.env.PLAYWRIGHT_URL
    ? undefined
    : [
        {
          // The LiteLLM stand-in (packages/litellm-standin), never a real LiteLLM.
          command: 'yarn workspace @internal/litellm-standin start',
          url: 'http://localhost:4100/health/liveliness',
          env: { LITELLM_STANDIN_PORT: '4100', LITELLM_STANDIN_QUIET: '1' },
          reuseExistingServer: false,
          timeout: 60_000,
        },
        {
          command:
            'yarn workspace backend start --config ../../app-config.yaml --config ../../app-config.e2e.yaml',
          url: `${PORTAL_URL}/.backstage/health/v1/readiness`,
          reuseExistingServer: false,
          timeout: 120_000,
          stdout: 'ignore',
          stderr: 'pipe',
        },
      ],
  projects: [
    {
      name: 'portal',
      testDir: 'packages/app/e2e-tests',
      use: { baseURL: PORTAL_URL },
    },
  ],
});
