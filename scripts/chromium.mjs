/*
 * Finds the Chromium that the end-to-end tests and benchmarks drive.
 * Playwright's own browser download is never used: set CHROMIUM_PATH, or
 * install a system Chromium (Debian: `apt-get install chromium`).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = [
  'chromium',
  'chromium-browser',
  'google-chrome-stable',
  'google-chrome',
];

/** @returns {string} path of the Chromium binary */
export function findChromium() {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) {
    if (!existsSync(configured)) {
      throw new Error(`CHROMIUM_PATH=${configured} does not exist`);
    }
    return configured;
  }
  for (const name of CANDIDATES) {
    try {
      return execFileSync('which', [name], { encoding: 'utf8' }).trim();
    } catch {
      // try the next name
    }
  }
  throw new Error(
    `No Chromium found: set CHROMIUM_PATH or put one of ${CANDIDATES.join(
      ', ',
    )} on PATH`,
  );
}

/** Flags for headless Chromium on a machine with a closed network, run as root in CI. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
