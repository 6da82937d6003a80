// The class compiler: a workload template becomes a class — every workload with the same requests,
// priority, strategy, quotas, constraints and inter-workload terms is interchangeable for
// admission, filtering and scoring (an equivalence class, like kube-scheduler's and Nomad's). It
// resolves what the namespace adds (policy defaults, quotas whose scopes match, PriorityClasses,
// budgets), interns the constraint program, and keeps every class's topology spec current as new
// selectors appear. A class lives while workloads of it are placed: one that has none is freed
// at the next collect() once enough have gathered, and its id is reused by the next new class;
// the namespaces and constraint programs no live class names go with it.

import { InputError } from '../../model/errors.js';
import { sameFieldsBut } from '../../model/same-fields.js';
import { parseInt64 } from '../../model/selectors.js';
import type {
  NamespacePolicyObj,
  NodeSelectorRequirement,
  Strategy as StrategyName,
  Toleration,
  WorkloadTemplate,
} from '../../model/types.js';
import { type Compiled, STRATEGIES } from './api.js';
import { type Catalog, EFFECTS, HOST_NAME_KEY } from './catalog.js';
import {
  type Backend,
  type ClassSpec,
  type ConstraintSpec,
  DIM_PODS,
  Kind,
  MAX_DIMS,
  type Requirement,
  SelectorOp,
  TolerationOp,
} from './contract.js';
import { pdbSelects } from './rules/disruption.js';
import { mustSpecifyRejection, quotaMatches } from './rules/quota.js';
import { HOSTNAME_KEY, type OwnTerms, type Subject, TopologyRegistry } from './topology-front.js';
import { CapacityError } from './vocab.js';

const OPS: Record<string, SelectorOp> = {
  In: SelectorOp.In,
  NotIn: SelectorOp.NotIn,
  Exists: SelectorOp.Exists,
  DoesNotExist: SelectorOp.DoesNotExist,
  Gt: SelectorOp.Gt,
  Lt: SelectorOp.Lt,
};

export interface ClassRecord {
  spec: ClassSpec;
  /** The first template compiled into the class (names its messages). */
  template: WorkloadTemplate;
  priorityClassName: string;
  subject: Subject;
  own: OwnTerms;
  /** The interning key of the class (classIds). */
  key: string;
  /** Unique over the engine's life: a compiled template whose class id was freed and reused sees another serial. */
  serial: number;
}

/** Classes without placed workloads gathered before collect() frees them (a sweep costs one pass over them). */
const COLLECT_AFTER = 64;

/** A compiled template kept for templates of the same content (ClassCompiler.compiledLike). */
interface ContentEntry {
  t: WorkloadTemplate;
  c: Compiled;
  serial: number;
}

/** Compiled templates kept per requests map (most recent first): the shapes of one parse memo entry and a few copies callers changed. */
const CONTENT_ENTRIES = 4;

/**
 * Whether what compiling `t` gives (`c`, when compiled) holds for every template of its content
 * whatever its one instance is called. A bare workload's name is its identity (workloadIdentity),
 * which a class key holds under a hostname spread of maxSkew 1 matching itself, and a rejection's
 * message may name it; such templates are not shared, nor are those of several instances (a
 * NamespacePolicy's spreadAcrossHosts counts them).
 */
function shareable(t: WorkloadTemplate, c: Compiled | undefined): boolean {
  if (t.instances.length !== 1 || (c !== undefined && c.rejected !== undefined)) return false;
  return t.topologySpread === undefined || t.topologySpread.every((x) => x.topologyKey !== HOSTNAME_KEY);
}

/**
 * The fields two templates of the same content may differ in: their one instance, and the source
 * that names where each was read (scheduler mode's pods each name their own path). A source only
 * names an input error, and a template compiled without one raises none for the same content.
 * Every other field holds the same value (sameFieldsBut), the owner too: it names the class.
 */
const NOT_CONTENT: ReadonlySet<string> = new Set(['instances', 'source']);

