// Namespaces and constraint programs live as long as something names them: a cluster that creates
// a namespace per CI run, or a node selector per test, must not grow the engine. A namespace goes
// once no live class, ResourceQuota or NamespacePolicy names it (nothing of it is placed then);
// a constraint program with the last class using it, and the label values and toleration keys
// only it used with it. Freed ids and ledger rows are reused and carry nothing of the one
// before: both backends, the Wasm core against the reference engine with namespace, constraint
// and value ids reused, and both against a fresh engine told only what is live.

import fc from 'fast-check';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Engine, type BackendName } from '../../core-wasm/src/engine.js';
import { type ConstraintSpec, SelectorOp } from '../../core-wasm/src/contract.js';
import { instantiateCore } from '../../core-wasm/src/wasm/module.js';
import { ProgramPool } from '../../core-wasm/src/wasm/programs.js';
import { CoreMemory } from '../../core-wasm/src/wasm/views.js';
import type { NamespacePolicyObj, QuotaObj, WorkloadTemplate } from '../../model/types.js';
import { probeColumns } from './drive.js';
import { host, pod, policy, quota } from '../fixtures/model.js';

const HOSTS = ['h0', 'h1', 'h2', 'h3'].map((n, i) =>
  host(n)
    .cpu('8')
    .memory('32Gi')
    .pods(100)
    .label('tier', `t${i % 2}`)
    .label('rack', `r${i}`)
    .taint('dedicated', `d${i % 2}`, 'NoSchedule')
    .obj(),
);

function engineOf(backend: BackendName): Engine {
  const e = new Engine({ backend, trackPlacements: true });
  e.upsertHosts(HOSTS);
  return e;
}

function releaseAll(e: Engine, t: WorkloadTemplate): void {
  for (const inst of t.instances) e.release('Pod', t.namespace, inst.name);
}

/** A CI run's pods: their own namespace, a node selector and a toleration naming the run. */
function ciRun(r: number, replicas = 2): WorkloadTemplate {
  return pod(`run-${r}`)
    .ns(`ci-${r}`)
    .req({ cpu: '500m', memory: '1Gi' })
    .selector('tier', `t${r % 2}`)
    .requireTerm(['rack', 'NotIn', `gone-${r}`])
    .tolerate('dedicated', 'Equal', `d${r % 2}`, 'NoSchedule')
    .tolerate(`ci.example.com/run-${r}`, 'Exists')
    .replicas(replicas)
    .obj();
}

const interned = (e: Engine): number => e.stats().interned + e.stats().constraints;

