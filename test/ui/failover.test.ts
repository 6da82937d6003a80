// The console's failover view in real headless Chromium against a real `placer serve` loaded with
// examples/ (team-payments protected): the protected namespaces and the room held are the
// endpoint's report (asked here independently); a click on a host shows its restart plan; once a
// policy the cluster cannot keep is applied (team-ml's GPU pods, every GPU in use), the hosts
// whose failure cannot be absorbed are counted and what cannot restart is listed with its reason.
// Leaves a screenshot under test/artifacts/.

import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailoverReportDoc } from '../../service/placement/api-types.js';
import { artifact, cellTexts, launch, localContext, serveExamples, type Served } from './browser.js';

let server: Served;
let browser: Browser;
let context: BrowserContext;
let offsite: string[];
let page: Page;
const errors: string[] = [];

const report = async (): Promise<FailoverReportDoc> => (await (await fetch(`${server.url}/v1/failover`)).json()) as FailoverReportDoc;

beforeAll(async () => {
  [server, browser] = await Promise.all([serveExamples(), launch()]);
  ({ context, offsite } = await localContext(browser, server.url));
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
});

afterAll(async () => {
  await browser?.close();
  server?.stop();
});

const rows = (selector: string) => cellTexts(page.locator(selector));

describe('failover view (Chromium, real server, examples/)', () => {
  it("shows the endpoint's report; a click on a host shows its restart plan", async () => {
    const want = await report();
    expect(want.namespaces.map((n) => n.namespace)).toEqual(['team-payments']);
    await page.goto(`${server.url}/ui/#/failover`);
    await page.getByTestId('failover-summary').waitFor();
    expect(Number(await page.getByTestId('failover-broken').textContent())).toBe(0);
    // the amounts, readable: cores, bytes in binary units, counts
    const held = await page.getByTestId('failover-held').textContent();
    expect(held!.split(', ').map((a) => a.split(' ')[0])).toEqual(Object.keys(want.held));
    expect(held).toMatch(/^cpu \d+(\.\d)?, memory \d+(\.\d)?[KMGT]i, pods \d+$/);
    expect(held).toContain(
      `cpu ${Number(parseFloat(want.held.cpu) / (want.held.cpu.endsWith('m') ? 1000 : 1))
        .toFixed(1)
        .replace(/\.0$/, '')}`,
    );
    expect(await rows('[data-testid="failover-namespaces"] tbody tr')).toEqual(
      want.namespaces.map((n) => [
        n.namespace,
        String(n.policy.hostFailuresToTolerate),
        String(n.policy.zoneFailuresToTolerate),
        String(n.toleratesHosts),
        n.toleratesZone ? 'yes' : 'no',
        'yes',
      ]),
    );

    // click across the map until a host running protected workloads is picked
    const protectedHosts = new Set(want.hosts.filter((h) => h.protectedWorkloads > 0).map((h) => h.host));
    const canvas = page.locator('[data-testid="failover-view"] canvas');
    const box = (await canvas.boundingBox())!;
    let picked: string | undefined;
    for (let y = 20; y < box.height && !picked; y += 8) {
      for (let x = 10; x < box.width && !picked; x += 14) {
        await canvas.click({ position: { x, y } });
        const host = new URLSearchParams(new URL(page.url()).hash.split('?')[1] ?? '').get('host');
        if (host && protectedHosts.has(host)) picked = host;
      }
    }
    expect(picked).toBeDefined();
    const mine = want.hosts.find((h) => h.host === picked)!;
    await expect.poll(() => page.getByTestId('failover-host-protected').textContent()).toBe(String(mine.protectedWorkloads));
    expect(await page.getByTestId('failover-host').textContent()).toContain('its failure is absorbed');
    // the restart plan in the report's order (the first 200)
    expect(await rows('[data-testid="failover-move"]')).toEqual(
      mine.plan.slice(0, 200).map((m) => [`${m.kind} ${m.namespace}/${m.name}`, m.from, m.to]),
    );
    await page.screenshot({ path: artifact('console-failover.png'), fullPage: true });
  });

  it('marks the hosts whose failure cannot be absorbed once a policy the cluster cannot keep is applied', async () => {
    // team-ml's GPU pods hold every GPU of the two GPU hosts: neither host's failure can be absorbed
    const policy = {
      apiVersion: 'placer.dev/v1alpha1',
      kind: 'NamespacePolicy',
      metadata: { name: 'ml', namespace: 'team-ml' },
      spec: {
        placement: {
          nodeSelector: { 'topology.kubernetes.io/zone': 'dc1-zone-c' },
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }],
        },
        failover: { hostFailuresToTolerate: 1 },
      },
    };
    const applied = await fetch(`${server.url}/v1/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(policy),
    });
    expect(applied.status, await applied.clone().text()).toBe(200);
    const want = await report();
    const broken = want.hosts.filter((h) => h.protectedWorkloads > 0 && !h.absorbed);
    expect(broken.map((h) => h.host).sort()).toEqual(['gpu-c01', 'gpu-c02']);
    expect(want.namespaces.find((n) => n.namespace === 'team-ml')).toMatchObject({ kept: false });

    // the view asks again when the cluster changes (the host list's next poll)
    await page.goto(`${server.url}/ui/#/failover?host=${broken[0].host}`);
    await expect.poll(() => page.getByTestId('failover-broken').textContent(), { timeout: 15_000 }).toBe('2');
    expect(await page.getByTestId('failover-summary').textContent()).toContain('gpu-c01, gpu-c02');
    expect(await page.getByTestId('failover-host').textContent()).toContain('its failure is NOT absorbed');
    expect(await rows('[data-testid="failover-unplaced"] tbody tr')).toEqual(
      broken[0].unplaced.map((u) => [`${u.kind} ${u.namespace}/${u.name}`, u.from, u.reason]),
    );
    const ml = await rows('[data-testid="failover-namespaces"] tr[data-namespace="team-ml"]');
    expect(ml[0][5]).toBe(`no: ${want.namespaces.find((n) => n.namespace === 'team-ml')!.violation}`);
    await page.screenshot({ path: artifact('console-failover-broken.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(offsite).toEqual([]);
  });
});