export class ClassCompiler {
  /** Live classes by id; a freed id is a hole until a new class takes it. */
  readonly classes: ClassRecord[] = [];
  /** Constraint programs by id, as the backends were given them; a freed id is a hole until reused. */
  readonly constraints: ConstraintSpec[] = [];
  readonly topology: TopologyRegistry;
  private readonly constraintIds = new Map<string, number>();
  /** The interning key of each constraint program, by id. */
  private readonly constraintKeys: string[] = [];
  /** Freed constraint program ids, taken again last freed first. */
  private readonly freeConstraintIds: number[] = [];
  private readonly classIds = new Map<string, number>();
  /** Classes by label pair (k=v), to find the ones a new selector may match. */
  private readonly classesByLabel = new Map<string, number[]>();
  /** Classes made by quotaFree(): they stay without quotas when the quotas change. */
  private readonly quotaFreeIds = new Set<number>();
  /** Compiled templates (with their class's serial), valid until quotas, policies, priority classes, budgets or namespaces change. */
  private compiled = new WeakMap<WorkloadTemplate, { c: Compiled; serial: number }>();
  /** The same, found by content (NOT_CONTENT) among the templates sharing a requests map; as long-lived. */
  private byContent = new WeakMap<object, ContentEntry[]>();
  /** Freed class ids, taken again last freed first. */
  private readonly freeIds: number[] = [];
  /** Classes created or emptied since the last collect(): the ones it looks at. */
  private readonly candidates = new Set<number>();
  private nextSerial = 0;
  /** Live classes (the classes array has holes). */
  private live = 0;
  private syncedEpoch = 0;
  private syncedNsEpoch = 0;

  constructor(
    private readonly catalog: Catalog,
    private readonly backend: Backend,
    private readonly defaultStrategy: StrategyName,
    /** Placed workloads of a class per host (residents.ts): topology backfills read them. */
    private readonly placedOn: (cls: number) => ReadonlyMap<number, number> | undefined,
  ) {
    this.topology = new TopologyRegistry((key) => catalog.column(key));
  }

  /** compile() and sync(): the class of a template, with every class's topology spec current. */
  prepare(t: WorkloadTemplate): Compiled {
    const c = this.compile(t);
    this.sync();
    return c;
  }

  compile(t: WorkloadTemplate): Compiled {
    const hit = this.compiled.get(t) ?? this.compiledLike(t);
    if (hit && this.classes[hit.c.cls]?.serial === hit.serial) {
      this.compiled.set(t, hit);
      return hit.c;
    }
    const c = this.compileFreshOrRefuse(t);
    const entry = { c, serial: this.classes[c.cls].serial };
    this.compiled.set(t, entry);
    if (shareable(t, c)) {
      const list = this.byContent.get(t.requests) ?? [];
      if (list.length === 0) this.byContent.set(t.requests, list);
      else if (list.length >= CONTENT_ENTRIES) list.pop();
      list.unshift({ t, ...entry });
    }
    return c;
  }

  /**
   * A compiled template of the same content as `t` (NOT_CONTENT): a controller's pods read by the
   * extender's pod parse memo are distinct templates sharing every field but their instance.
   */
  private compiledLike(t: WorkloadTemplate): { c: Compiled; serial: number } | undefined {
    if (!shareable(t, undefined)) return undefined;
    const list = this.byContent.get(t.requests);
    if (list) for (const e of list) if (sameFieldsBut(e.t, t, NOT_CONTENT)) return e;
    return undefined;
  }

  /**
   * compileFresh(), with a vocabulary the engine bounds instead of freeing outgrown — label keys
   * (the host table's columns, shared by every host), taints, resource names: an input error
   * naming the workload, the limit and the name that did not fit.
   */
  private compileFreshOrRefuse(t: WorkloadTemplate): Compiled {
    try {
      return this.compileFresh(t);
    } catch (err) {
      if (err instanceof CapacityError) throw new InputError(t.source, 'spec', err.message, describeTemplate(t));
      throw err;
    }
  }

  /** Live classes. */
  get classCount(): number {
    return this.live;
  }

  /** Constraint programs interned (they are few: distinct selectors, affinities and tolerations). */
  get constraintCount(): number {
    return this.constraintIds.size;
  }

  /** A class's last placed workload left: collect() may free it. */
  vacated(cls: number): void {
    this.candidates.add(cls);
  }

