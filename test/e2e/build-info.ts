// The git commit `npm run build` recorded in dist/build-info.json (scripts/build-info.mjs), checked
// to be a commit of this repository; '' outside a git checkout.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

export function builtCommit(): string {
  const info = JSON.parse(readFileSync(join(root, 'dist', 'build-info.json'), 'utf8')) as { gitCommit: string };
  const inGit = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).status === 0;
  if (!inGit) return '';
  expect(info.gitCommit).toMatch(/^[0-9a-f]{40}$/);
  expect(spawnSync('git', ['cat-file', '-e', `${info.gitCommit}^{commit}`], { cwd: root }).status).toBe(0);
  return info.gitCommit;
}
