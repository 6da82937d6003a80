// Namespace HA refusals end to end: a real `placer serve` on 127.0.0.1 and the real CLI process,
// over a small cluster written as manifests. Four 4-cpu hosts; namespace db is protected against
// one host failure and runs db-0 (3 cpu) on h1, whose restart plan needs h2 (the only host with 3
// cpu free: h3 runs w, 3 cpu; h4 runs x, 2 cpu). Every path that would take that room says so,
// naming the namespace and the host whose failure could not be absorbed: the extender's filter
// (FailedNodes), POST /v1/apply and `placer place` (unplaced), a drain (not movable, nothing
// applied) and a consolidation (the host the plans need stays on).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { placer } from './cli-run.js';
import { call, killAll, type Obj, removeDirs, type Server, start, tempDir } from './server.js';

const FAILOVER = /namespace db could not restart its workloads if host h1 failed \(failover policy\): Pod db\/db-0 would find no host/;

const node = (name: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels: { 'kubernetes.io/hostname': name } },
  status: { allocatable: { cpu: '4', memory: '16Gi', pods: '110' } },
});
const pod = (ns: string, name: string, cpu: string, nodeName?: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', resources: { requests: { cpu, memory: '1Gi' } } }] },
});
const protectedDb: Obj = {
  apiVersion: 'placer.dev/v1alpha1',
  kind: 'NamespacePolicy',
  metadata: { name: 'ha', namespace: 'db' },
  spec: { failover: { hostFailuresToTolerate: 1 } },
};
const cluster = (): Obj[] => [
  ...['h1', 'h2', 'h3', 'h4'].map(node),
  protectedDb,
  pod('db', 'db-0', '3', 'h1'),
  pod('web', 'w', '3', 'h3'),
  pod('web', 'x', '2', 'h4'),
];

interface PlanDoc {
  executed: boolean;
  moves: { name: string; from: string; to: string }[];
  unmovable: { name: string; from: string; reason: string }[];
  standby?: string[];
  keptForFailover?: string[];
}

describe('failover refusals end to end (real server, real CLI)', () => {
  let dir: string;
  let s: Server;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'placer-failover-'));
    writeFileSync(
      join(dir, 'cluster.yaml'),
      cluster()
        .map((o) => stringify(o))
        .join('---\n'),
    );
    s = await start(tempDir());
    const applied = await call(s, 'POST', '/v1/apply', cluster());
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  });
  afterAll(() => {
    killAll();
    removeDirs();
    rmSync(dir, { recursive: true, force: true });
  });

  it('extender filter: the host whose room the restart plan needs is in FailedNodes with the words; the others pass', async () => {
    // n (2 cpu): h1 and h3 have 1 cpu free; h2 would keep 2 (db-0 needs 3); h4 keeps 0, but h2 stays whole.
    const r = await call(s, 'POST', '/scheduler/filter', { Pod: pod('web', 'n', '2'), NodeNames: ['h1', 'h2', 'h3', 'h4'] });
    expect(r.status).toBe(200);
    const body = r.body as {
      NodeNames: string[];
      FailedNodes: Record<string, string>;
      FailedAndUnresolvableNodes?: Record<string, string>;
    };
    expect(body.NodeNames).toEqual(['h4']);
    expect(Object.keys(body.FailedNodes).sort()).toEqual(['h1', 'h2', 'h3']);
    expect(body.FailedNodes.h2).toMatch(FAILOVER);
    expect(body.FailedNodes.h1).toMatch(/Insufficient cpu/);
    expect(body.FailedAndUnresolvableNodes ?? {}).toEqual({});
  });

  it('POST /v1/apply and `placer place`: a workload only the held room could take stays unplaced, saying so', async () => {
    const words =
      /^0\/4 hosts are available: 1 host\(s\) would leave a protected namespace without room to restart its workloads \(failover policy\), 3 Insufficient cpu\. Host h2: /;
    writeFileSync(join(dir, 'more.yaml'), stringify(pod('web', 'big', '3')));
    const cli = placer(['place', dir, '-o', 'json']);
    expect(cli.stderr).toBe('');
    const placed = JSON.parse(cli.stdout) as { unplaced: { name: string; reason: string }[] };
    const big = placed.unplaced.find((u) => u.name === 'big')!;
    expect(big.reason).toMatch(words);
    expect(big.reason).toMatch(FAILOVER);
    const table = placer(['place', dir]);
    expect(table.stdout).toContain(`web Pod/big: ${big.reason}`);
    rmSync(join(dir, 'more.yaml'));

    const r = await call(s, 'POST', '/v1/apply', [pod('web', 'big', '3')]);
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body)).toContain(JSON.stringify(big.reason).slice(1, -1));
    const where = await call(s, 'GET', '/v1/placements');
    expect(JSON.stringify(where.body)).not.toContain('"big"');
    await call(s, 'DELETE', '/v1/workloads/Pod/web/big');
  });

  it('drain (API and CLI): the workload no host admits is not movable, with the words; nothing is applied', async () => {
    // x (2 cpu) fits only on h2 once h4 is drained: there it would take db-0's restart room.
    const api = await call(s, 'POST', '/v1/hosts/h4/drain?dryRun=true');
    expect(api.status).toBe(200);
    const plan = api.body as unknown as PlanDoc;
    expect(plan.moves).toEqual([]);
    expect(plan.unmovable.map((u) => [u.name, u.from])).toEqual([['x', 'h4']]);
    expect(plan.unmovable[0].reason).toMatch(/^host h2 does not fit: /);
    expect(plan.unmovable[0].reason).toMatch(FAILOVER);

    const files = placer(['drain', 'h4', dir, '-o', 'json']);
    expect(files.code).toBe(1);
    expect((JSON.parse(files.stdout) as PlanDoc).unmovable).toEqual(plan.unmovable);
    const run = placer(['drain', 'h4', '--server', s.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: draining h4 would leave 1 workload\(s\) where they are; nothing was changed/);
    expect(run.stderr).toMatch(FAILOVER);
    const hosts = (await call(s, 'GET', '/v1/hosts')).body.items as { name: string; unschedulable: boolean }[];
    expect(hosts.find((h) => h.name === 'h4')?.unschedulable).toBe(false);
    const items = (await call(s, 'GET', '/v1/placements')).body.items as { name: string; host: string }[];
    expect(items.find((p) => p.name === 'x')?.host).toBe('h4');
  });

  it('consolidate (API and CLI): the empty host the restart plans need stays on, named; executed, the policy holds', async () => {
    // h2 is empty: a standby candidate, cordoned — but db-0's restart plan needs it: it stays on.
    const files = placer(['consolidate', dir, '-o', 'json']);
    expect(files.stderr).toBe('');
    const plan = JSON.parse(files.stdout) as PlanDoc;
    expect(plan.standby ?? []).not.toContain('h2');
    expect(plan.keptForFailover).toEqual(['h2']);
    const api = await call(s, 'POST', '/v1/consolidate?dryRun=true');
    expect(api.status).toBe(200);
    expect((api.body as unknown as PlanDoc).moves).toEqual(plan.moves);
    const run = await call(s, 'POST', '/v1/consolidate');
    expect(run.status).toBe(200);
    const report = (await call(s, 'GET', '/v1/failover')).body as { namespaces: { namespace: string; kept: boolean }[] };
    expect(report.namespaces).toEqual([expect.objectContaining({ namespace: 'db', kept: true })]);
    const text = placer(['consolidate', dir]);
    expect(text.stdout).toContain('Kept on for failover (restart plans of protected namespaces need their room): h2');
  });
});

