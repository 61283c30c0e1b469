#!/usr/bin/env node
/*
 * Demo mode: the portal on its embedded defaults plus the repository's
 * LiteLLM stand-in (packages/litellm-standin), so every page is lit without
 * a real LiteLLM. Generates a throw-away master key and encryption secret for
 * this run only; nothing is written to disk.
 *
 *   yarn start:demo      → http://localhost:3000 (stand-in on :4000)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const env = {
  ...process.env,
  LITELLM_STANDIN_PORT: process.env.LITELLM_STANDIN_PORT ?? '4000',
  LITELLM_MASTER_KEY: `sk-demo-${randomBytes(16).toString('hex')}`,
  AI_PORTAL_ENCRYPTION_SECRET: randomBytes(32).toString('base64'),
};

const children = [];
function run(name, args) {
  const child = spawn('yarn', args, { cwd: root, env, stdio: 'inherit' });
  child.on('exit', code => {
    console.log(`[demo] ${name} exited (${code}); stopping the demo`);
    stop(code ?? 1);
  });
  children.push(child);
}

function stop(code) {
  for (const child of children) {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
  process.exit(code);
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

console.log(
  '[demo] starting the LiteLLM stand-in (a test double, not LiteLLM) and the portal',
);
run('LiteLLM stand-in', ['workspace', '@internal/litellm-standin', 'start']);
run('portal', [
  'start',
  '--config',
  join(root, 'app-config.yaml'),
  '--config',
  join(root, 'app-config.demo.yaml'),
]);
