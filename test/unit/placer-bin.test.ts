// bin/placer.js runs the bundled CLI (scripts/bundle-cli.mjs) unless it is older than the compiled
// entry or tsc's build info — a `tsc` alone since the last bundle, which may have rewritten other
// modules only — and says "not built" without the entry. Shown on a copy of the launcher in a temp
// package whose two entries print which one ran.

import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const launcher = join(import.meta.dirname, '..', '..', 'bin', 'placer.js');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A temp package with bin/placer.js and the entries named (each prints its name), modified at the given seconds. */
function pkg(entries: Record<string, number>): string {
  const root = mkdtempSync(join(tmpdir(), 'placer-bin-'));
  dirs.push(root);
  mkdirSync(join(root, 'bin'));
  copyFileSync(launcher, join(root, 'bin', 'placer.js'));
  writeFileSync(join(root, 'package.json'), '{"type":"module"}\n');
  for (const [rel, seconds] of Object.entries(entries)) {
    const file = join(root, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `process.stdout.write(${JSON.stringify(rel)});\n`);
    utimesSync(file, seconds, seconds);
  }
  return root;
}

const run = (root: string) => spawnSync(process.execPath, [join(root, 'bin', 'placer.js')], { encoding: 'utf8' });
const MODULES = 'dist/service/cli/main.js';
const BUNDLE = 'dist/bundle/service/cli/main.js';
const BUILD_INFO = 'dist/tsconfig.build.tsbuildinfo';

describe('bin/placer.js', () => {
  it('runs the bundle when it is as new as the compiled entry or newer', () => {
    expect(run(pkg({ [MODULES]: 1000, [BUNDLE]: 1000 })).stdout).toBe(BUNDLE);
    expect(run(pkg({ [MODULES]: 1000, [BUNDLE]: 2000 })).stdout).toBe(BUNDLE);
  });

  it('runs the compiled modules when the bundle is older (tsc ran since) or absent', () => {
    expect(run(pkg({ [MODULES]: 2000, [BUNDLE]: 1000 })).stdout).toBe(MODULES);
    expect(run(pkg({ [MODULES]: 1000 })).stdout).toBe(MODULES);
  });

  it('runs the compiled modules when tsc wrote its build info since the bundle, the entry untouched (an incremental build)', () => {
    expect(run(pkg({ [MODULES]: 1000, [BUNDLE]: 2000, [BUILD_INFO]: 3000 })).stdout).toBe(MODULES);
    expect(run(pkg({ [MODULES]: 1000, [BUNDLE]: 3000, [BUILD_INFO]: 2000 })).stdout).toBe(BUNDLE);
  });

  it('says it is not built, exit 2, without the compiled entry', () => {
    const r = run(pkg({ [BUNDLE]: 1000 }));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('not built yet');
  });
});