  /**
   * Free the classes without placed workloads among those created or emptied lately, once at
   * least COLLECT_AFTER gathered (or always, with `all`). Only between operations: a plan that
   * releases the last workload of a class places it again under the same id.
   */
  collect(all = false): void {
    if (!all && this.candidates.size < COLLECT_AFTER) return;
    const ids = [...this.candidates].sort((a, b) => a - b);
    this.candidates.clear();
    const before = this.live;
    for (const cls of ids) if (this.classes[cls] && !this.hasPlaced(cls)) this.free(cls);
    if (this.live < before) {
      this.freeCounters();
      this.freeConstraints();
    }
    if (all || this.live < before) this.freeNamespaces();
  }

  /**
   * Free the constraint programs no live class uses — a node selector, node affinity or
   * toleration of workloads that are gone (one per CI run's label, say) — with the label values
   * and toleration keys and values only they used: their ids (and Wasm program words) are reused.
   */
  private freeConstraints(): void {
    const used = new Set<number>();
    this.classes.forEach((c) => used.add(c.spec.constraint));
    let freed = false;
    this.constraints.forEach((_, id) => {
      if (used.has(id)) return;
      this.constraintIds.delete(this.constraintKeys[id]);
      delete this.constraints[id];
      delete this.constraintKeys[id];
      this.freeConstraintIds.push(id);
      this.backend.freeConstraint(id);
      freed = true;
    });
    if (freed) this.catalog.retainVocabulary(this.constraints.filter((c) => c !== undefined));
  }

  /**
   * Free the namespaces no live class, ResourceQuota or NamespacePolicy names any more among those
   * that may have lost one (a deleted namespace's, a CI run's): nothing of them is placed (a placed
   * workload keeps its class), so their ledger rows are cleared and their ids reused.
   */
  private freeNamespaces(): void {
    const candidates = this.catalog.namespaceCandidates;
    if (candidates.size === 0) return;
    const used = new Set<number>();
    this.classes.forEach((c) => used.add(c.spec.ns));
    for (const ns of [...candidates].sort((a, b) => a - b)) if (!used.has(ns)) this.catalog.freeNamespace(ns);
    candidates.clear();
  }

  /**
   * Free the topology counters no live class names any more — selector groups and term families
   * of workloads that are gone (a spread over each rollout's pod-template-hash, an anti-affinity
   * per Job): nothing placed counts in them, so their ids and Wasm entries are reused.
   */
  private freeCounters(): void {
    const used = new Set<number>();
    this.classes.forEach((c) => {
      const t = c.spec.topology;
      if (t) {
        for (const k of t.counters) used.add(k);
        for (const x of [...t.requiredAffinity, ...t.requiredAnti, ...t.preferred, ...t.heldAnti, ...t.heldScore, ...t.spread])
          used.add(x.counter);
      }
      const o = c.own;
      for (const k of o.carried) used.add(k);
      for (const x of [...o.requiredAffinity, ...o.requiredAnti, ...o.preferred, ...o.spread]) used.add(x.counter);
    });
    this.topology.retain(used, (id) => this.backend.freeCounter(id));
  }

  private hasPlaced(cls: number): boolean {
    const placed = this.placedOn(cls);
    if (placed) for (const n of placed.values()) if (n > 0) return true;
    return false;
  }

  /** Drop a class everywhere it is known (and its quota-free twin with it); its id is free again. */
  private free(cls: number): void {
    const c = this.classes[cls];
    // a twin whose base went first may have seen its key taken by the twin of the id's next class
    if (this.classIds.get(c.key) === cls) this.classIds.delete(c.key);
    for (const [k, v] of c.subject.labels) {
      const label = `${k}=${v}`;
      const list = this.classesByLabel.get(label);
      if (!list) continue;
      const at = list.indexOf(cls);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.classesByLabel.delete(label);
    }
    this.quotaFreeIds.delete(cls);
    this.catalog.namespaceCandidates.add(c.spec.ns);
    delete this.classes[cls];
    this.live--;
    this.freeIds.push(cls);
    this.backend.freeClass(cls);
    const twin = this.classIds.get(`quota-free/${cls}`);
    if (twin !== undefined) {
      if (this.hasPlaced(twin)) this.classIds.delete(`quota-free/${cls}`);
      else this.free(twin);
    }
  }

