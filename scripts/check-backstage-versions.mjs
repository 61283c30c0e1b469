#!/usr/bin/env node
/*
 * Every @backstage/* package must resolve to exactly one version: two versions
 * of one package mean two release lines are mixed (the repository is held on
 * the line in backstage.json; upgrade with `yarn backstage-cli versions:bump`).
 */
import { readFileSync } from 'node:fs';

const lock = readFileSync(new URL('../yarn.lock', import.meta.url), 'utf8');
const versions = new Map();
for (const match of lock.matchAll(
  /^"?(@backstage\/[^@\s]+)@npm:[^\n]*:\n {2}version: (\S+)/gm,
)) {
  const [, name, version] = match;
  versions.set(name, (versions.get(name) ?? new Set()).add(version));
}
if (versions.size === 0) {
  // A lockfile format this parser does not know would otherwise pass.
  console.error('No @backstage packages found in yarn.lock: cannot check');
  process.exit(1);
}
const mixed = [...versions].filter(([, v]) => v.size > 1);
const release = JSON.parse(
  readFileSync(new URL('../backstage.json', import.meta.url), 'utf8'),
).version;
if (mixed.length > 0) {
  for (const [name, v] of mixed) console.error(`${name}: ${[...v].join(', ')}`);
  console.error(
    `\n${mixed.length} @backstage package(s) resolve to more than one version (release line ${release})`,
  );
  process.exit(1);
}
console.log(
  `${versions.size} @backstage packages, one version each (release line ${release})`,
);
