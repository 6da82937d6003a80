// Chromium for the web console's browser tests (test/ui/) and benchmark (bench/suites/console.ts),
// found in this order:
//
//   1. PLACER_CHROMIUM: the binary it names (an error when there is none: a name is never ignored);
//   2. the system's: /usr/bin/chromium (Debian's package) and the other usual paths, unless
//      PLACER_NO_SYSTEM_CHROMIUM=1 hides them (CI does: it proves a machine with only Node and npm
//      runs the tests);
//   3. the devDependency @sparticuz/chromium: a headless Chromium inside the npm package (brotli
//      archives), extracted once per package version into a private directory under the temp
//      directory and launched with the package's own flags. It ships its fonts (used through a
//      fontconfig file of our own) and, for machines without them, NSS and expat (used only when
//      the dynamic linker finds no system copy).
//
// Extraction runs in a child process whose TMPDIR is that directory (the package extracts into
// os.tmpdir()), under a lock directory, and ends with a marker file: parallel test workers wait
// for one extraction and never launch a half-written binary.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';

export type ChromiumSource = 'PLACER_CHROMIUM' | 'system' | 'npm';

export interface FoundChromium {
  executablePath: string;
  source: ChromiumSource;
  /** Command-line flags to launch it with. */
  args: string[];
  /** Environment additions for the browser process (the npm Chromium's fonts and libraries). */
  env: Record<string, string>;
}

/** Where distributions install Chromium or Chrome. */
export const SYSTEM_CHROMIUMS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
];

/** Flags for a system Chromium: CI runs as root, where Chromium's sandbox refuses to start. */
const SYSTEM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'];

export interface FindOptions {
  env?: NodeJS.ProcessEnv;
  systemPaths?: readonly string[];
}

/** The Chromium to drive: PLACER_CHROMIUM, else the system's, else the npm package's (see the top of this file). */
export async function findChromium(opts: FindOptions = {}): Promise<FoundChromium> {
  const env = opts.env ?? process.env;
  const named = env.PLACER_CHROMIUM;
  if (named !== undefined && named !== '') {
    if (!isFile(named)) throw new Error(`PLACER_CHROMIUM=${named}: no such file`);
    return { executablePath: named, source: 'PLACER_CHROMIUM', args: SYSTEM_ARGS, env: {} };
  }
  if (env.PLACER_NO_SYSTEM_CHROMIUM !== '1') {
    const system = (opts.systemPaths ?? SYSTEM_CHROMIUMS).find(isFile);
    if (system) return { executablePath: system, source: 'system', args: SYSTEM_ARGS, env: {} };
  }
  return npmChromium();
}

/** Launch the Chromium findChromium finds, headless, with playwright-core. */
export async function launchChromium(opts: FindOptions = {}): Promise<Browser> {
  const found = await findChromium(opts);
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: found.executablePath,
    args: found.args,
    ...(Object.keys(found.env).length > 0 && { env: { ...process.env, ...found.env } }),
  });
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The package's entry point (ESM) and version; an error saying how to get it when it is not installed. */
function npmPackage(): { entry: string; version: string } {
  let entry: string;
  try {
    entry = fileURLToPath(import.meta.resolve('@sparticuz/chromium'));
  } catch {
    throw new Error('no Chromium: set PLACER_CHROMIUM, install Chromium (apt-get install chromium), or run npm ci (@sparticuz/chromium)');
  }
  let dir = dirname(entry);
  while (
    !existsSync(join(dir, 'package.json')) ||
    !/"name":\s*"@sparticuz\/chromium"/.test(readFileSync(join(dir, 'package.json'), 'utf8'))
  )
    dir = dirname(dir);
  const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  return { entry, version };
}

/** Extracts the package's Chromium, its fonts and its libraries into `dir` (run in a child: TMPDIR=dir). */
const EXTRACT = `
import { fileURLToPath } from 'node:url';
const [entry] = process.argv.slice(1);
const { default: Chromium } = await import(entry);
const { inflate } = await import(new URL('./lambdafs.js', entry).href);
const exe = await Chromium.executablePath();
await inflate(fileURLToPath(new URL('../../bin/al2023.tar.br', entry)));
process.stdout.write(exe);
`;

async function npmChromium(): Promise<FoundChromium> {
  const { entry, version } = npmPackage();
  const dir = join(tmpdir(), `placer-chromium-${version}-${userInfo().uid}`);
  const marker = join(dir, '.complete');
  if (!existsSync(marker)) await withLock(`${dir}.lock`, () => extract(entry, dir, marker));
  const executablePath = join(dir, 'chromium');
  const fontsConf = join(dir, 'placer-fonts.conf');
  const env: Record<string, string> = { FONTCONFIG_FILE: fontsConf };
  if (missingLibraries(executablePath))
    env.LD_LIBRARY_PATH = [join(dir, 'al2023', 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const { default: Chromium } = await import('@sparticuz/chromium');
  return { executablePath, source: 'npm', args: Chromium.args, env };
}

function extract(entry: string, dir: string, marker: string): void {
  if (existsSync(marker)) return; // another worker finished while this one waited
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync(process.execPath, ['--input-type=module', '-e', EXTRACT, pathToFileURL(entry).href], {
    env: { ...process.env, TMPDIR: dir },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  writeFileSync(
    join(dir, 'placer-fonts.conf'),
    `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(dir, 'fonts')}</dir>\n  <cachedir>${join(dir, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
  );
  writeFileSync(marker, '');
}

/** True when the dynamic linker cannot resolve a library the binary needs (no NSS on the machine). */
function missingLibraries(exe: string): boolean {
  try {
    return /not found/.test(execFileSync('ldd', [exe], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  } catch {
    return true;
  }
}

/** Runs `fn` holding a lock directory; a lock older than 5 minutes is a crashed holder's and is taken over. */
async function withLock(lock: string, fn: () => void): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      try {
        if (Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // released meanwhile
      }
      if (Date.now() > deadline) throw new Error(`waited 5 minutes for ${lock}: remove it if no extraction runs`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
