// `placer consolidate` as a real process: over examples/ (a plan the independent model checker
// accepts on the cluster it leaves, the standby hosts cordoned; the same on every engine; pinned
// and bin-packing workloads stay) and against a real `placer serve` (--server: planned with
// --dry-run, executed otherwise, the planned hosts then empty).

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

describe('placer consolidate over examples/', () => {
  it('a plan that keeps every rule, the same on every engine, that frees hosts; bin-packing namespaces stay', async () => {
    const base = JSON.parse(placer(['place', 'examples/', '-o', 'json']).stdout) as PlacementResult;
    const input = await loadClusterInput([join(root, 'examples')], { cpuMhzPerCore: 2000 });
    const r = placer(['consolidate', 'examples/', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout) as PlanDoc;
    expect(plan).toMatchObject({ kind: 'ConsolidatePlan', dryRun: true, executed: false, binPacking: ['team-apps', 'team-payments'] });
    expect(plan.emptied!.length).toBeGreaterThan(0);
    expect(plan.hostsInUse!.after).toBe(plan.hostsInUse!.before - plan.emptied!.length);
    expect(plan.hostsInUse!.after).toBeGreaterThanOrEqual(plan.hostsInUse!.lowerBound);
    for (const m of plan.moves) {
      expect(['team-apps', 'team-payments']).not.toContain(m.namespace);
      expect(m.live).toBe(m.kind === 'VirtualMachine');
      expect(plan.emptied).toContain(m.from);
    }
    // the cluster the plan leaves: every rule holds, and nothing is left on a standby host
    const after = applyPlan(base, plan);
    checkResult(cordoned(input, plan.standby!), after);
    for (const p of after.placements) expect(plan.standby).not.toContain(p.host);
    expect(placer(['consolidate', 'examples/', '-o', 'json', '--engine', 'reference']).stdout).toBe(r.stdout);

    const text = placer(['consolidate', 'examples/', '--spare-per-zone', '1']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Consolidation: \d+ move\(s\) empty \d+ host\(s\), 0 pinned — plan only \(dry run\)\.$/m);
    expect(text.stdout).toMatch(/^# +NAMESPACE +KIND +NAME +FROM +TO +HOW$/m);
    expect(text.stdout).toContain(`Hosts in use: ${plan.hostsInUse!.before} → `);
    expect(text.stdout).toMatch(/^Spares: esx-\w+, esx-\w+, esx-\w+$/m);

    const limited = JSON.parse(placer(['consolidate', 'examples/', '--max-moves', '5', '-o', 'json']).stdout) as PlanDoc;
    expect(limited.moves.length).toBeLessThanOrEqual(5);
    expect(limited.effort!.limited).toBe(true);
  });

  it('refuses bad flags with exit code 1 and names them', () => {
    const typo = placer(['consolidate', 'examples/', '--exclude-namespace', 'team-paymnts']);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toBe('error: --exclude-namespace: namespace "team-paymnts" has no workloads in the given manifests\n');
    const bad = placer(['consolidate', 'examples/', '--exclude-namespace', 'Team_Web']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("option '--exclude-namespace <ns,...>' argument 'Team_Web' is invalid");
    const spare = placer(['consolidate', 'examples/', '--spare-per-zone', 'two']);
    expect(spare.code).toBe(1);
    expect(spare.stderr).toContain('--spare-per-zone');
  });
});

describe('placer consolidate --server (real service)', () => {
  it('plans with --dry-run; executed, the planned hosts are empty and cordoned', async () => {
    const s = await start(tempDir(), ['--bootstrap', 'examples/']);
    const before = (await call(s, 'GET', '/v1/placements')).body;
    const dry = placer(['consolidate', '--server', s.url, '--dry-run', '--exclude-namespace', 'team-web', '-o', 'json']);
    expect(dry.stderr).toBe('');
    const plan = JSON.parse(dry.stdout) as PlanDoc;
    expect(plan).toMatchObject({ kind: 'ConsolidatePlan', dryRun: true, executed: false, excluded: ['team-web'] });
    expect(plan.moves.length).toBeGreaterThan(0);
    for (const m of plan.moves) expect(m.namespace).not.toBe('team-web');
    expect((await call(s, 'GET', '/v1/placements')).body).toEqual(before);

    const run = placer(['consolidate', '--server', s.url, '--exclude-namespace', 'team-web', '-o', 'json']);
    expect(run.code).toBe(0);
    const done = JSON.parse(run.stdout) as PlanDoc;
    expect(done).toMatchObject({ dryRun: false, executed: true });
    expect(done.moves).toEqual(plan.moves);
    const items = (await call(s, 'GET', '/v1/placements')).body.items as { host: string }[];
    for (const p of items) expect(done.standby).not.toContain(p.host);
    const hosts = (await call(s, 'GET', '/v1/hosts')).body.items as { name: string; unschedulable: boolean }[];
    for (const h of hosts) if (done.standby!.includes(h.name)) expect(h.unschedulable).toBe(true);
    const unknown = placer(['consolidate', '--server', s.url, '--exclude-namespace', 'nowhere']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: excludeNamespaces: namespace "nowhere" not found/);
  });
});

describe('the docs show real plans', () => {
  it.each([
    ['README.md', '## Consolidation', '## Drain, rebalance'],
    ['docs/operations.md', '## Consolidate: free hosts', '## The plan document'],
  ])('every line of the consolidate transcript in %s is what the CLI prints', async (file, from, to) => {
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(join(root, file), 'utf8');
    const section = text.slice(text.indexOf(from), text.indexOf(to));
    // each `$ [npx ]placer …` transcript; "…" elides lines, and a line ending in "…" stands for its start
    const transcripts = [...section.matchAll(/^\$ (?:npx )?placer (.+)\n([\s\S]*?)(?=^\$ |^```)/gm)];
    expect(transcripts.map((t) => t[1])).toEqual(['consolidate examples/ --spare-per-zone 1']);
    for (const [, command, shown] of transcripts) {
      const r = placer(command!.split(' '));
      expect(r.code, command).toBe(0);
      const printed = r.stdout.split('\n').map((l) => l.trimEnd());
      for (const line of shown!.split('\n').map((l) => l.trimEnd())) {
        if (line === '' || line === '…') continue;
        const ok = line.endsWith('…') ? printed.some((p) => p.startsWith(line.slice(0, -1))) : printed.includes(line);
        expect(ok, `${command}: ${line}`).toBe(true);
      }
    }
  });
});
