// What the console's browser tests share: a real `placer serve` process on 127.0.0.1 (a free
// port, a temp data dir, --bootstrap examples/), and headless Chromium driven by playwright-core.
// Chromium is Debian's package (/usr/bin/chromium, installed by .ci/run); PLACER_CHROMIUM names
// another binary. Every page may load only from the server under test: any other request fails
// the test.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { killAll, removeDirs, start, tempDir } from '../e2e/server.js';

export const root = join(import.meta.dirname, '..', '..');
export const artifacts = join(root, 'test', 'artifacts');

export interface Served {
  url: string;
  stop(): void;
}

export async function serveExamples(args: string[] = []): Promise<Served> {
  const s = await start(tempDir(), ['--bootstrap', 'examples/', ...args]);
  return {
    url: s.url,
    stop() {
      killAll();
      removeDirs();
    },
  };
}

export function chromiumPath(): string {
  const p = process.env.PLACER_CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(p))
    throw new Error(
      `no Chromium at ${p}: install Debian's chromium package (apt-get install -y chromium; .ci/run does) or set PLACER_CHROMIUM`,
    );
  return p;
}

export async function launch(): Promise<Browser> {
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
  return chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

/** A context whose pages may only talk to `origin`; `offsite` collects every other URL they tried. */
export async function localContext(
  browser: Browser,
  origin: string,
  viewport = { width: 1400, height: 900 },
): Promise<{ context: BrowserContext; offsite: string[] }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const offsite: string[] = [];
  await context.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(origin) || u.startsWith('data:')) return route.continue();
    offsite.push(u);
    return route.abort();
  });
  return { context, offsite };
}

export function artifact(name: string): string {
  mkdirSync(artifacts, { recursive: true });
  return join(artifacts, name);
}
