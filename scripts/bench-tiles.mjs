#!/usr/bin/env node
/*
 * Tiles page benchmark (issue: "Speed"). Loads a catalog of 2,000 AI app
 * entities plus 20,000 other components, serves the production build of the
 * frontend from the backend, and measures in Chromium:
 *   - the catalog request the tiles page makes (filter and fields),
 *   - time from navigation to the first tiles being visible,
 *   - time from a search keystroke to the updated grid being painted.
 * Prints the figures; asserts nothing. Needs `yarn workspace app build` first.
 *
 *   yarn bench:tiles [--ai-apps 2000] [--components 20000] [--runs 5]
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'packages/backend/package.json'));
const { chromium } = require('@playwright/test');

const { values: args } = parseArgs({
  options: {
    'ai-apps': { type: 'string', default: '2000' },
    components: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '5' },
    port: { type: 'string', default: '7321' },
  },
});
const AI_APPS = Number(args['ai-apps']);
const COMPONENTS = Number(args.components);
const RUNS = Number(args.runs);
const PORT = Number(args.port);
const BASE = `http://localhost:${PORT}`;

const CATEGORIES = [
  'legal',
  'finance',
  'hr',
  'sales',
  'engineering',
  'support',
  'marketing',
  'documents',
  'writing',
  'language',
];
const ICONS = [
  'gavel',
  'receipt',
  'description',
  'summarize',
  'email',
  'translate',
  'code',
  'search',
];
const WORDS = [
  'summary',
  'contract',
  'invoice',
  'email',
  'report',
  'translation',
  'review',
  'policy',
  'ticket',
  'forecast',
];

function uuid(i) {
  const hex = i.toString(16).padStart(12, '0');
  return `00000000-0000-4000-8000-${hex}`;
}

function catalogYaml() {
  const docs = [];
  for (let i = 0; i < AI_APPS; i++) {
    const word = WORDS[i % WORDS.length];
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ai-app-${i}
  title: "${word[0].toUpperCase()}${word.slice(1)} assistant ${i}"
  description: "Helps with ${word} work for team ${
      i % 97
    }; generated for the benchmark."
  tags: [${word}, bench]
  annotations:
    ai-portal/runner: dify
    ai-portal/dify-app: ${uuid(i)}
    ai-portal/category: ${CATEGORIES[i % CATEGORIES.length]}
    ai-portal/icon: ${ICONS[i % ICONS.length]}
spec:
  type: ai-app
  lifecycle: ${i % 7 === 0 ? 'experimental' : 'production'}
  owner: group:default/legal
`);
  }
  for (let i = 0; i < COMPONENTS; i++) {
    docs.push(`apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: service-${i}
  description: "Ordinary service ${i}"
spec:
  type: service
  lifecycle: production
  owner: group:default/legal
`);
  }
  return docs.join('---\n');
}

const sleep = ms => new Promise(r => setTimeout(r, ms));
const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  ];
};
const fmt = ms => `${ms.toFixed(1)} ms`;

async function waitForCatalog(token, expected) {
  const started = Date.now();
  for (;;) {
    const res = await fetch(
      `${BASE}/api/catalog/entities/by-query?filter=kind=component&limit=1`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    ).catch(() => undefined);
    const total = res?.ok ? (await res.json()).totalItems : 0;
    process.stdout.write(
      `\r  catalog: ${total}/${expected} components (${Math.round(
        (Date.now() - started) / 1000,
      )} s)`,
    );
    if (total >= expected) {
      process.stdout.write('\n');
      return;
    }
    await sleep(2000);
  }
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'ai-portal-bench-'));
  const catalogFile = join(dir, 'catalog.yaml');
  const configFile = join(dir, 'app-config.bench.yaml');
  console.log(`Generating ${AI_APPS} AI apps + ${COMPONENTS} other components`);
  await writeFile(catalogFile, catalogYaml());
  await writeFile(
    configFile,
    JSON.stringify({
      app: { baseUrl: BASE },
      backend: {
        baseUrl: BASE,
        listen: { port: PORT },
        cors: { origin: BASE },
      },
      catalog: {
        processingInterval: { minutes: 30 },
        rules: [{ allow: ['Component', 'Location', 'User', 'Group'] }],
        locations: [
          { type: 'file', target: join(root, 'catalog/org.yaml') },
          { type: 'file', target: catalogFile },
        ],
      },
    }),
  );

  const backend = spawn(
    process.execPath,
    [
      '--require',
      require.resolve('@backstage/cli-node/config/nodeTransform.cjs'),
      'src/index.ts',
      '--config',
      join(root, 'app-config.yaml'),
      '--config',
      configFile,
    ],
    {
      cwd: join(root, 'packages/backend'),
      env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );

  let browser;
  try {
    for (let i = 0; ; i++) {
      if (backend.exitCode !== null) throw new Error('backend exited');
      const ok = await fetch(`${BASE}/.backstage/health/v1/readiness`).then(
        r => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 240) throw new Error('backend not ready after 120 s');
      await sleep(500);
    }
    const guest = await (
      await fetch(`${BASE}/api/auth/guest/refresh?env=development`, {
        headers: { 'x-requested-with': 'XMLHttpRequest' },
      })
    ).json();
    await waitForCatalog(guest.backstageIdentity.token, AI_APPS + COMPONENTS);

    const { findChromium, CHROMIUM_ARGS } = await import('./chromium.mjs');
    browser = await chromium.launch({
      executablePath: findChromium(),
      args: CHROMIUM_ARGS,
    });
    const page = await browser.newPage({
      viewport: { width: 1440, height: 900 },
    });
    const catalogRequests = [];
    page.on('request', req => {
      if (req.url().includes('/api/catalog/entities'))
        catalogRequests.push(req.url());
    });
    const catalogResponses = [];
    page.on('response', async res => {
      if (res.url().includes('/api/catalog/entities')) {
        const body = await res.body().catch(() => Buffer.alloc(0));
        catalogResponses.push({ url: res.url(), bytes: body.length });
      }
    });

    await page.goto(BASE);
    await page.getByRole('button', { name: 'Enter' }).click();
    await page.getByTestId('ai-tiles-grid').waitFor();

    // Time to first tiles: a fresh navigation to the tiles page each run.
    const firstTiles = [];
    for (let run = 0; run < RUNS; run++) {
      await page.goto('about:blank');
      catalogRequests.length = 0;
      const start = Date.now();
      await page.goto(BASE);
      await page
        .locator('[data-testid^="ai-tile-ai-app-"]')
        .first()
        .waitFor({ state: 'visible' });
      firstTiles.push(Date.now() - start);
    }
    const rendered = await page.locator('[data-testid^="ai-tile-"]').count();

    // Search keystrokes: keydown → grid mutated → next frame painted, measured in the page.
    const search = page.getByRole('textbox', { name: 'Search AI apps' });
    await search.click();
    const keystrokes = [];
    for (const key of [
      's',
      'u',
      'm',
      'm',
      'Backspace',
      'Backspace',
      'Backspace',
      'Backspace',
      'i',
      'n',
      'v',
      'Backspace',
      'Backspace',
      'Backspace',
    ]) {
      await page.evaluate(() => {
        const w = window;
        w.__bench = { start: 0, painted: 0 };
        const grid =
          document.querySelector('[data-testid="ai-tiles-page"]') ??
          document.body;
        document.addEventListener(
          'keydown',
          () => {
            w.__bench.start = performance.now();
          },
          { once: true, capture: true },
        );
        const observer = new MutationObserver(() => {
          observer.disconnect();
          requestAnimationFrame(() =>
            setTimeout(() => {
              w.__bench.painted = performance.now();
            }, 0),
          );
        });
        observer.observe(grid, {
          childList: true,
          subtree: true,
          characterData: true,
        });
      });
      await page.keyboard.press(key);
      await page.waitForFunction(() => window.__bench.painted > 0, undefined, {
        timeout: 10_000,
      });
      keystrokes.push(
        await page.evaluate(
          () => window.__bench.painted - window.__bench.start,
        ),
      );
    }

    console.log('\nTiles page benchmark');
    console.log(
      `  catalog: ${AI_APPS} AI apps + ${COMPONENTS} other components; Chromium headless, 1440x900`,
    );
    console.log(`  catalog requests on one page load:`);
    for (const { url, bytes } of catalogResponses.slice(
      -catalogRequests.length || -1,
    )) {
      console.log(
        `    ${decodeURIComponent(url.replace(BASE, ''))}  (${(
          bytes / 1024
        ).toFixed(0)} KiB)`,
      );
    }
    console.log(
      `  first tiles visible after navigation (${RUNS} runs): p50 ${fmt(
        pct(firstTiles, 50),
      )}, max ${fmt(Math.max(...firstTiles))}  [target ≤ 2000 ms]`,
    );
    console.log(`  tiles in the DOM after load: ${rendered}`);
    console.log(
      `  search keystroke → painted (${keystrokes.length} keys): p50 ${fmt(
        pct(keystrokes, 50),
      )}, p95 ${fmt(pct(keystrokes, 95))}, max ${fmt(
        Math.max(...keystrokes),
      )}  [target ≤ 100 ms]`,
    );
  } finally {
    await browser?.close();
    backend.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
