// The web console in real headless Chromium against a real `placer serve` loaded with examples/.
// Every number the pages show is checked against figures computed here from independent sources:
// the example manifests themselves, the plain JSON API (GET /v1/hosts, /v1/namespaces,
// /v1/placements) and the CLI (`placer place examples/ --explain -o json`). Each view leaves a
// screenshot under test/artifacts/.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifact, launch, localContext, root, serveExamples, type Served } from './browser.js';

type Obj = Record<string, unknown>;
const ZONE = 'topology.kubernetes.io/zone';
const CORDON = 'node.kubernetes.io/unschedulable';

interface ExampleNode {
  metadata: { name: string; labels: Record<string, string> };
  spec: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
}
const nodes = (JSON.parse(readFileSync(join(root, 'examples', 'cluster', 'hosts.json'), 'utf8')) as { items: ExampleNode[] }).items;

interface CliResult {
  unplaced: { namespace: string; kind: string; name: string; reason: string; owner?: string }[];
  explanations: { workload: string; hosts: { host: string; feasible: boolean; allReasons: string[] }[]; message: string | null }[];
}
const cli = JSON.parse(
  spawnSync(process.execPath, [join(root, 'bin', 'placer.js'), 'place', 'examples/', '--explain', '-o', 'json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  }).stdout,
) as CliResult;

const MULT: Record<string, number> = {
  '': 1,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
};
/** "63800m" → 63.8, "1.5Gi" → bytes, "12.3%" → 12.3. */
function num(s: string): number {
  const m = /^\s*(-?[0-9.]+)\s*(m|k|M|G|T|Ki|Mi|Gi|Ti|Pi|%)?\s*$/.exec(s);
  if (!m) throw new Error(`not a number: ${JSON.stringify(s)}`);
  return Number(m[1]) * (m[2] === undefined || m[2] === '%' ? 1 : MULT[m[2]]);
}

/** What the page shows is rounded to one decimal of the unit it prints: compare within that. */
function near(shown: string, expected: number): void {
  const unit = /(m|k|M|G|T|Ki|Mi|Gi|Ti|Pi)\s*$/.exec(shown)?.[1];
  expect(Math.abs(num(shown) - expected)).toBeLessThanOrEqual(0.05 * (unit ? MULT[unit] : 1) * (1 + 1e-9));
}

let server: Served;
let browser: Browser;
let context: BrowserContext;
let offsite: string[];
let page: Page;

const api = async <T = Obj>(path: string, init?: RequestInit): Promise<T> => (await (await fetch(server.url + path, init)).json()) as T;
const cells = async (row: ReturnType<Page['locator']>): Promise<string[]> => row.locator('td').allTextContents();

beforeAll(async () => {
  [server, browser] = await Promise.all([serveExamples(), launch()]);
  ({ context, offsite } = await localContext(browser, server.url));
  page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // a 4xx the test provokes is logged by Chromium as "Failed to load resource": not a page error
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
  (page as unknown as { errors: string[] }).errors = errors;
});

afterAll(async () => {
  await browser?.close();
  server?.stop();
});

const pageErrors = (): string[] => (page as unknown as { errors: string[] }).errors;

describe('web console (Chromium, real server, examples/)', () => {
  it('cluster view: zone totals, cordoned and tainted hosts, hover and search cards match the example and the API', async () => {
    await page.goto(`${server.url}/ui/`);
    const table = page.getByTestId('zone-table');
    await table.locator('tbody tr').first().waitFor();

    // independent figures: zones, cordons and taints from the manifests; amounts from GET /v1/hosts
    const hosts = (
      await api<{ items: { name: string; allocatable: Record<string, string>; used: Record<string, string>; workloads: number }[] }>(
        '/v1/hosts',
      )
    ).items;
    const byName = new Map(hosts.map((h) => [h.name, h]));
    const zones = [...new Set(nodes.map((n) => n.metadata.labels[ZONE]))].sort();
    expect(zones).toHaveLength(3);
    const expectZone = (zone: string, resource: string) => {
      const members = nodes.filter((n) => n.metadata.labels[ZONE] === zone);
      let used = 0;
      let alloc = 0;
      for (const n of members) {
        const h = byName.get(n.metadata.name)!;
        used += num(h.used[resource] ?? '0');
        alloc += num(h.allocatable[resource] ?? '0');
      }
      return {
        hosts: members.length,
        cordoned: members.filter((n) => n.spec.unschedulable).length,
        tainted: members.filter((n) => (n.spec.taints ?? []).some((t) => t.key !== CORDON)).length,
        workloads: members.reduce((a, n) => a + byName.get(n.metadata.name)!.workloads, 0),
        used,
        alloc,
        pct: (used / alloc) * 100,
      };
    };
    const checkTable = async (resource: string) => {
      await expect.poll(() => table.locator('thead th').nth(5).textContent()).toBe(`${resource} used`);
      for (const zone of zones) {
        const e = expectZone(zone, resource);
        const [name, n, cordoned, tainted, workloads, used, alloc, pct] = await cells(table.locator(`tr[data-zone="${zone}"]`));
        expect(name).toBe(zone);
        expect([Number(n), Number(cordoned), Number(tainted), Number(workloads)]).toEqual([e.hosts, e.cordoned, e.tainted, e.workloads]);
        near(used, e.used);
        near(alloc, e.alloc);
        near(pct, e.pct);
      }
    };
    await checkTable('cpu');
    const summary = await page.getByTestId('cluster-summary').textContent();
    expect(summary).toContain(
      `${nodes.length} hosts, ${nodes.filter((n) => n.spec.unschedulable).length} cordoned, ${nodes.filter((n) => (n.spec.taints ?? []).some((t) => t.key !== CORDON)).length} tainted`,
    );
    expect(summary).toContain('cordoned');
    await page.screenshot({ path: artifact('console-cluster.png'), fullPage: true });

    // another resource: the canvas is repainted and the table follows
    const canvas = page.locator('[data-testid="cluster-view"] canvas');
    const cpuPixels = await canvas.evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());
    await page.getByTestId('resource-memory').click();
    await checkTable('memory');
    expect(await canvas.evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL())).not.toBe(cpuPixels);
    await expect.poll(() => page.getByTestId('resource-nvidia.com/gpu').count()).toBe(1);

    // hover: sweep the pointer over the canvas until a host card opens, then check that host
    const box = (await canvas.boundingBox())!;
    let hovered: string | null = null;
    for (let y = 20; y < box.height && !hovered; y += 6) {
      for (let x = 10; x < Math.min(box.width, 400) && !hovered; x += 12) {
        await page.mouse.move(box.x + x, box.y + y);
        if ((await page.getByTestId('host-card').count()) > 0) hovered = await page.getByTestId('host-card-name').textContent();
      }
    }
    expect(hovered).not.toBeNull();
    const card = page.getByTestId('host-card');
    const h = byName.get(hovered!)!;
    const cpuRow = await cells(card.locator('tr[data-resource="cpu"]'));
    near(cpuRow[1], num(h.used.cpu ?? '0'));
    near(cpuRow[2], num(h.allocatable.cpu));
    expect(Number(await page.getByTestId('host-card-workloads').textContent())).toBe(h.workloads);
    // workloads by namespace, counted from GET /v1/placements
    const placements = (await api<{ items: { namespace: string; host: string }[] }>('/v1/placements')).items.filter(
      (p) => p.host === hovered,
    );
    const perNs = new Map<string, number>();
    for (const p of placements) perNs.set(p.namespace, (perNs.get(p.namespace) ?? 0) + 1);
    await card.getByTestId('host-card-namespaces').waitFor();
    const shown = await card
      .locator('[data-testid="host-card-namespaces"] li')
      .evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-namespace'), Number(li.querySelector('.num')!.textContent)]));
    expect(new Map(shown as [string, number][])).toEqual(perNs);
    const labels = await card.locator('.labels code').allTextContents();
    const node = nodes.find((n) => n.metadata.name === hovered)!;
    expect(labels.sort()).toEqual(
      Object.entries(node.metadata.labels)
        .map(([k, v]) => `${k}=${v}`)
        .sort(),
    );
    await page.screenshot({ path: artifact('console-cluster-hover.png') });
    await page.mouse.move(0, 0);

    // search: a tainted GPU host and the cordoned host, with their marks and taints
    const tainted = nodes.find((n) => (n.spec.taints ?? []).some((t) => t.key !== CORDON))!;
    const cordoned = nodes.find((n) => n.spec.unschedulable)!;
    for (const n of [tainted, cordoned]) {
      await page.getByTestId('host-search').fill(n.metadata.name);
      await page.getByTestId('host-search').press('Enter');
      await expect.poll(() => page.getByTestId('host-card-name').textContent()).toBe(n.metadata.name);
      await card.getByTestId('host-card-taints').waitFor();
      // The chips follow the name once the host's details arrive: poll, a slow machine shows them late.
      await expect
        .poll(() => card.locator('[data-testid="host-card-taints"] code').allTextContents())
        .toEqual((n.spec.taints ?? []).map((t) => `${t.key}${t.value !== undefined ? `=${t.value}` : ''}:${t.effect}`));
      expect(await card.locator('.tag.cordoned').count()).toBe(n.spec.unschedulable ? 1 : 0);
      expect(await card.locator('.tag.tainted').count()).toBe((n.spec.taints ?? []).some((t) => t.key !== CORDON) ? 1 : 0);
    }
  });

  it('namespaces view: quota and reservation bars from GET /v1/namespaces, pending workloads and reasons as the CLI reports them', async () => {
    await page.goto(`${server.url}/ui/#/namespaces`);
    await page.getByTestId('namespace-card').first().waitFor();
    const list = (
      await api<{
        items: {
          namespace: string;
          used: Record<string, string>;
          reservation: Record<string, string>;
          quotas: { name: string; hard: Record<string, string>; used: Record<string, string> }[];
        }[];
      }>('/v1/namespaces')
    ).items;
    for (const ns of list) {
      const card = page.locator(`[data-testid="namespace-card"][data-namespace="${ns.namespace}"]`);
      for (const q of ns.quotas) {
        for (const [key, hard] of Object.entries(q.hard)) {
          const bar = card.locator(`[data-quota="${q.name}"] [data-testid="quota-${key}"]`);
          const [used, max] = (await bar.locator('.bar-numbers').textContent())!.split(' / ');
          near(used, num(q.used[key] ?? '0'));
          near(max, num(hard));
          near((await bar.locator('.bar-pct').textContent())!, (num(q.used[key] ?? '0') / num(hard)) * 100);
        }
      }
      for (const [r, held] of Object.entries(ns.reservation)) {
        const [used, max] = (await card.getByTestId(`reservation-${r}`).locator('.bar-numbers').textContent())!.split(' / ');
        near(used, num(ns.used[r] ?? '0'));
        near(max, num(held));
      }
    }
    // the example's known state: team-web's cpu quota is exhausted, team-payments holds a reservation
    expect(await page.locator('[data-namespace="team-web"] [data-testid="quota-requests.cpu"] .bar-pct').textContent()).toBe('100.0%');
    expect(await page.locator('[data-namespace="team-payments"] [data-testid="reservation"]').count()).toBe(1);

    // pending: the CLI's unplaced workloads, grouped per controller and reason like its "Unplaced:" lines
    expect(Number(await page.getByTestId('pending-total').textContent())).toBe(cli.unplaced.length);
    const expected = new Map<string, number>();
    for (const u of cli.unplaced) {
      const key = `${u.namespace}|${u.owner ?? `${u.kind}/${u.name}`}|${u.reason}`;
      expected.set(key, (expected.get(key) ?? 0) + 1);
    }
    const groups = await page
      .getByTestId('pending-group')
      .evaluateAll((lis) =>
        lis.map((li) => [
          `${li.closest('[data-namespace]')!.getAttribute('data-namespace')}|${li.getAttribute('data-who')}|${li.querySelector('[data-testid="pending-reason"]')!.textContent}`,
          Number(li.getAttribute('data-count')),
        ]),
      );
    expect(new Map(groups as [string, number][])).toEqual(expected);
    await page.screenshot({ path: artifact('console-namespaces.png'), fullPage: true });
  });

  it('namespaces view: the headroom of a chosen shape per namespace, as POST /v1/capacity answers it; nothing changes', async () => {
    const before = await Promise.all(['/v1/hosts', '/v1/placements', '/v1/namespaces', '/v1/pending'].map((p) => api(p)));
    await page.goto(`${server.url}/ui/#/namespaces`);
    await page.getByTestId('headroom-form').waitFor();
    await page.getByTestId('headroom-cpu').fill('8');
    await page.getByTestId('headroom-memory').fill('32Gi');
    await page.getByTestId('headroom-check').click();
    await page.locator('[data-namespace="team-web"] [data-testid="headroom"]').waitFor();
    const res = await fetch(`${server.url}/v1/capacity?shape=cpu%3D8%2Cmemory%3D32Gi&allNamespaces=true`, { method: 'POST' });
    const doc = (await res.json()) as { items: { namespace: string; headroom: number; stoppedBy: { message: string } | null }[] };
    expect(doc.items.length).toBeGreaterThan(0);
    for (const item of doc.items) {
      const box = page.locator(`[data-namespace="${item.namespace}"] [data-testid="headroom"]`);
      expect(Number(await box.getAttribute('data-count'))).toBe(item.headroom);
      if (item.stoppedBy) expect(await box.getByTestId('headroom-reason').textContent()).toBe(`next: ${item.stoppedBy.message}`);
    }
    // team-web's cpu quota is exhausted by storefront: nothing more fits there
    expect(await page.locator('[data-namespace="team-web"] [data-testid="headroom"]').getAttribute('data-count')).toBe('0');
    await page.screenshot({ path: artifact('console-headroom.png'), fullPage: true });
    expect(await Promise.all(['/v1/hosts', '/v1/placements', '/v1/namespaces', '/v1/pending'].map((p) => api(p)))).toEqual(before);
  });

  it('explain: a pending VM shows the CLI --explain verdicts grouped by reason; a pasted pod shows its host; nothing changes', async () => {
    const before = await Promise.all(['/v1/hosts', '/v1/placements', '/v1/namespaces', '/v1/pending'].map((p) => api(p)));
    const tag = (await fetch(`${server.url}/v1/placements`)).headers.get('etag')!;

    // from the namespaces view, the pending VM's explain link
    await page.goto(`${server.url}/ui/#/namespaces`);
    await page.locator('[data-namespace="dev-sandbox"] [data-who="VirtualMachine/analytics-giant"] a').click();
    const result = page.getByTestId('explanation');
    await result.waitFor();
    const cliExplain = cli.explanations.find((e) => e.workload === 'VirtualMachine dev-sandbox/analytics-giant')!;
    expect(await result.getByTestId('explain-message').textContent()).toBe(cliExplain.message);
    expect(await result.getByTestId('feasible-count').textContent()).toBe('0');
    const want = new Map<string, number>();
    for (const h of cliExplain.hosts) if (!h.feasible) want.set(h.allReasons.join(', '), (want.get(h.allReasons.join(', ')) ?? 0) + 1);
    const rows = await result
      .getByTestId('rejected-group')
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.querySelector('[data-testid="rejected-reasons"]')!.textContent, Number(tr.getAttribute('data-count'))]),
      );
    expect(new Map(rows as [string, number][])).toEqual(want);
    // largest group first
    const counts = rows.map((r) => r[1] as number);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    await page.screenshot({ path: artifact('console-explain-pending.png'), fullPage: true });

    // pasted: a pod pinned by node selector to one host goes there; the others are rejected, grouped
    const target = 'esx-b03';
    await page.goto(`${server.url}/ui/#/explain`);
    await page
      .getByTestId('explain-yaml')
      .fill(
        [
          'apiVersion: v1',
          'kind: Pod',
          'metadata: {name: probe, namespace: team-shop}',
          'spec:',
          `  nodeSelector: {kubernetes.io/hostname: ${target}}`,
          '  containers:',
          '  - {name: c, image: x, resources: {requests: {cpu: 500m, memory: 1Gi}}}',
        ].join('\n'),
      );
    await page.getByTestId('explain-run').click();
    await expect.poll(() => page.getByTestId('selected-host').textContent()).toBe(target);
    // expected groups from the manifests and GET /v1/hosts: every other host fails the selector, plus
    // its cordon, its untolerated taints, and the resources it has too little of left
    const free = new Map(
      (await api<{ items: { name: string; allocatable: Record<string, string>; used: Record<string, string> }[] }>('/v1/hosts')).items.map(
        (h) => [h.name, (r: string) => num(h.allocatable[r] ?? '0') - num(h.used[r] ?? '0')],
      ),
    );
    const groupsWanted = new Map<string, number>();
    for (const n of nodes) {
      if (n.metadata.name === target) continue;
      const left = free.get(n.metadata.name)!;
      const reasons = [
        ...(n.spec.unschedulable ? ['host(s) were unschedulable'] : []),
        ...(n.spec.taints ?? [])
          .filter((t) => t.effect !== 'PreferNoSchedule')
          .map((t) => `host(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`),
        "host(s) didn't match Pod's node affinity/selector",
        ...(left('cpu') < 0.5 ? ['Insufficient cpu'] : []),
        ...(left('memory') < 2 ** 30 ? ['Insufficient memory'] : []),
      ].join(', ');
      groupsWanted.set(reasons, (groupsWanted.get(reasons) ?? 0) + 1);
    }
    const pasted = page.getByTestId('explanation');
    const got = await pasted
      .getByTestId('rejected-group')
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.querySelector('[data-testid="rejected-reasons"]')!.textContent, Number(tr.getAttribute('data-count'))]),
      );
    expect(new Map(got as [string, number][])).toEqual(groupsWanted);
    expect(await pasted.getByTestId('feasible-count').textContent()).toBe('1');
    await page.screenshot({ path: artifact('console-explain.png'), fullPage: true });

    // a dry run: every read is unchanged, and the ETag still matches
    const after = await Promise.all(['/v1/hosts', '/v1/placements', '/v1/namespaces', '/v1/pending'].map((p) => api(p)));
    expect(after).toEqual(before);
    expect((await fetch(`${server.url}/v1/placements`, { headers: { 'if-none-match': tag } })).status).toBe(304);

    // bad input: the Status message, on the page
    await page
      .getByTestId('explain-yaml')
      .fill(
        'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec: {containers: [{name: c, resources: {requests: {cpu: 2x}}}]}',
      );
    await page.getByTestId('explain-run').click();
    await expect
      .poll(() => page.getByTestId('explain-error').textContent())
      .toMatch(/spec\.containers\[0\]\.resources\.requests\.cpu: Invalid value: "2x"/);
  });

  it('live: a change through the API reaches the open views; unchanged polls are 304s; nothing is loaded from elsewhere', async () => {
    const statuses: number[] = [];
    page.on('response', (r) => r.url().includes('/v1/pending') && statuses.push(r.status()));
    await page.goto(`${server.url}/ui/#/namespaces`);
    await page.getByTestId('pending-total').waitFor();
    // a 304 comes after the first answer was drawn: the total read then is the server's, not the
    // view's before its first answer
    await expect.poll(() => statuses.filter((s) => s === 304).length, { timeout: 10_000 }).toBeGreaterThan(0);
    const pendingBefore = Number(await page.getByTestId('pending-total').textContent());
    const r = await fetch(`${server.url}/v1/apply`, {
      method: 'POST',
      headers: { 'content-type': 'application/yaml' },
      body: 'apiVersion: v1\nkind: Pod\nmetadata: {name: huge, namespace: live-test}\nspec: {containers: [{name: c, image: x, resources: {requests: {cpu: "5000"}}}]}\n',
    });
    expect(r.status).toBe(200);
    await expect.poll(() => page.getByTestId('pending-total').textContent(), { timeout: 10_000 }).toBe(String(pendingBefore + 1));
    await page.locator('[data-namespace="live-test"] [data-who="Pod/huge"]').waitFor();
    expect(offsite).toEqual([]);
    expect(pageErrors()).toEqual([]);
  });
});

