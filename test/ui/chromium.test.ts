// Where the console's tests and benchmark find Chromium (scripts/chromium.ts), and the README's
// promise that `npm ci && npm test` needs no system Chromium: a child process with the system's
// Chromium hidden and PLACER_CHROMIUM unset finds the npm package's, launches it and renders a page.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ChromiumSource, findChromium } from '../../scripts/chromium.js';
import { root } from './browser.js';

const dir = mkdtempSync(join(tmpdir(), 'placer-chromium-test-'));
const fake = join(dir, 'chrome');
const other = join(dir, 'other-chrome');
writeFileSync(fake, '');
writeFileSync(other, '');
const missing = join(dir, 'missing');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('findChromium', () => {
  const cases: { name: string; env: NodeJS.ProcessEnv; systemPaths: string[]; source: ChromiumSource; path?: string }[] = [
    {
      name: 'PLACER_CHROMIUM first, before the system',
      env: { PLACER_CHROMIUM: other },
      systemPaths: [fake],
      source: 'PLACER_CHROMIUM',
      path: other,
    },
    { name: 'the first system path that exists', env: {}, systemPaths: [missing, fake, other], source: 'system', path: fake },
    { name: 'an empty PLACER_CHROMIUM is unset', env: { PLACER_CHROMIUM: '' }, systemPaths: [fake], source: 'system', path: fake },
    { name: 'PLACER_NO_SYSTEM_CHROMIUM=1 hides the system', env: { PLACER_NO_SYSTEM_CHROMIUM: '1' }, systemPaths: [fake], source: 'npm' },
    { name: 'no system Chromium: the npm package', env: {}, systemPaths: [missing], source: 'npm' },
    {
      name: 'PLACER_CHROMIUM wins over the switch',
      env: { PLACER_CHROMIUM: fake, PLACER_NO_SYSTEM_CHROMIUM: '1' },
      systemPaths: [],
      source: 'PLACER_CHROMIUM',
      path: fake,
    },
  ];
  it.each(cases)('$name', async ({ env, systemPaths, source, path }) => {
    const found = await findChromium({ env, systemPaths });
    expect(found.source).toBe(source);
    if (path) expect(found.executablePath).toBe(path);
    if (source === 'npm') {
      expect(found.executablePath).toMatch(/placer-chromium-143\.[\d.]+-\d+\/chromium$/);
      expect(found.args).toContain('--no-sandbox');
    }
  });

  it('a PLACER_CHROMIUM naming no file is an error, not a fallback', async () => {
    await expect(findChromium({ env: { PLACER_CHROMIUM: missing }, systemPaths: [fake] })).rejects.toThrow(
      `PLACER_CHROMIUM=${missing}: no such file`,
    );
  });
});

describe('npm test on a machine without a system Chromium', () => {
  it('finds the npm Chromium, launches it and renders a page (child process, system Chromium hidden, PLACER_CHROMIUM unset)', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PLACER_NO_SYSTEM_CHROMIUM: '1' };
    delete env.PLACER_CHROMIUM;
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'test', 'ui', 'chromium-probe.ts')], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as {
      source: string;
      executablePath: string;
      version: string;
      text: string;
      width: number;
      screenshot: number;
    };
    expect(out.source).toBe('npm');
    expect(out.executablePath.startsWith('/usr/')).toBe(false);
    expect(out.version).toMatch(/^143\./);
    expect(out.text).toBe('placer console probe');
    expect(out.width).toBeGreaterThan(100);
    expect(out.screenshot).toBeGreaterThan(1000);
  });
});
