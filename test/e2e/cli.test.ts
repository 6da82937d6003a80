// The real CLI, as a newcomer runs it: a separate `node bin/placer.js` process over examples/.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClusterInput } from '../../service/manifests/index.js';
import type { PlacementResult } from '../../service/placement/result.js';
import { checkResult } from './model-checker.js';
import { placer } from './cli-run.js';

const root = join(import.meta.dirname, '..', '..');

describe('placer place (real process)', () => {
  it('places examples/ and prints the table, the summary and why things were not placed', () => {
    const r = placer(['place', 'examples/']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s{3,}KIND\s{3,}NAME\s{3,}HOST$/);
    expect(r.stdout).toMatch(/Placed \d+\/\d+ workloads \(3 already running\) on \d+ of 36 hosts \(lower bound \d+\)/);
    expect(r.stdout).toContain(
      '0/36 hosts are available: 1 host(s) were unschedulable, 2 host(s) had untolerated taint {nvidia.com/gpu: true}',
    );
    expect(r.stdout).toContain(
      'exceeded quota: web-compute, requested: requests.cpu=500m, used: requests.cpu=40, limited: requests.cpu=40',
    );
    expect(r.stdout).toMatch(/Insufficient nvidia\.com\/gpu/);
  });

  it('-o json is the PlacementResult contract, byte-identical across runs, and passes the independent checker', async () => {
    const a = placer(['place', 'examples/', '-o', 'json']);
    const b = placer(['place', 'examples/', '-o', 'json']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const result = JSON.parse(a.stdout) as PlacementResult;
    expect(result).toMatchObject({ apiVersion: 'placer.dev/v1alpha1', kind: 'PlacementResult' });
    expect(Object.keys(result.placements[0])).toEqual(expect.arrayContaining(['namespace', 'kind', 'name', 'host']));
    expect(Object.keys(result.unplaced[0])).toEqual(expect.arrayContaining(['namespace', 'kind', 'name', 'reason']));
    expect(result.summary).toMatchObject({
      placed: expect.any(Number),
      unplaced: expect.any(Number),
      hostsUsed: expect.any(Number),
      lowerBound: expect.any(Number),
    });
    expect(result.summary.placed).toBe(result.placements.length);
    expect(result.summary.unplaced).toBe(result.unplaced.length);
    const input = await loadClusterInput([join(root, 'examples')], { cpuMhzPerCore: 2000 });
    checkResult(input, result);
  });

  it('the reference engine and the scalar Wasm build give the same result as the SIMD core', () => {
    const simd = placer(['place', 'examples/', '-o', 'json']).stdout;
    expect(placer(['place', 'examples/', '-o', 'json', '--engine', 'reference']).stdout).toBe(simd);
    expect(placer(['place', 'examples/', '-o', 'json', '--engine', 'wasm-scalar']).stdout).toBe(simd);
  });

  it('reads stdin, -o yaml and -o wide', () => {
    const manifest = [
      'apiVersion: v1\nkind: Node\nmetadata: {name: h1}\nstatus: {allocatable: {cpu: "2", memory: 4Gi, pods: "10"}}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\nspec: {containers: [{name: c, resources: {requests: {cpu: "1"}}}]}',
    ].join('\n---\n');
    const yaml = placer(['place', '-', '-o', 'yaml'], manifest);
    expect(yaml.code).toBe(0);
    expect(yaml.stdout).toContain('kind: PlacementResult');
    expect(yaml.stdout).toContain('host: h1');
    const wide = placer(['place', '-', '-o', 'wide'], manifest);
    expect(wide.stdout.split('\n')[0]).toMatch(/STATUS\s+OWNER$/);
    expect(wide.stdout.split('\n')[1]).toMatch(/^ns\s+Pod\s+p\s+h1\s+Placed\s+<none>$/);
  });

  it('--explain shows, host by host, why an unplaced workload fits nowhere', () => {
    const r = placer(['place', 'examples/', '--explain']);
    expect(r.stdout).toContain('Explain VirtualMachine dev-sandbox/analytics-giant:');
    expect(r.stdout).toMatch(/\d+ host\(s\): Insufficient cpu, Insufficient memory \[/);
  });

  it.each([
    [
      'bad quantity',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    resources: {requests: {cpu: 2x}}\n',
      /bad\.yaml: document 1 \(Pod default\/p\): spec\.containers\[0\]\.resources\.requests\.cpu: /,
    ],
    [
      'unknown operator',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c}]\n  affinity:\n    nodeAffinity:\n      requiredDuringSchedulingIgnoredDuringExecution:\n        nodeSelectorTerms:\n        - matchExpressions: [{key: a, operator: Near, values: [b]}]\n',
      /bad\.yaml: document 1 \(Pod default\/p\): spec\.affinity\.nodeAffinity\.requiredDuringSchedulingIgnoredDuringExecution\.nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.operator: Invalid value: "Near": not a valid selector operator/,
    ],
    ['broken YAML', 'apiVersion: v1\nkind: Pod\nmetadata: {name: p\n', /bad\.yaml: document 1: .*line \d+, column \d+/],
    [
      'missing VirtualMachineClass',
      'apiVersion: vmoperator.vmware.com/v1alpha3\nkind: VirtualMachine\nmetadata: {name: v, namespace: ns}\nspec: {className: nope}\n',
      /bad\.yaml: document 1 \(VirtualMachine ns\/v\): spec\.className: no VirtualMachineClass with name nope/,
    ],
  ])('%s: non-zero exit, the file, document and field path, nothing printed as placed', (_, text, pattern) => {
    const dir = mkdtempSync(join(tmpdir(), 'placer-bad-'));
    const good =
      'apiVersion: v1\nkind: Node\nmetadata: {name: h1}\nstatus: {allocatable: {cpu: "2", memory: 4Gi, pods: "10"}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec: {containers: [{name: c}]}\n';
    writeFileSync(join(dir, 'a-good.yaml'), good);
    writeFileSync(join(dir, 'bad.yaml'), text);
    const r = placer(['place', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(pattern);
  });
});