describe('drain preview (Chromium, real server, examples/)', () => {
  it('shows the dry-run move plan of a host as a table and arrows; every workload on the host is accounted for; nothing changes', async () => {
    const placements = async () =>
      (await api<{ items: { kind: string; namespace: string; name: string; host: string }[] }>('/v1/placements')).items;
    const before = await placements();
    // the host with the most placements, from GET /v1/placements
    const count = new Map<string, number>();
    for (const p of before) count.set(p.host, (count.get(p.host) ?? 0) + 1);
    const host = [...count].sort((a, b) => b[1] - a[1])[0][0];
    const onHost = before
      .filter((p) => p.host === host)
      .map((p) => `${p.kind} ${p.namespace}/${p.name}`)
      .sort();
    const cordoned = new Set(nodes.filter((n) => n.spec.unschedulable).map((n) => n.metadata.name));

    await page.goto(`${server.url}/ui/#/drain`);
    await page.getByTestId('drain-view').waitFor();
    const canvas = page.locator('[data-testid="drain-view"] canvas');
    const blank = await canvas.evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL());
    await page.getByTestId('drain-host').fill(host);
    await page.getByTestId('drain-host').press('Enter');
    await page.getByTestId('drain-summary').waitFor();

    const moves = await page
      .getByTestId('drain-move')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    const stuck =
      (await page.getByTestId('drain-unmovable-table').count()) > 0
        ? await page
            .locator('[data-testid="drain-unmovable-table"] tbody tr')
            .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')))
        : [];
    // every workload on the host either moves or is reported as unmovable, once
    expect([...moves.map((m) => m[0]), ...stuck.map((u) => u[0])].sort()).toEqual(onHost);
    for (const [, from, to] of moves) {
      expect(from).toBe(host);
      expect(to).not.toBe(host);
      expect(cordoned.has(to)).toBe(false);
      expect(count.has(to) || nodes.some((n) => n.metadata.name === to)).toBe(true);
    }
    expect(Number(await page.getByTestId('drain-moves').textContent())).toBe(moves.length);
    expect(Number(await page.getByTestId('drain-unmovable').textContent())).toBe(stuck.length);
    // the per-target table adds up to the moves
    const perTarget = await page
      .locator('[data-testid="drain-targets"] tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-host'), Number(tr.querySelector('.num')!.textContent)]));
    const want = new Map<string, number>();
    for (const m of moves) want.set(m[2], (want.get(m[2]) ?? 0) + 1);
    expect(new Map(perTarget as [string, number][])).toEqual(want);
    // the page shows the endpoint's plan (asked again here, independently of the page)
    const plan = await api<{
      moves: { kind: string; namespace: string; name: string; from: string; to: string }[];
      utilization: { before: Record<string, number>; after: Record<string, number> };
    }>(`/v1/hosts/${host}/drain?dryRun=true`, { method: 'POST' });
    expect(moves).toEqual(plan.moves.slice(0, 200).map((m) => [`${m.kind} ${m.namespace}/${m.name}`, m.from, m.to]));
    const util = await page
      .locator('[data-testid="drain-utilization"] tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [tr.getAttribute('data-resource'), ...[...tr.querySelectorAll('.num')].map((td) => td.textContent)]),
      );
    for (const [r, b, a] of util as [string, string, string][]) {
      near(b, plan.utilization.before[r]);
      near(a, plan.utilization.after[r]);
    }
    // arrows: the map is redrawn with the plan
    expect(await canvas.evaluate((c) => (c as unknown as { toDataURL(): string }).toDataURL())).not.toBe(blank);
    await page.screenshot({ path: artifact('console-drain.png'), fullPage: true });

    // a GPU host whose workloads have nowhere to go: they are listed with the reason
    const gpu = nodes.find((n) => (n.spec.taints ?? []).some((t) => t.key === 'nvidia.com/gpu'))!.metadata.name;
    await page.goto(`${server.url}/ui/#/drain?host=${gpu}`);
    await expect.poll(() => page.getByTestId('drain-summary').textContent()).toContain(gpu);
    const gpuPlan = await api<{ unmovable: { reason: string }[] }>(`/v1/hosts/${gpu}/drain?dryRun=true`, { method: 'POST' });
    expect(Number(await page.getByTestId('drain-unmovable').textContent())).toBe(gpuPlan.unmovable.length);
    // the example's GPU workloads cannot move: the other GPU host is full
    expect(gpuPlan.unmovable.length).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="drain-unmovable-table"] td.reason').allTextContents()).toEqual(
      gpuPlan.unmovable.map((u) => u.reason),
    );

    // a dry run: nothing moved, nothing cordoned
    expect(await placements()).toEqual(before);
    const hostCols = await api<{ names: string[]; unschedulable: number[] }>('/v1/hosts?format=columns');
    expect(hostCols.names.filter((_, i) => hostCols.unschedulable[i] === 1)).toEqual([...cordoned]);
    expect(offsite).toEqual([]);
    expect(pageErrors()).toEqual([]);
  });

  it("paces the plan by a PodDisruptionBudget: the wave column shows the endpoint's waves", async () => {
    // last in the file: it adds a budget to the server's state (maxUnavailable 2 over the storefront pods)
    const pdb = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'storefront', namespace: 'team-web' },
      spec: { maxUnavailable: 2, selector: { matchLabels: { app: 'storefront' } } },
    };
    expect(
      (
        await fetch(`${server.url}/v1/apply`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(pdb),
        })
      ).status,
    ).toBe(200);
    const plan = await api<{ waves: number; moves: { kind: string; namespace: string; name: string; wave: number }[] }>(
      '/v1/hosts/esx-b04/drain?dryRun=true',
      { method: 'POST' },
    );
    expect(plan.waves).toBeGreaterThan(1);
    await page.goto(`${server.url}/ui/#/drain?host=esx-b04`);
    await expect.poll(() => page.getByTestId('drain-summary').textContent()).toContain('esx-b04');
    await expect.poll(() => page.getByTestId('drain-waves').textContent()).toContain(`${plan.waves} wave(s)`);
    expect(await page.getByTestId('drain-host').inputValue()).toBe('esx-b04');
    const rows = () =>
      page
        .getByTestId('drain-move')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent ?? '')));
    await expect.poll(rows).toEqual(plan.moves.map((m) => [String(m.wave), `${m.kind} ${m.namespace}/${m.name}`]));
    await page.screenshot({ path: artifact('console-drain-waves.png'), fullPage: true });
    expect(pageErrors()).toEqual([]);
  });
});
