// The console with authentication on, in real headless Chromium against `placer serve
// --token-auth-file`: the API answers 401, the console asks for a bearer token, keeps it in the
// tab's sessionStorage (never in the URL), and shows the cluster with it; a wrong token is asked
// again; signing out forgets it.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, launch, localContext, serveExamples, type Served } from './browser.js';

const dir = mkdtempSync(join(tmpdir(), 'placer-login-'));
const tokens = join(dir, 'tokens.csv');
writeFileSync(tokens, 'viewer-secret-token,vic,1,"placer:viewers"\n');

let server: Served;
let browser: Browser;
let context: BrowserContext;
let offsite: string[];
let page: Page;
const urls: string[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([serveExamples(['--token-auth-file', tokens]), launch()]);
  ({ context, offsite } = await localContext(browser, server.url));
  page = await context.newPage();
  page.on('request', (r) => urls.push(r.url()));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('console sign-in (Chromium, token authentication)', () => {
  it('asks for a token on 401, shows the cluster with it, keeps it out of URLs, forgets it on sign-out', async () => {
    expect((await fetch(`${server.url}/v1/hosts`)).status).toBe(401);
    await page.goto(`${server.url}/ui/`);
    const login = page.getByTestId('login');
    await login.waitFor();
    expect(await page.getByTestId('login-reason').textContent()).toMatch(/User "system:anonymous" cannot get path/);
    expect(await page.getByTestId('zone-table').count()).toBe(0);

    // a wrong token: asked again, saying it was refused
    await page.getByTestId('login-token').fill('not-the-token');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('login-reason').filter({ hasText: 'the bearer token is not valid' }).waitFor();

    await page.getByTestId('login-token').fill('viewer-secret-token');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('zone-table').locator('tbody tr').first().waitFor();
    expect(await login.count()).toBe(0);
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('placer.token'),
      ),
    ).toBe('viewer-secret-token');
    await page.screenshot({ path: artifact('console-signed-in.png') });

    expect(urls.length).toBeGreaterThan(3);
    for (const u of urls) expect(u).not.toContain('secret');
    expect(offsite).toEqual([]);

    await page.getByTestId('signout').click();
    await page.getByTestId('login').waitFor();
    expect(
      await page.evaluate(() =>
        (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('placer.token'),
      ),
    ).toBeNull();
  });
});