// Each refused node gets its own words, and each pod its own name. Four 4-cpu hosts; namespace ha
// is protected against one host failure and runs a (2 cpu) on g1 and b (2 cpu) on g2, whose plans
// restart each on the other (g3 and g4 are full). A third 2-cpu pod of ha fits on g1 and g2 only:
//   on g1: g1 fails, a restarts on g2 (2 free) and the new pod finds no host;
//   on g2: g2 is full, so when g1 fails a finds no host.
// Both refusals say "if host g1 failed"; the first names the pod asked about, the second ha/a.
describe('failover refusals name the host and the pod asked about (real server)', () => {
  let s: Server;
  beforeAll(async () => {
    s = await start(tempDir());
    const ha: Obj = { ...protectedDb, metadata: { name: 'ha', namespace: 'ha' } };
    const applied = await call(s, 'POST', '/v1/apply', [
      ...['g1', 'g2', 'g3', 'g4'].map(node),
      ha,
      pod('ha', 'a', '2', 'g1'),
      pod('ha', 'b', '2', 'g2'),
      pod('web', 'f3', '4', 'g3'),
      pod('web', 'f4', '4', 'g4'),
    ]);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  });
  afterAll(() => {
    killAll();
    removeDirs();
  });

  it('the extender filter: two refused nodes, each its own refusal; a second pod of the same shape is named in its own', async () => {
    const words = (name: string) => ({
      g1: `placer: namespace ha could not restart its workloads if host g1 failed (failover policy): Pod ha/${name} would find no host`,
      g2: 'placer: namespace ha could not restart its workloads if host g1 failed (failover policy): Pod ha/a would find no host',
    });
    for (const name of ['n', 'm']) {
      const r = await call(s, 'POST', '/scheduler/filter', { Pod: pod('ha', name, '2'), NodeNames: ['g1', 'g2', 'g3', 'g4'] });
      expect(r.status).toBe(200);
      const failed = (r.body as { FailedNodes: Record<string, string> }).FailedNodes;
      expect(Object.keys(failed).sort()).toEqual(['g1', 'g2', 'g3', 'g4']);
      expect(failed.g3).toMatch(/Insufficient cpu/);
      const w = words(name);
      expect(failed.g1.startsWith(`${w.g1}: `), `${name} on g1: ${failed.g1}`).toBe(true);
      expect(failed.g2.startsWith(`${w.g2}: `), `${name} on g2: ${failed.g2}`).toBe(true);
    }
  });
});
