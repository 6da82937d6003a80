// Classes live as long as something of theirs is placed: rollouts that each bring new labels (a new
// pod-template-hash, a new job-name) must not grow the engine, and an id freed and taken again by
// another class must carry nothing of the old one. The same for topology counters: a selector
// naming one rollout's hash goes with the rollout's last class, and its id and Wasm entries are
// reused. Both backends, and the Wasm core against the reference engine with class and counter
// ids reused (a fresh engine given only the live workloads answers the same).

import fc from 'fast-check';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Engine, type BackendName } from '../../core-wasm/src/engine.js';
import type { WorkloadTemplate } from '../../model/types.js';
import { probeColumns } from './drive.js';
import { host, pod, quota } from '../fixtures/model.js';

const HOSTS = ['h0', 'h1', 'h2', 'h3'].map((n, i) =>
  host(n)
    .cpu('16')
    .memory('64Gi')
    .pods(200)
    .label('topology.kubernetes.io/zone', `z${i % 2}`)
    .obj(),
);

function engineOf(backend: BackendName): Engine {
  const e = new Engine({ backend, trackPlacements: true });
  e.upsertHosts(HOSTS);
  return e;
}

/**
 * How a rollout's pods spread: not at all, over the app's label (one selector group for every
 * rollout), or over this rollout's pod-template-hash — a spread and a preferred anti-affinity
 * whose selectors name the hash (what matchLabelKeys resolves to), new counters every rollout.
 */
type Spread = 'none' | 'app' | 'hash';

/** Rollout r of an app: a new pod-template-hash, `replicas` pods of one shape. */
function rollout(app: string, r: number, replicas: number, cpu: string, spread: Spread | boolean): WorkloadTemplate {
  const hash = `h${r}`;
  let b = pod(`${app}-${r}`).ns('team').req({ cpu, memory: '1Gi' }).label('app', app).label('pod-template-hash', hash).replicas(replicas);
  if (spread === true || spread === 'app') b = b.spread(1, 'topology.kubernetes.io/zone', 'ScheduleAnyway', { app });
  if (spread === 'hash') {
    b = b
      .spread(1, 'topology.kubernetes.io/zone', 'ScheduleAnyway', { app, 'pod-template-hash': hash })
      .preferAntiAffinity(10, { 'pod-template-hash': hash });
  }
  return b.obj();
}

function releaseAll(e: Engine, t: WorkloadTemplate): void {
  for (const inst of t.instances) e.release('Pod', t.namespace, inst.name);
}

describe.each<BackendName>(['reference', 'wasm'])('class lifecycle (%s)', (backend) => {
  it('a class is freed once its last placed workload is released', () => {
    const e = engineOf(backend);
    const t = rollout('web', 0, 3, '500m', false);
    e.place([t]);
    expect(e.stats().classes).toBe(1);
    e.release('Pod', 'team', t.instances[0].name);
    e.release('Pod', 'team', t.instances[1].name);
    e.collectClasses();
    expect(e.stats().classes).toBe(1); // one still runs
    e.release('Pod', 'team', t.instances[2].name);
    e.collectClasses();
    expect(e.stats().classes).toBe(0);
  });

  it('endless rollouts keep the classes bounded by what is live', () => {
    const e = engineOf(backend);
    let previous: WorkloadTemplate[] = [];
    let most = 0;
    for (let r = 0; r < 400; r++) {
      const current = [rollout('web', r, 4, '250m', false), rollout('batch', r, 2, '1', true)];
      e.place(current);
      for (const t of previous) releaseAll(e, t);
      previous = current;
      most = Math.max(most, e.stats().classes);
    }
    // two live classes, up to two emptied ones, and the candidates a collection waits for (64)
    expect(most).toBeLessThanOrEqual(4 + 64);
    e.collectClasses();
    expect(e.stats().classes).toBe(2);
    for (const t of previous) releaseAll(e, t);
    e.collectClasses();
    expect(e.stats().classes).toBe(0);
    expect(e.ledger().counters).toEqual([]);
    expect(e.ledger().hosts.every((h) => h.used.every((x) => x === 0n))).toBe(true);
  });

  it('topology counters of gone rollouts are freed, their ids and entries reused', () => {
    const e = engineOf(backend);
    let previous: WorkloadTemplate[] = [];
    let mostCounters = 0;
    let mostEntries = 0;
    for (let r = 0; r < 300; r++) {
      // every rollout: a spread group and an anti-affinity family naming its own hash, and one
      // over the app (kept while some rollout of it runs)
      const current = [rollout('web', r, 4, '250m', 'hash'), rollout('batch', r, 2, '1', 'app')];
      e.place(current);
      for (const t of previous) releaseAll(e, t);
      previous = current;
      mostCounters = Math.max(mostCounters, e.stats().counters);
      mostEntries = Math.max(mostEntries, e.stats().counterEntries);
    }
    // Per live rollout 3 counters (spread group, anti-affinity group and family) plus the app's;
    // at most the classes a collection waits for (64) keep theirs meanwhile.
    expect(mostCounters).toBeLessThanOrEqual(3 * (2 + 64) + 1);
    expect(mostEntries).toBeLessThanOrEqual(2 * 4 * mostCounters);
    e.collectClasses();
    expect(e.stats().counters).toBe(3 + 1);
    for (const t of previous) releaseAll(e, t);
    e.collectClasses();
    expect(e.stats().counters).toBe(0);
    expect(e.ledger().counters).toEqual([]);
    // the next rollout counts from nothing, on the reused ids
    const next = rollout('web', 1000, 4, '250m', 'hash');
    e.place([next]);
    expect(e.stats().counters).toBe(3);
    // 4 pods, each in its spread group and its anti-affinity group, and carrying the family
    expect(e.ledger().counters.reduce((n, [, , c]) => n + c, 0)).toBe(4 * 3);
  });

  it("a class's quota-free twin (headroom) goes with it", () => {
    const e = engineOf(backend);
    e.setQuotas([quota('team', 'q', { 'requests.cpu': '100' })]);
    const t = rollout('web', 0, 2, '1', false);
    e.place([t]);
    e.headroom(t); // the quota-free twin, and the per-zone questions' classes
    expect(e.stats().classes).toBeGreaterThan(1);
    releaseAll(e, t);
    e.collectClasses();
    expect(e.stats().classes).toBe(0);
  });

  it('a template compiled before its class was freed compiles again (to a live class)', () => {
    const e = engineOf(backend);
    const t = rollout('web', 0, 1, '1', false);
    e.place([t]);
    releaseAll(e, t);
    e.collectClasses();
    const other = rollout('db', 1, 1, '3', false);
    e.place([other]); // takes the freed id
    expect(e.assess(t).verdict('h0')).toMatchObject({ feasible: true });
    expect(e.tryBind(t, 0, 'h0')).toBeNull();
    expect(e.stats().classes).toBe(2);
    expect(e.ledger().hosts[0].used[0] + e.ledger().hosts[1].used[0] + e.ledger().hosts[2].used[0] + e.ledger().hosts[3].used[0]).toBe(
      4000n,
    );
  });
});

