// The console's consolidation preview in real headless Chromium against a real `placer serve`
// loaded with examples/: what the page shows — moves in order, hosts freed, standby candidates
// and spares, pinned workloads, utilization — is the endpoint's plan (asked here independently);
// the options go through the URL into the plan; a refused option shows the Status message; a
// dry run changes nothing. Leaves a screenshot under test/artifacts/.

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlanDoc } from '../../service/placement/api-types.js';
import { artifact, cellTexts, launch, localContext, serveExamples, type Served } from './browser.js';

let server: Served;
let browser: Browser;
let context: BrowserContext;
let offsite: string[];
let page: Page;
const errors: string[] = [];

const api = async <T>(path: string, init?: RequestInit): Promise<T> => (await (await fetch(server.url + path, init)).json()) as T;
const plan = (query: string) => api<PlanDoc>(`/v1/consolidate?dryRun=true${query}`, { method: 'POST' });

beforeAll(async () => {
  [server, browser] = await Promise.all([serveExamples(), launch()]);
  ({ context, offsite } = await localContext(browser, server.url));
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  // a 4xx the test provokes is logged by Chromium as "Failed to load resource": not a page error
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
});

afterAll(async () => {
  await browser?.close();
  server?.stop();
});

const rows = (testid: string) => cellTexts(page.getByTestId(testid));

describe('consolidation preview (Chromium, real server, examples/)', () => {
  it("shows the endpoint's plan; options go into the plan through the URL; nothing changes", async () => {
    const placements = async () => (await api<{ items: unknown[] }>('/v1/placements')).items;
    const before = await placements();
    const want = await plan('');
    expect(want.moves.length).toBeGreaterThan(0);

    await page.goto(`${server.url}/ui/#/consolidate`);
    await page.getByTestId('consolidate-summary').waitFor();
    expect(Number(await page.getByTestId('consolidate-moves').textContent())).toBe(want.moves.length);
    expect(Number(await page.getByTestId('consolidate-emptied').textContent())).toBe(want.emptied!.length);
    expect(await page.getByTestId('consolidate-in-use').textContent()).toBe(`${want.hostsInUse!.before} → ${want.hostsInUse!.after}`);
    expect(Number(await page.getByTestId('consolidate-bound').textContent())).toBe(want.hostsInUse!.lowerBound);
    expect(Number(await page.getByTestId('consolidate-pinned').textContent())).toBe(want.unmovable.length);
    // the moves in the plan's order (the first 200), each with how it moves
    expect(await rows('consolidate-move')).toEqual(
      want.moves
        .slice(0, 200)
        .map((m) => [`${m.kind} ${m.namespace}/${m.name}`, m.from, m.to, m.kind === 'VirtualMachine' ? 'live migration' : 'evict']),
    );
    const hostRow = (row: string) => page.locator(`[data-testid="consolidate-hosts"] [data-row="${row}"] td`).textContent();
    expect(await hostRow('standby')).toBe(want.standby!.join(', '));
    expect(await hostRow('spares')).toBe('none');
    expect(await hostRow('stay')).toBe(want.binPacking!.map((n) => `${n} (bin-packing)`).join(', '));
    const util = await page
      .locator('[data-testid="consolidate-utilization"] tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute('data-resource'), ...[...tr.querySelectorAll('.num')].map((td) => td.textContent)]),
      );
    expect(util.length).toBeGreaterThan(0);
    for (const [r, b, a] of util as [string, string, string][]) {
      expect(Math.abs(parseFloat(b) - want.utilization.before[r])).toBeLessThanOrEqual(0.051);
      expect(Math.abs(parseFloat(a) - want.utilization.after[r])).toBeLessThanOrEqual(0.051);
    }
    await page.screenshot({ path: artifact('console-consolidate.png'), fullPage: true });

    // options through the form: one spare per zone, team-web excluded
    await page.getByTestId('consolidate-spare').fill('1');
    await page.getByTestId('consolidate-exclude').fill('team-web');
    await page.getByTestId('consolidate-plan').click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/consolidate?sparePerZone=1&excludeNamespaces=team-web');
    const narrowed = await plan('&sparePerZone=1&excludeNamespaces=team-web');
    expect(narrowed.spares!.length).toBeGreaterThan(0);
    await expect.poll(() => hostRow('spares')).toBe(narrowed.spares!.join(', '));
    await expect
      .poll(() => rows('consolidate-move'))
      .toEqual(
        narrowed.moves
          .slice(0, 200)
          .map((m) => [`${m.kind} ${m.namespace}/${m.name}`, m.from, m.to, m.kind === 'VirtualMachine' ? 'live migration' : 'evict']),
      );
    for (const m of narrowed.moves) expect(m.namespace).not.toBe('team-web');
    expect(await hostRow('stay')).toContain('team-web (excluded)');

    // a namespace placer knows nothing of: the Status message, no plan
    await page.goto(`${server.url}/ui/#/consolidate?excludeNamespaces=nowhere`);
    await expect.poll(() => page.getByTestId('consolidate-error').textContent()).toContain('namespace "nowhere" not found');
    expect(await page.getByTestId('consolidate-summary').count()).toBe(0);

    // a dry run: nothing moved, nothing cordoned
    expect(await placements()).toEqual(before);
    expect(offsite).toEqual([]);
    expect(errors).toEqual([]);
  });
});
