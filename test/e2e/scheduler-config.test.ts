// `placer place --config <KubeSchedulerConfiguration>` and `placer serve --config` as real processes: the profile a
// kube-scheduler user already has decides placer's scores too, and what placer cannot honour
// stops the run naming the file and the field path.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { PlacementResult } from '../../service/placement/result.js';
import { call, killAll, removeDirs, start, tempDir } from './server.js';
import { placer } from './cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'placer-ksconfig-'));

function file(name: string, text: string): string {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
}

// The issue's two nodes: LeastAllocated gives both 50 for the pod (1 cpu / 1Gi); BalancedAllocation
// 75 on node-a (3/4 cpu, 1/4 memory) and 100 on node-b (2/4, 2/4).
const node = (name: string) =>
  `apiVersion: v1\nkind: Node\nmetadata: {name: ${name}}\nstatus: {allocatable: {cpu: "4", memory: 4Gi, pods: "110"}}`;
const pod = (name: string, cpu: string, memory: string, at?: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: a}\nspec:\n  ${at ? `nodeName: ${at}\n  ` : ''}containers: [{name: c, image: x, resources: {requests: {cpu: "${cpu}", memory: "${memory}"}}}]`;
const cluster = file(
  'cluster.yaml',
  [node('node-a'), node('node-b'), pod('run-a', '2', '0', 'node-a'), pod('run-b', '1', '1Gi', 'node-b'), pod('incoming', '1', '1Gi')].join(
    '\n---\n',
  ),
);
const header =
  'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- schedulerName: default-scheduler\n';

function hostOf(args: string[]): string | undefined {
  const r = placer(['place', cluster, '-o', 'json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as PlacementResult).placements.find((p) => p.name === 'incoming')?.host;
}

describe('placer place --config (real process)', () => {
  it("kube-scheduler's default profile, with --config or without: BalancedAllocation picks node-b", () => {
    expect(hostOf(['--config', file('default.yaml', header)])).toBe('node-b');
    expect(hostOf([])).toBe('node-b');
  });

  it('BalancedAllocation disabled: the nodes tie and the first wins', () => {
    const f = file('nobalance.yaml', `${header}  plugins:\n    score:\n      disabled: [{name: NodeResourcesBalancedAllocation}]\n`);
    expect(hostOf(['--config', f])).toBe('node-a');
  });

  it('NodeResourcesFit MostAllocated from pluginConfig: the fuller node-a wins', () => {
    // MostAllocated over cpu=3, memory=1, BalancedAllocation disabled: node-a (75·3 + 25·1) / 4 = 62,
    // node-b (50·3 + 50·1) / 4 = 50.
    const f = file(
      'most.yaml',
      `${header}  plugins:\n    score:\n      disabled: [{name: NodeResourcesBalancedAllocation}]\n  pluginConfig:\n  - name: NodeResourcesFit\n    args:\n      scoringStrategy:\n        type: MostAllocated\n        resources: [{name: cpu, weight: 3}, {name: memory, weight: 1}]\n`,
    );
    expect(hostOf(['--config', f])).toBe('node-a');
  });

  it('a setting placer cannot honour, or --config beside the flags it replaces: exit 1, the file and field named', () => {
    const f = file('bad.yaml', `${header}  plugins:\n    score:\n      enabled: [{name: TaintToleration, weight: 1}]\n`);
    const r = placer(['place', cluster, '--config', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${f}: document 1 (KubeSchedulerConfiguration): profiles[0].plugins.score.enabled[0].weight: 1: placer scores TaintToleration with kube-scheduler's default weight 3 only`,
    );
    expect(r.stdout).toBe('');
    const both = placer(['place', cluster, '--config', file('ok.yaml', header), '--strategy', 'MostAllocated']);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--config sets the score profile; --strategy cannot be given with it');
  });
});

describe('placer serve --config (real process)', () => {
  afterEach(killAll);
  afterAll(removeDirs);

  it("places the bootstrap cluster and what /v1/apply brings with the file's profile", async () => {
    const f = file('serve-default.yaml', header);
    const s = await start(tempDir(), ['--bootstrap', cluster, '--config', f]);
    const placements = (await call(s, 'GET', '/v1/placements?namespace=a')).body.items as { name: string; host: string }[];
    expect(placements.find((p) => p.name === 'incoming')?.host).toBe('node-b');
    // without --config: placer's default profile is kube-scheduler's, BalancedAllocation included
    const plain = await start(tempDir(), ['--bootstrap', cluster]);
    const byDefault = (await call(plain, 'GET', '/v1/placements?namespace=a')).body.items as { name: string; host: string }[];
    expect(byDefault.find((p) => p.name === 'incoming')?.host).toBe('node-b');
    const off = file(
      'serve-nobalance.yaml',
      `${header}  plugins:\n    score:\n      disabled: [{name: NodeResourcesBalancedAllocation}]\n`,
    );
    const tied = await start(tempDir(), ['--bootstrap', cluster, '--config', off]);
    const disabled = (await call(tied, 'GET', '/v1/placements?namespace=a')).body.items as { name: string; host: string }[];
    expect(disabled.find((p) => p.name === 'incoming')?.host).toBe('node-a');
  });

  it("--extender-choice placer: a profile without ImageLocality lets placer choose where the pod's image is on a node", async () => {
    // Nodes mode: node-a reports the pod's 500 MiB image. With ImageLocality scoring (kube's default)
    // it could score node-a ⌊100 · 477 / 977⌋ = 48: placer answers both nodes for kube-scheduler to
    // score. Disabled in the file: placer's own choice. With the bootstrap's pods (incoming on
    // node-b) a pod of 1 cpu / 1Gi ties: node-a cpu 3/4, memory 1/4: fit (25 + 75) / 2 = 50,
    // balanced 100 − 25 = 75 → 125; node-b 3/4 and 3/4: fit 25, balanced 100 → 125; the lower
    // slot, node-a.
    const items = ['node-a', 'node-b'].map((name) => ({
      metadata: { name, resourceVersion: '3' },
      status: {
        allocatable: { cpu: '4', memory: '4Gi', pods: '110' },
        ...(name === 'node-a' && { images: [{ names: ['registry.example/app:1'], sizeBytes: 500 * 1024 * 1024 }] }),
      },
    }));
    const args = {
      Pod: {
        metadata: { name: 'filtered', namespace: 'a', uid: 'uid-filtered' },
        spec: { containers: [{ name: 'c', image: 'registry.example/app:1', resources: { requests: { cpu: '1', memory: '1Gi' } } }] },
      },
      Nodes: { metadata: {}, items },
      NodeNames: null,
    };
    const answered = async (extra: string[]): Promise<string[]> => {
      const s = await start(tempDir(), ['--bootstrap', cluster, '--extender-choice', 'placer', ...extra]);
      const r = await call(s, 'POST', '/scheduler/filter', args);
      expect(r.status).toBe(200);
      return (r.body.Nodes as { items: { metadata: { name: string } }[] }).items.map((n) => n.metadata.name);
    };
    expect(await answered(['--config', file('serve-images.yaml', header)])).toEqual(['node-a', 'node-b']);
    const noImages = file('serve-noimages.yaml', `${header}  plugins:\n    score:\n      disabled: [{name: ImageLocality}]\n`);
    expect(await answered(['--config', noImages])).toEqual(['node-a']);
  });
});
