// `placer capacity` as a real process over examples/: the headroom of a shape per namespace and
// zone, of workload manifests (-f), checked against `placer place` with that many replicas and
// one more; bad arguments name what is wrong.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { CapacityReportDoc } from '../../service/placement/api-types.js';
import type { PlacementResult } from '../../service/placement/result.js';
import { placer } from './cli-run.js';

/** A Deployment of `replicas` pods of 2 cpu / 4Gi in team-shop, written to a file of its own. */
function deploymentFile(name: string, replicas: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'placer-capacity-'));
  const file = join(dir, `${name}.json`);
  const labels = { app: name };
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'team-shop' },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          // the lowest priority: `placer place` places the probes after the rest of the cluster, as
          // capacity asks about them once the cluster is placed (within one priority the batch
          // interleaves items, and BalancedAllocation makes the packing depend on that order)
          spec: {
            priorityClassName: 'batch-low',
            containers: [{ name: 'app', image: 'app', resources: { requests: { cpu: '2', memory: '4Gi' } } }],
          },
        },
      },
    }),
  );
  return file;
}

describe('placer capacity (real process)', () => {
  it('--shape in a namespace: its quota stops the next one; the quota aside and per zone', () => {
    const r = placer(['capacity', 'examples/', '--shape', 'cpu=8,memory=32Gi', '-n', 'team-web', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as CapacityReportDoc;
    expect(doc).toMatchObject({ apiVersion: 'placer.dev/v1alpha1', kind: 'CapacityReport', zoneKey: 'topology.kubernetes.io/zone' });
    const [item] = doc.items;
    expect(item).toMatchObject({
      namespace: 'team-web',
      workload: { shape: { cpu: '8', memory: '32Gi' } },
      headroom: 0, // storefront's 80 replicas use the whole 40-core quota
      stoppedBy: { message: 'exceeded quota: web-compute, requested: requests.cpu=8, used: requests.cpu=40, limited: requests.cpu=40' },
    });
    expect(item.quotaAside.headroom).toBeGreaterThan(0);
    expect(item.zones.map((z) => z.zone)).toEqual(['dc1-zone-a', 'dc1-zone-b', 'dc1-zone-c']);
  });

  it('-A: a row per namespace of the cluster, and what stops the next one', () => {
    const r = placer(['capacity', 'examples/', '--shape', 'cpu=8,memory=32Gi', '-A']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+WORKLOAD\s+MORE\s+QUOTA ASIDE\s+DC1-ZONE-A\s+DC1-ZONE-B\s+DC1-ZONE-C$/);
    for (const ns of ['dev-sandbox', 'team-apps', 'team-ml', 'team-payments', 'team-shop', 'team-web']) {
      expect(r.stdout).toMatch(new RegExp(`^${ns}\\s+cpu=8,memory=32Gi\\s+\\d+`, 'm'));
    }
    expect(r.stdout).toContain('What stops the next one:\n');
  });

  it('-f: the answer is what placer place does with that many replicas, and one more', () => {
    const r = placer(['capacity', 'examples/', '-f', deploymentFile('probe', 1), '-o', 'json']);
    expect(r.code).toBe(0);
    const [item] = (JSON.parse(r.stdout) as CapacityReportDoc).items;
    expect(item.workload).toEqual({ kind: 'Deployment', name: 'probe' });
    const n = item.headroom;
    expect(n).toBeGreaterThan(0);
    const place = (replicas: number) =>
      JSON.parse(placer(['place', 'examples/', deploymentFile('probe', replicas), '-o', 'json']).stdout) as PlacementResult;
    const exact = place(n);
    expect(exact.placements.filter((p) => p.name.startsWith('probe-')).length).toBe(n);
    expect(exact.unplaced.filter((p) => p.name.startsWith('probe-'))).toEqual([]);
    const over = place(n + 1);
    const refused = over.unplaced.filter((p) => p.name.startsWith('probe-'));
    expect(refused).toHaveLength(1);
    expect(refused[0].reason).toBe(item.stoppedBy!.message);
  });

  it('-f: what the workload manifests hold and capacity does not read is a warning on stderr', () => {
    const file = deploymentFile('warned', 1);
    const yaml = file.replace(/\.json$/, '.yaml');
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'team-shop' } };
    writeFileSync(yaml, [JSON.parse(readFileSync(file, 'utf8')), service].map((d) => stringify(d)).join('---\n'));
    const r = placer(['capacity', 'examples/', '-f', yaml, '-o', 'json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('warning: ignored 1 object of kind Service (v1); placer does not read this kind\n');
    expect((JSON.parse(r.stdout) as CapacityReportDoc).items.map((i) => i.workload)).toEqual([{ kind: 'Deployment', name: 'warned' }]);
  });

  it.each([
    [['capacity', 'examples/'], 'give either --shape <requests> or -f <workload manifests>'],
    [['capacity', 'examples/', '--shape', 'cpu=8x'], '--shape[cpu]: Invalid value: "8x"'],
    [['capacity', 'examples/', '--shape', 'cpu=1', '-n', 'a', '-A'], 'give -n <namespace> or -A, not both'],
    [['capacity', '--shape', 'cpu=1'], 'give the manifests of the cluster'],
  ])('%j: exit 1, %s', (args, message) => {
    const r = placer(args);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });
});
