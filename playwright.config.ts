import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './scripts/chromium.mjs';

/**
 * End-to-end tests in a real Chromium against the running portal. The backend
 * serves the production build of the frontend (run `yarn workspace app build`
 * first; `yarn test:all` does). See README "Tests".
 */
const PORTAL_URL = process.env.PLAYWRIGHT_URL ?? 'http://localhost:7007';

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
  webServer: process.env.PLAYWRIGHT_URL
    ? undefined
    : {
        command:
          'yarn workspace backend start --config ../../app-config.yaml --config ../../app-config.e2e.yaml',
        url: `${PORTAL_URL}/.backstage/health/v1/readiness`,
        reuseExistingServer: !process.env.CI,
        timeout: 120_000,
        stdout: 'ignore',
        stderr: 'pipe',
      },
  projects: [
    {
      name: 'portal',
      testDir: 'packages/app/e2e-tests',
      use: { baseURL: PORTAL_URL },
    },
  ],
});
