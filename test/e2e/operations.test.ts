// `placer drain | rebalance | move-namespace` as real processes: over examples/ (plans, checked
// by the independent model checker on the cluster they leave) and against a real `placer serve`
// (--server: executed, durable across a restart).

import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadClusterInput } from '../../service/manifests/index.js';
import type { PlanDoc } from '../../service/placement/plans.js';
import type { PlacementResult } from '../../service/placement/result.js';
import { applyPlan, checkResult, cordoned } from './model-checker.js';
import { call, killAll, removeDirs, start, tempDir } from './server.js';
import { placer } from './cli-run.js';

const root = join(import.meta.dirname, '..', '..');

afterEach(killAll);
afterAll(removeDirs);

describe('placer drain / rebalance / move-namespace over examples/', () => {
  it('drain: a plan that keeps every rule, the same on every engine; what cannot move makes the exit code 1', async () => {
    const base = JSON.parse(placer(['place', 'examples/', '-o', 'json']).stdout) as PlacementResult;
    const input = await loadClusterInput([join(root, 'examples')], { cpuMhzPerCore: 2000 });
    const r = placer(['drain', 'esx-a01,esx-b04', 'examples/', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as PlanDoc;
    expect(plan).toMatchObject({ kind: 'DrainPlan', hosts: ['esx-a01', 'esx-b04'], dryRun: true, executed: false, unmovable: [] });
    const onDrained = base.placements.filter((p) => p.host === 'esx-a01' || p.host === 'esx-b04').length;
    expect(plan.moves).toHaveLength(onDrained);
    for (const m of plan.moves) expect(['esx-a01', 'esx-b04']).not.toContain(m.to);
    checkResult(cordoned(input, ['esx-a01', 'esx-b04']), applyPlan(base, plan));
    expect(placer(['drain', 'esx-a01,esx-b04', 'examples/', '-o', 'json', '--engine', 'reference']).stdout).toBe(r.stdout);

    // The GPU trainers have nowhere else to go: reported with the scheduler's reason, exit code 1.
    const gpu = placer(['drain', 'gpu-c01', 'examples/']);
    expect(gpu.code).toBe(1);
    expect(gpu.stdout).toContain('Cannot move:');
    expect(gpu.stdout).toMatch(/train-resnet-\w+\s+gpu-c01\s+0\/36 hosts are available: \d+ Insufficient nvidia\.com\/gpu/);
    expect(placer(['drain', 'gpu-c01', 'examples/', '--allow-partial']).code).toBe(0);
    const unknown = placer(['drain', 'esx-z99', 'examples/']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: host "esx-z99" is not among the hosts of the given manifests\n');
  });

  it('rebalance and move-namespace: plans that keep every rule', async () => {
    const base = JSON.parse(placer(['place', 'examples/', '-o', 'json']).stdout) as PlacementResult;
    const input = await loadClusterInput([join(root, 'examples')], { cpuMhzPerCore: 2000 });
    const rb = JSON.parse(placer(['rebalance', 'examples/', '--max-moves', '5', '-o', 'json']).stdout) as PlanDoc;
    expect(rb).toMatchObject({ kind: 'RebalancePlan', resource: 'cpu' });
    expect(rb.moves.length).toBeGreaterThan(0);
    expect(rb.moves.length).toBeLessThanOrEqual(5);
    expect(rb.imbalance!.after).toBeLessThan(rb.imbalance!.before);
    checkResult(input, applyPlan(base, rb));

    const mv = JSON.parse(
      placer(['move-namespace', 'team-shop', '--to', 'topology.kubernetes.io/zone=dc1-zone-b', 'examples/', '-o', 'json']).stdout,
    ) as PlanDoc;
    expect(mv).toMatchObject({ kind: 'NamespaceMovePlan', namespace: 'team-shop', unmovable: [] });
    const shopPods = base.placements.filter((x) => x.namespace === 'team-shop');
    expect(mv.usage!.hosts.before).toBe(new Set(shopPods.map((p) => p.host)).size);
    expect(mv.usage!.used.pods).toBe(String(shopPods.length));
    const after = applyPlan(base, mv);
    const zoneOf = new Map(input.hosts.map((h) => [h.name, h.labels.get('topology.kubernetes.io/zone')]));
    for (const p of after.placements.filter((x) => x.namespace === 'team-shop')) expect(zoneOf.get(p.host)).toBe('dc1-zone-b');
    checkResult(input, after);
    const bad = placer(['move-namespace', 'team-shop', '--to', 'zone in (a', 'examples/']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: --to: unable to parse requirement/);
  });
});

describe('placer drain --server (real service)', () => {
  it('plans with --dry-run, executes otherwise; the executed drain survives a restart', async () => {
    const dir = tempDir();
    const s = await start(dir, ['--bootstrap', 'examples/']);
    const before = (await call(s, 'GET', '/v1/placements')).body;
    const dry = placer(['drain', 'esx-b04', '--server', s.url, '--dry-run', '-o', 'json']);
    expect(dry.stderr).toBe('');
    const plan = JSON.parse(dry.stdout) as PlanDoc;
    expect(plan).toMatchObject({ dryRun: true, executed: false });
    expect((await call(s, 'GET', '/v1/placements')).body).toEqual(before);

    const run = placer(['drain', 'esx-b04', '--server', s.url, '-o', 'json']);
    const done = JSON.parse(run.stdout) as PlanDoc;
    expect(done).toMatchObject({ dryRun: false, executed: true });
    expect(done.moves).toEqual(plan.moves);
    const items = (await call(s, 'GET', '/v1/placements')).body.items as { kind: string; namespace: string; name: string; host: string }[];
    const where = new Map(items.map((p) => [`${p.kind}/${p.namespace}/${p.name}`, p.host]));
    for (const m of done.moves) expect(where.get(`${m.kind}/${m.namespace}/${m.name}`)).toBe(m.to);
    expect(items.some((p) => p.host === 'esx-b04')).toBe(false);
    const snapshot = [(await call(s, 'GET', '/v1/placements')).body, (await call(s, 'GET', '/v1/hosts')).body];
    s.proc.kill('SIGTERM');
    await s.exited;
    const again = await start(dir);
    expect([(await call(again, 'GET', '/v1/placements')).body, (await call(again, 'GET', '/v1/hosts')).body]).toEqual(snapshot);
    const gpu = placer(['drain', 'gpu-c01', '--server', again.url]);
    expect(gpu.code).toBe(1);
    expect(gpu.stderr).toMatch(/^error: draining gpu-c01 would leave 4 workload\(s\) where they are; nothing was changed/);
    expect(gpu.stderr).toMatch(/Pod team-ml\/train-resnet-\w+: 0\/36 hosts are available/);
  });
});

describe('placer drain paces by PodDisruptionBudgets', () => {
  it('prints the waves: maxUnavailable 2 over the storefront replicas on esx-b04', async () => {
    const { writeFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'placer-pdb-'));
    try {
      const file = join(dir, 'pdb.yaml');
      writeFileSync(
        file,
        'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: storefront, namespace: team-web}\nspec:\n  maxUnavailable: 2\n  selector: {matchLabels: {app: storefront}}\n',
      );
      const text = placer(['drain', 'esx-b04', 'examples/', file]);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^WAVE +NAMESPACE +KIND +NAME +FROM +TO$/m);
      const plan = JSON.parse(placer(['drain', 'esx-b04', 'examples/', file, '-o', 'json']).stdout) as PlanDoc;
      const perWave = new Map<number, number>();
      for (const m of plan.moves.filter((x) => x.name.startsWith('storefront-'))) perWave.set(m.wave, (perWave.get(m.wave) ?? 0) + 1);
      // at most two storefront pods per wave, waves numbered from 1 without gaps
      for (const n of perWave.values()) expect(n).toBeLessThanOrEqual(2);
      expect([...perWave.keys()].sort()).toEqual(Array.from({ length: perWave.size }, (_, i) => i + 1));
      expect(plan.waves).toBe(perWave.size);
      expect(text.stdout).toContain(`PodDisruptionBudgets pace the evictions: ${plan.waves} wave(s)`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the README shows real plans', () => {
  it('every line of its drain and rebalance transcripts is what the CLI prints', async () => {
    const { readFileSync } = await import('node:fs');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    // each `$ npx placer …` transcript inside the "Drain, rebalance" section; "…" elides lines
    const section = readme.slice(readme.indexOf('## Drain, rebalance'), readme.indexOf('## The service'));
    const transcripts = [...section.matchAll(/^\$ npx placer (.+)\n([\s\S]*?)(?=^\$ |^```)/gm)];
    expect(transcripts.map((t) => t[1])).toEqual(['drain esx-b04 examples/', 'rebalance examples/ --max-moves 4']);
    for (const [, command, shown] of transcripts) {
      const r = placer(command!.split(' '));
      expect(r.code, command).toBe(0);
      const printed = new Set(r.stdout.split('\n').map((l) => l.trimEnd()));
      for (const line of shown!.split('\n').map((l) => l.trimEnd()))
        if (line !== '' && line !== '…') expect(printed.has(line), `${command}: ${line}`).toBe(true);
    }
  });
});