  /** A new class: the id freed last, else the next one. */
  private define(rec: Omit<ClassRecord, 'serial'>): number {
    const id = this.freeIds.pop() ?? this.classes.length;
    this.classIds.set(rec.key, id);
    this.classes[id] = { ...rec, serial: this.nextSerial++ };
    this.live++;
    this.candidates.add(id);
    this.indexLabels(id, rec.subject);
    this.backend.defineClass(id, rec.spec);
    return id;
  }

  /** Forget compiled templates: the objects they were compiled against changed. */
  invalidate(): void {
    this.compiled = new WeakMap();
    this.byContent = new WeakMap();
  }

  /**
   * A class like `cls` but without the ResourceQuotas of its namespace — the cluster's room for
   * it, quota aside (capacity.ts). Interned like every class: asking twice defines it once.
   */
  quotaFree(cls: number): number {
    const base = this.classes[cls];
    if (base.spec.quotas.length === 0) return cls;
    const key = `quota-free/${cls}`;
    let id = this.classIds.get(key);
    if (id === undefined) {
      id = this.define({ ...base, key, spec: { ...base.spec, quotas: [] } });
      this.quotaFreeIds.add(id);
    }
    return id;
  }

  /** After the quotas changed: every class is linked to the quotas that now apply to it (quota-free ones to none). */
  relinkQuotas(): void {
    this.classes.forEach((c, id) => {
      const quotas = this.quotaFreeIds.has(id) ? [] : this.applicableQuotas(c.template, c.priorityClassName);
      c.spec = { ...c.spec, quotas };
      this.backend.defineClass(id, c.spec);
    });
  }

  /**
   * Bring every class's topology spec up to date after new selector groups or term families
   * appeared, and backfill the counters it newly belongs to from what is already placed there.
   */
  sync(): void {
    if (this.topology.epoch === this.syncedEpoch) return;
    this.syncedEpoch = this.topology.epoch;
    // Only classes a new selector may match need a new spec: those carrying its anchor label,
    // or all of them when a selector has no matchLabels or namespace labels changed.
    let affected: Iterable<number>;
    // Counters created since the last sync may add memberships to existing classes.
    const { anchors, unanchored } = this.topology.takeFresh();
    if (unanchored || this.topology.nsEpoch !== this.syncedNsEpoch) affected = Object.keys(this.classes).map(Number);
    else affected = new Set(anchors.flatMap((a) => this.classesByLabel.get(a) ?? []));
    this.syncedNsEpoch = this.topology.nsEpoch;
    for (const cls of affected) {
      const c = this.classes[cls];
      const next = this.topology.spec(c.subject, c.own);
      const before = new Set(c.spec.topology?.counters ?? []);
      const after = new Set(next?.counters ?? []);
      const placed = this.placedOn(cls);
      if (placed) {
        for (const k of after) if (!before.has(k)) for (const [slot, n] of placed) this.backend.addCounter(k, slot, n);
        for (const k of before) if (!after.has(k)) for (const [slot, n] of placed) this.backend.addCounter(k, slot, -n);
      }
      if (JSON.stringify(next) === JSON.stringify(c.spec.topology)) continue;
      const spec: ClassSpec = { ...c.spec };
      if (next) spec.topology = next;
      else delete spec.topology;
      c.spec = spec;
      this.backend.defineClass(cls, spec);
    }
  }

  /** Effective priorityClassName: the workload's, else its namespace policy's, else the globalDefault. */
  private priorityClassName(t: WorkloadTemplate): string {
    const { policies, globalDefault } = this.catalog;
    return t.priorityClassName ?? policies.get(t.namespace)?.placement.priorityClassName ?? globalDefault?.name ?? '';
  }

  /** The workload's own priority, else its PriorityClass's value; a class that does not exist is an input error. */
  private priorityOf(t: WorkloadTemplate, className: string): number {
    if (t.priority !== undefined) return t.priority;
    const pc = className ? this.catalog.priorityClasses.get(className) : undefined;
    if (className && !pc) {
      throw new InputError(t.source, 'spec.priorityClassName', `no PriorityClass with name ${className} was found`, describeTemplate(t));
    }
    return pc?.value ?? 0;
  }