describe.each<BackendName>(['reference', 'wasm'])('namespace and constraint lifecycle (%s)', (backend) => {
  it('a namespace goes with its last class; its ledger row is reused clean', () => {
    const e = engineOf(backend);
    // the label columns a run's selectors open stay (the host table's), with the hosts' values in them
    e.place([ciRun(0)]);
    releaseAll(e, ciRun(0));
    e.collectClasses();
    const base = interned(e);
    e.setPolicies([policy('ci-1', { reserve: { cpu: '4' } })]);
    const t = ciRun(1);
    e.place([t]);
    // the namespace deleted while it has placements: its usage stays, its reservation goes
    e.setPolicies([]);
    e.collectClasses();
    const u = e.namespaceUsage().find((n) => n.namespace === 'ci-1')!;
    expect(u.used.get('cpu')).toBe(1000n);
    expect(u.reservation.size).toBe(0);
    releaseAll(e, t);
    e.collectClasses();
    expect(e.namespaceUsage().map((n) => n.namespace)).toEqual([]);
    expect(interned(e)).toBe(base);
    const rows = e.ledger().nsUsed.length;
    // the next namespace takes the row, from zero
    const next = ciRun(2, 1);
    e.place([next]);
    expect(e.ledger().nsUsed.length).toBe(rows);
    expect(e.namespaceUsage()).toEqual([
      expect.objectContaining({ namespace: 'ci-2', used: expect.objectContaining({}), reservation: new Map(), quotas: [] }),
    ]);
    expect(e.namespaceUsage()[0].used.get('cpu')).toBe(500n);
  });

  it('a ResourceQuota or a NamespacePolicy keeps its namespace; removing the last one frees it', () => {
    const e = engineOf(backend);
    e.setQuotas([quota('kept', 'q', { 'requests.cpu': '2' })]);
    e.setPolicies([policy('held', { reserve: { cpu: '1' } })]);
    e.collectClasses();
    expect(e.namespaceUsage().map((n) => n.namespace)).toEqual(['kept', 'held']);
    e.setQuotas([]);
    e.collectClasses();
    expect(e.namespaceUsage().map((n) => n.namespace)).toEqual(['held']);
    e.setPolicies([]);
    e.collectClasses();
    expect(e.namespaceUsage()).toEqual([]);
    // a reservation freed with its namespace is gone from admission: the whole cluster is free again
    const big = pod('big').ns('other').req({ cpu: '8' }).tolerate('dedicated', 'Exists').replicas(4).obj();
    expect(e.place([big]).outcomes[0].hosts.every((h) => h !== null)).toBe(true);
  });

  it('500 namespaces, each with its own node selector and toleration, churned: everything back to its baseline', () => {
    const e = engineOf(backend);
    e.place([ciRun(0)]);
    releaseAll(e, ciRun(0));
    e.collectClasses();
    const base = { interned: interned(e), rows: e.ledger().nsUsed.length, stats: e.stats() };
    let most = 0;
    let previous: WorkloadTemplate | undefined;
    for (let r = 1; r <= 500; r++) {
      const t = ciRun(r);
      e.setPolicies([policy(`ci-${r}`, { reserve: { cpu: '1' } })]);
      const placed = e.place([t]).outcomes[0].hosts;
      expect(placed.every((h) => h !== null)).toBe(true);
      if (previous) releaseAll(e, previous);
      previous = t;
      most = Math.max(most, e.ledger().nsUsed.length);
    }
    releaseAll(e, previous!);
    e.setPolicies([]);
    e.collectClasses();
    expect(e.stats()).toMatchObject({ classes: 0, constraints: base.stats.constraints, interned: base.stats.interned });
    expect(interned(e)).toBe(base.interned);
    expect(e.namespaceUsage()).toEqual([]);
    // rows of the namespaces a collection waits for (64 classes' worth), not one per namespace
    expect(most).toBeLessThanOrEqual(128);
    expect(e.ledger().nsUsed.length).toBe(most);
    expect(e.ledger().nsUsed.every((row) => row.every((v) => v === 0n))).toBe(true);
  });
});

describe('label keys are bounded, not freed (they are the host table columns)', () => {
  it('so are host taints: the one past 128 (the cordon taint and two taken) is an input error naming the Node', () => {
    const e = engineOf('wasm');
    const many = Array.from({ length: 130 }, (_, i) => host(`t${i}`).cpu('1').taint('example.com/t', `v${i}`, 'NoSchedule').obj());
    expect(() => e.upsertHosts(many)).toThrow('(Node t125): spec.taints[0]: too many distinct taints: placer supports 128');
  });

  it.each<BackendName>(['reference', 'wasm'])('the key past the limit is an input error naming the workload (%s)', (backend) => {
    const e = engineOf(backend);
    const keys = Array.from({ length: 65 }, (_, i): [string, 'Exists'] => [`example.com/k${i}`, 'Exists']);
    const t = pod('wide')
      .ns('team')
      .req({ cpu: '1' })
      .requireTerm(...keys)
      .obj();
    expect(() => e.place([t])).toThrow(
      '(Pod team/wide): spec: too many distinct label keys in node selectors: placer supports 64 (cannot add example.com/k64)',
    );
    // nothing of it stays behind but the columns that fitted
    e.collectClasses();
    expect(e.stats()).toMatchObject({ classes: 0, constraints: 0 });
  });
});

