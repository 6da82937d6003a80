// What the console's browser tests share: a real `placer serve` process on 127.0.0.1 (a free
// port, a temp data dir, --bootstrap examples/), and headless Chromium driven by playwright-core.
// Chromium is found by scripts/chromium.ts: PLACER_CHROMIUM, the system's, or the npm package
// @sparticuz/chromium (a devDependency: `npm ci` is all a machine needs). Every page may load
// only from the server under test: any other request fails the test.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator } from 'playwright-core';
import { launchChromium } from '../../scripts/chromium.js';
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

export function launch(): Promise<Browser> {
  return launchChromium();
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

/** The cells' texts of the table rows `trs` matches, row by row. */
export function cellTexts(trs: Locator): Promise<string[][]> {
  return trs.evaluateAll((rows) => rows.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}