  /** ResourceQuotas of the namespace whose scopes match the workload, in evaluation order. */
  private applicableQuotas(t: WorkloadTemplate, priorityClassName: string): number[] {
    const out: number[] = [];
    this.catalog.quotas.forEach((q, id) => {
      if (q.obj.namespace === t.namespace && quotaMatches(q.obj, t, priorityClassName)) out.push(id);
    });
    return out;
  }

  private compileFresh(t: WorkloadTemplate): Compiled {
    const catalog = this.catalog;
    const policy = catalog.policies.get(t.namespace);
    const strategy = policy?.placement.strategy ?? this.defaultStrategy;
    const pcName = this.priorityClassName(t);
    const priority = this.priorityOf(t, pcName);
    const quotas = this.applicableQuotas(t, pcName);
    const policyRejection = staticRejection(t, policy);
    const quotaRejection = policyRejection
      ? undefined
      : mustSpecifyRejection(
          quotas.map((q) => catalog.quotas[q].obj),
          t,
        );
    const rejected = policyRejection ?? quotaRejection;
    const ns = catalog.namespaces.intern(t.namespace);
    catalog.namespaceCandidates.add(ns); // kept by the class made below, freed if none is (an input error)
    const req = new Array<number>(MAX_DIMS).fill(0);
    const lim = new Array<number>(MAX_DIMS).fill(0);
    let reqPresent = 0;
    let limPresent = 0;
    const what = describeTemplate(t);
    for (const [name, v] of t.requests) {
      const d = catalog.dimension(name);
      req[d] = catalog.amount(v, t.source, `requests[${name}]`, what);
      reqPresent |= 1 << d;
    }
    for (const [name, v] of t.limits) {
      const d = catalog.dimension(name);
      lim[d] = catalog.amount(v, t.source, `limits[${name}]`, what);
      limPresent |= 1 << d;
    }
    req[DIM_PODS] = 1; // every pod and VM takes a slot
    const spec: ClassSpec = {
      ns,
      kind: t.kind === 'Pod' ? Kind.Pod : Kind.VirtualMachine,
      priority,
      strategy: STRATEGIES[strategy],
      req,
      reqPresent,
      lim,
      limPresent,
      nzCpu: catalog.amount(t.nonZeroRequests.cpu, t.source, 'requests[cpu]', what),
      nzMem: catalog.amount(t.nonZeroRequests.memory, t.source, 'requests[memory]', what),
      quotas,
      constraint: this.constraint(t, policy),
    };
    // preemptionPolicy: the workload's, else its PriorityClass's (the Priority admission plugin copies it).
    const pc = pcName ? catalog.priorityClasses.get(pcName) : undefined;
    if ((t.preemptionPolicy ?? pc?.preemptionPolicy) === 'Never') spec.preemptNever = true;
    const pdbs = catalog.pdbs.flatMap((pdb, id) => (pdb.namespace === t.namespace && pdbSelects(pdb, t.labels) ? [id] : []));
    if (pdbs.length > 0) spec.pdbs = pdbs;
    if (t.gang) spec.gangMember = true;
    // Inter-workload terms: the registry turns selectors into counters; the spec itself is
    // (re)computed on sync, as memberships grow when new selectors appear.
    const { subject, own } = this.topology.compile(t, policy);
    const key = JSON.stringify([
      spec.ns,
      spec.kind,
      spec.priority,
      spec.strategy,
      req,
      reqPresent,
      lim,
      limPresent,
      spec.nzCpu,
      spec.nzMem,
      quotas,
      spec.constraint,
      [...subject.labels].sort(),
      own,
      own.spread.some((x) => x.hostname && x.selfMatch && x.maxSkew === 1) ? subject.workload : '',
      spec.preemptNever ?? false,
      pdbs,
      spec.gangMember ?? false,
    ]);
    let cls = this.classIds.get(key);
    if (cls === undefined) {
      const topology = this.topology.spec(subject, own);
      if (topology) spec.topology = topology;
      cls = this.define({ spec, template: t, priorityClassName: pcName, subject, own, key });
    }
    return { cls, rejected, ...(quotaRejection && { rejectedByQuota: true }), priority, strategy };
  }