/** A step of the churn: a rollout of an app (shape, size, spread), or the release of an older one. */
type Step = { op: 'roll'; app: number; replicas: number; cpu: number; spread: Spread } | { op: 'release'; which: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    op: fc.constant('roll' as const),
    app: fc.integer({ min: 0, max: 2 }),
    replicas: fc.integer({ min: 1, max: 5 }),
    cpu: fc.constantFrom(250, 500, 1000, 2000),
    spread: fc.constantFrom<Spread>('none', 'app', 'hash'),
  }),
  fc.record({ op: fc.constant('release' as const), which: fc.nat() }),
);

interface Answers {
  classes: number;
  columns: { rejected: string | undefined; reasons: number[]; fit: number[]; total: number[] }[];
  ledger: ReturnType<Engine['ledger']>;
}

function answers(e: Engine, probes: readonly WorkloadTemplate[]): Answers {
  e.collectClasses();
  const classes = e.stats().classes;
  const columns = probeColumns(e, probes);
  return { classes, columns, ledger: e.ledger() };
}

/** Run the steps; every engine sees the same calls. Returns the live templates with their hosts. */
function churn(engines: Engine[], steps: readonly Step[]): { t: WorkloadTemplate; hosts: (string | null)[] }[] {
  const live: { t: WorkloadTemplate; hosts: (string | null)[] }[] = [];
  steps.forEach((s, r) => {
    if (s.op === 'roll') {
      const t = rollout(`app${s.app}`, r, s.replicas, `${s.cpu}m`, s.spread);
      const placed = engines.map((e) => e.place([t]).outcomes[0].hosts);
      for (const p of placed) expect(p).toEqual(placed[0]);
      live.push({ t, hosts: placed[0] });
    } else if (live.length > 0) {
      const [gone] = live.splice(s.which % live.length, 1);
      for (const e of engines) {
        gone.t.instances.forEach((inst, j) => gone.hosts[j] !== null && e.release('Pod', gone.t.namespace, inst.name));
        e.collectClasses(); // free now: the next rollouts take the ids again
      }
    }
  });
  return live;
}

const probes = [
  rollout('app0', 9999, 1, '1500m', true),
  rollout('app1', 9998, 1, '4', false),
  rollout('other', 9997, 1, '250m', true),
  // read the counters of early rollouts' hashes (live, or freed and their ids reused)
  pod('probe-h1').ns('team').req({ cpu: '500m', memory: '1Gi' }).preferAntiAffinity(50, { 'pod-template-hash': 'h1' }).obj(),
  pod('probe-h2')
    .ns('team')
    .req({ cpu: '500m', memory: '1Gi' })
    .spread(1, 'kubernetes.io/hostname', 'ScheduleAnyway', { app: 'app1', 'pod-template-hash': 'h2' })
    .obj(),
];

describe('class ids reused: wasm vs reference, and vs a fresh engine', () => {
  test.prop([fc.array(stepArb, { minLength: 5, maxLength: 40 })], { numRuns: Number(process.env.PLACER_RUNS ?? 150) })(
    'the same decisions, and no reused class carries anything of the one before',
    (steps) => {
      const [wasm, ref] = [engineOf('wasm'), engineOf('reference')];
      const live = churn([wasm, ref], steps);
      const a = answers(wasm, probes);
      expect(answers(ref, probes)).toEqual(a);
      // A fresh engine told only what is live now
      const fresh = engineOf('wasm');
      for (const { t, hosts } of live) hosts.forEach((h, j) => h !== null && fresh.bind(t, j, h));
      const b = answers(fresh, probes);
      expect(b.columns).toEqual(a.columns);
      // Topology counters are per selector seen, and selectors are kept (a released rollout's too):
      // the fresh engine saw fewer; the probes' columns above show the counters that matter agree.
      expect({ ...b.ledger, counters: [] }).toEqual({ ...a.ledger, counters: [] });
    },
    300_000,
  );
});