describe('the Wasm program pool under constraint churn', () => {
  it('holds the words of live programs, not of every program ever defined', () => {
    const x = instantiateCore('debug');
    const pool = new ProgramPool(x, new CoreMemory(x));
    const program = (r: number): ConstraintSpec => ({
      selector: [{ col: 0, op: SelectorOp.In, values: [r + 1, r + 2, r + 3], num: 0n }],
      required: null,
      preferred: [],
      tolerations: [],
    });
    pool.define(0, program(0)); // a program that lives throughout
    let most = 0;
    for (let r = 1; r <= 5000; r++) {
      pool.define(1 + (r % 3), program(r));
      if (r >= 3) pool.free(1 + ((r + 1) % 3));
      most = Math.max(most, pool.poolWords);
    }
    // 4 live programs of 9 words; dead words are rewritten away once past 4096 and the live ones
    expect(most).toBeLessThanOrEqual(4096 + 4 * 9 + 9);
  });

  it('programs read the same after the pool is rewritten: wasm and reference agree under long churn', () => {
    const [wasm, ref] = [engineOf('wasm'), engineOf('reference')];
    const keep = pod('keep')
      .ns('kept')
      .req({ cpu: '1', memory: '1Gi' })
      .requireTerm(['rack', 'In', 'r1', 'r2'])
      .tolerate('dedicated', 'Exists')
      .obj();
    for (const e of [wasm, ref]) e.place([keep]);
    for (let r = 0; r < 1500; r++) {
      const t = ciRun(r, 1);
      const hosts = [wasm, ref].map((e) => e.place([t]).outcomes[0].hosts);
      expect(hosts[1]).toEqual(hosts[0]);
      for (const e of [wasm, ref]) releaseAll(e, t);
    }
    for (const e of [wasm, ref]) e.collectClasses();
    const probe = pod('probe')
      .ns('kept')
      .req({ cpu: '1', memory: '1Gi' })
      .requireTerm(['rack', 'In', 'r1', 'r2'])
      .tolerate('dedicated', 'Exists')
      .obj();
    const reasons = [wasm, ref].map((e) => [...e.assessColumns(probe).columns.reasons.slice(0, HOSTS.length)]);
    expect(reasons[0]).toEqual(reasons[1]);
    expect(reasons[0].map((r) => r === 0)).toEqual([false, true, true, false]);
  });
});

/** A step of the churn: a run in a namespace of a pool (reused names too), a release, or a policy/quota change. */
type Step =
  | { op: 'run'; ns: number; sel: number; tol: number; tag: number; replicas: number; cpu: number }
  | { op: 'release'; which: number }
  | { op: 'policy'; ns: number; cpu: number }
  | { op: 'quota'; ns: number; cpu: number };

const NAMESPACES = 6;

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('run' as const),
      ns: fc.nat(NAMESPACES - 1),
      sel: fc.nat(5),
      tol: fc.nat(5),
      tag: fc.nat(7),
      replicas: fc.integer({ min: 1, max: 4 }),
      cpu: fc.constantFrom(250, 500, 1000, 3000),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ op: fc.constant('release' as const), which: fc.nat() }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('policy' as const), ns: fc.nat(NAMESPACES - 1), cpu: fc.nat(6) }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('quota' as const), ns: fc.nat(NAMESPACES - 1), cpu: fc.nat(12) }), weight: 1 },
);

/**
 * Run r: a selector, an affinity naming values of its tag and a toleration of its tag's key — a
 * tag's program and values are freed when its runs are gone, and defined again by a later run.
 */
function run(s: Extract<Step, { op: 'run' }>, r: number): WorkloadTemplate {
  let b = pod(`w-${r}`)
    .ns(`ns-${s.ns}`)
    .req({ cpu: `${s.cpu}m`, memory: '1Gi' })
    .replicas(s.replicas);
  if (s.sel % 3 === 1) b = b.selector('tier', `t${s.sel % 2}`);
  if (s.sel % 3 === 2) b = b.requireTerm(['rack', 'In', `r${s.sel % 4}`, `r${(s.sel + 1) % 4}`, `x-${s.tag}`]);
  b = b.prefer(10, ['rack', 'NotIn', `y-${s.tag}`, `r${s.tol % 4}`]);
  if (s.tol % 2 === 0) b = b.tolerate('dedicated', 'Equal', `d${s.tol % 4 === 0 ? 0 : 1}`, 'NoSchedule');
  b = b.tolerate(`key-${s.tag}`, 'Exists');
  return b.obj();
}