  /** Index a class under its label pairs: a new selector with one of them as its anchor may match it. */
  private indexLabels(cls: number, subject: Subject): void {
    for (const [k, v] of subject.labels) {
      const list = this.classesByLabel.get(`${k}=${v}`);
      if (list) list.push(cls);
      else this.classesByLabel.set(`${k}=${v}`, [cls]);
    }
  }

  /** The constraint program of a workload with its namespace policy's selector and tolerations merged in. */
  private constraint(t: WorkloadTemplate, policy: NamespacePolicyObj | undefined): number {
    const selector = new Map(t.nodeSelector);
    if (policy) for (const [k, v] of policy.placement.nodeSelector) selector.set(k, v);
    const tolerations = [...t.tolerations, ...(policy?.placement.tolerations ?? [])];
    const key = JSON.stringify([[...selector].sort(), t.requiredAffinity, t.preferredAffinity, tolerations]);
    let id = this.constraintIds.get(key);
    if (id !== undefined) return id;
    const spec: ConstraintSpec = {
      selector: [...selector].sort().map(([k, v]) => this.requirement({ key: k, operator: 'In', values: [v] }, false)),
      required:
        t.requiredAffinity === null
          ? null
          : t.requiredAffinity.map((term) => [
              ...term.matchExpressions.map((r) => this.requirement(r, false)),
              ...term.matchFields.map((r) => this.requirement(r, true)),
            ]),
      preferred: t.preferredAffinity.map((p) => ({
        weight: p.weight,
        reqs: [
          ...p.preference.matchExpressions.map((r) => this.requirement(r, false)),
          ...p.preference.matchFields.map((r) => this.requirement(r, true)),
        ],
      })),
      tolerations: dedupe(tolerations).map((tol) => ({
        key: tol.key === '' ? -1 : this.catalog.taintKeys.intern(tol.key),
        op: tol.operator === 'Exists' ? TolerationOp.Exists : TolerationOp.Equal,
        value: this.catalog.taintValues.intern(tol.value),
        effect: EFFECTS[tol.effect],
      })),
    };
    id = this.freeConstraintIds.pop() ?? this.constraints.length;
    this.constraintIds.set(key, id);
    this.constraintKeys[id] = key;
    this.constraints[id] = spec;
    this.backend.defineConstraint(id, spec);
    return id;
  }

  private requirement(r: NodeSelectorRequirement, field: boolean): Requirement {
    const op = OPS[r.operator];
    const col = this.catalog.column(field ? HOST_NAME_KEY : r.key);
    const numeric = op === SelectorOp.Gt || op === SelectorOp.Lt;
    return {
      col,
      op,
      values: numeric ? [] : r.values.map((v) => this.catalog.internValue(v)),
      num: numeric ? (parseInt64(r.values[0]) ?? 0n) : 0n,
    };
  }
}

/** The namespace policy's nodeSelector wins; a workload that asks for another value of its key cannot run anywhere. */
function staticRejection(t: WorkloadTemplate, policy: NamespacePolicyObj | undefined): string | undefined {
  if (!policy) return undefined;
  for (const [k, v] of policy.placement.nodeSelector) {
    const mine = t.nodeSelector.get(k);
    if (mine !== undefined && mine !== v) return 'pod node label selector conflicts with its namespace node label selector';
  }
  return undefined;
}

function dedupe(tols: Toleration[]): Toleration[] {
  const seen = new Set<string>();
  return tols.filter((t) => {
    const k = `${t.key}\0${t.operator}\0${t.value}\0${t.effect}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The object a template came from, for input errors: its controller, or the workload itself. */
export function describeTemplate(t: WorkloadTemplate): string {
  return t.owner
    ? `${t.owner.split('/')[0]} ${t.namespace}/${t.owner.split('/')[1]}`
    : `${t.kind} ${t.namespace}/${t.instances[0]?.name ?? ''}`;
}
