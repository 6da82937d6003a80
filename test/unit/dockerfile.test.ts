// deploy/Dockerfile's build stage runs `npm ci`, which runs `npm run build`: every directory the
// build reads must be copied into the stage, or the image cannot be built. CI has no container
// runtime, so the list is checked against what the build reads: the TypeScript the build's
// tsconfig includes and the scripts package.json's build steps run.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const read = (f: string) => readFileSync(join(root, f), 'utf8');

/** The top-level directories the build stage copies (COPY <dir> <dir>, before the runtime FROM). */
function copied(): Set<string> {
  const build = read('deploy/Dockerfile').split(/^FROM /m)[1];
  const dirs = new Set<string>();
  for (const m of build.matchAll(/^COPY (?!--from)(.+)$/gm)) {
    const words = m[1].trim().split(/\s+/);
    for (const w of words.slice(0, -1)) dirs.add(w.split('/')[0]);
  }
  return dirs;
}

/** The top-level directories `npm run build` reads. */
function readByBuild(): Set<string> {
  const dirs = new Set<string>();
  const tsconfig = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
  for (const g of tsconfig.include) dirs.add(g.split('/')[0]);
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  const steps = ['build', 'build:wasm', 'build:ts', 'build:ui'].map((k) => scripts[k]).join(' && ');
  for (const m of steps.matchAll(/\bnode ([\w.-]+)\//g)) dirs.add(m[1]);
  dirs.add('bin'); // package.json "bin"
  return dirs;
}

describe('deploy/Dockerfile', () => {
  it('copies every directory `npm run build` reads into the build stage', () => {
    const missing = [...readByBuild()].filter((d) => !copied().has(d));
    expect(missing).toEqual([]);
  });

  it('reads the build steps it checks (the check itself sees model/, scripts/ and ui/)', () => {
    expect([...readByBuild()].sort()).toEqual(expect.arrayContaining(['core-wasm', 'model', 'scripts', 'service', 'ui']));
  });
});