interface Answers {
  columns: { rejected: string | undefined; reasons: number[]; fit: number[]; total: number[] }[];
  hosts: ReturnType<Engine['ledger']>['hosts'];
  namespaces: { namespace: string; used: [string, bigint][]; reservation: [string, bigint][]; quotas: unknown }[];
}

function answers(e: Engine, probes: readonly WorkloadTemplate[]): Answers {
  e.collectClasses();
  const columns = probeColumns(e, probes);
  const namespaces = e
    .namespaceUsage()
    .map((n) => ({ namespace: n.namespace, used: [...n.used], reservation: [...n.reservation], quotas: n.quotas }))
    .filter((n) => n.used.some(([, v]) => v !== 0n) || n.reservation.length > 0 || n.quotas.length > 0)
    .sort((a, b) => (a.namespace < b.namespace ? -1 : 1));
  return { columns, hosts: e.ledger().hosts, namespaces };
}

const probes = [
  pod('p-0').ns('ns-0').req({ cpu: '2', memory: '1Gi' }).obj(),
  pod('p-1').ns('ns-1').req({ cpu: '1', memory: '1Gi' }).selector('tier', 't1').tolerate('dedicated', 'Exists').obj(),
  pod('p-2').ns('ns-2').req({ cpu: '3', memory: '1Gi' }).requireTerm(['rack', 'In', 'r0', 'r3']).tolerate('', 'Exists').obj(),
  pod('p-new').ns('fresh').req({ cpu: '500m', memory: '1Gi' }).prefer(20, ['tier', 'In', 't0']).tolerate('dedicated', 'Exists').obj(),
];

describe('namespace, constraint and value ids reused: wasm vs reference, and vs a fresh engine', () => {
  test.prop([fc.array(stepArb, { minLength: 5, maxLength: 40 })], { numRuns: Number(process.env.PLACER_RUNS ?? 120) })(
    'the same decisions, and no reused id carries anything of the one before',
    (steps) => {
      const engines = [engineOf('wasm'), engineOf('reference')];
      const live: { t: WorkloadTemplate; hosts: (string | null)[] }[] = [];
      const policies = new Map<string, NamespacePolicyObj>();
      const quotas = new Map<string, QuotaObj>();
      steps.forEach((s, r) => {
        if (s.op === 'run') {
          const t = run(s, r);
          const placed = engines.map((e) => e.place([t]).outcomes[0].hosts);
          expect(placed[1]).toEqual(placed[0]);
          live.push({ t, hosts: placed[0] });
        } else if (s.op === 'release') {
          if (live.length === 0) return;
          const [gone] = live.splice(s.which % live.length, 1);
          for (const e of engines) {
            gone.t.instances.forEach((inst, j) => gone.hosts[j] !== null && e.release('Pod', gone.t.namespace, inst.name));
            e.collectClasses(); // free now: the next runs take the ids again
          }
        } else if (s.op === 'policy') {
          const ns = `ns-${s.ns}`;
          if (s.cpu === 0) policies.delete(ns);
          else policies.set(ns, policy(ns, { reserve: { cpu: String(s.cpu) } }));
          for (const e of engines) e.setPolicies([...policies.values()]);
        } else {
          const ns = `ns-${s.ns}`;
          if (s.cpu === 0) quotas.delete(ns);
          else quotas.set(ns, quota(ns, 'q', { 'requests.cpu': String(s.cpu) }));
          for (const e of engines) e.setQuotas([...quotas.values()]);
        }
      });
      const a = answers(engines[0], probes);
      expect(answers(engines[1], probes)).toEqual(a);
      // a fresh engine told only what is live now: the same answers
      const fresh = engineOf('wasm');
      fresh.setQuotas([...quotas.values()]);
      fresh.setPolicies([...policies.values()]);
      for (const { t, hosts } of live) hosts.forEach((h, j) => h !== null && fresh.bind(t, j, h));
      expect(answers(fresh, probes)).toEqual(a);
    },
    300_000,
  );
});
