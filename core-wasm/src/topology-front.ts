// Inter-workload constraints on the front side: resolves label selectors and namespace scoping
// (which the engines never see) into counters — one per selector group, one per held-term family —
// and compiles a workload's pod affinity / anti-affinity / topology spread into a TopologySpec.
//
//   group  (selector S, namespaces N)        counts placed workloads that match S in N
//   family (kind, weight, topology key, S, N) counts placed workloads that carry such a term
//
// A class increments the groups it matches and the families it carries; its own terms read
// groups; terms carried by others read families (kube-scheduler's "existing pods' (anti-)affinity").

import type {
  LabelSelector,
  NamespaceObj,
  NamespacePolicyObj,
  PodAffinityTerm,
  TopologySpreadConstraint,
  WorkloadTemplate,
} from '../../model/types.js';
import { selectorMatches } from '../../model/selectors.js';
import type { SpreadSpec, TermSpec, TopologySpec } from './contract.js';

export const HOSTNAME_KEY = 'kubernetes.io/hostname';
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** The subject a selector is matched against: a class's namespace and labels. */
export interface Subject {
  ns: string;
  labels: ReadonlyMap<string, string>;
  /** Identity of the workload (spreadAcrossHosts counts only its own replicas). */
  workload: string;
}

function selectorKey(sel: LabelSelector | null): string {
  if (sel === null) return 'null';
  return JSON.stringify([
    [...sel.matchLabels].sort(),
    [...sel.matchExpressions].map((e) => [e.key, e.operator, [...e.values].sort()]).sort(),
  ]);
}

/** Namespaces a term selects, resolved relative to the namespace of the workload carrying it. */
interface NamespaceRule {
  names: string[];
  selector: LabelSelector | null;
}

function namespaceRule(term: PodAffinityTerm, ownerNs: string): NamespaceRule {
  // Neither set: the owner's namespace only (PodAffinityTerm doc).
  if (term.namespaces.length === 0 && term.namespaceSelector === null) return { names: [ownerNs], selector: null };
  return { names: [...term.namespaces].sort(), selector: term.namespaceSelector };
}

interface Group {
  id: number;
  /** The interning key (byKey). */
  key: string;
  /** Set when the group is freed: a group freed before the next sync is not new to it. */
  freed?: boolean;
  kind: 'group' | 'family' | 'workload';
  selector: LabelSelector | null;
  ns: NamespaceRule;
  /** For `workload` groups: the workload identity. */
  workload?: string;
  /** For families: how the term scores or filters a matching workload. */
  family?: { role: 'requiredAnti' | 'requiredAffinity' | 'preferred'; topologyKey: string; weight: number };
}

export class TopologyRegistry {
  private readonly byKey = new Map<string, Group>();
  private readonly groups: Group[] = [];
  private readonly families: Group[] = [];
  /**
   * Groups and families indexed by one of their selector's matchLabels pairs (k=v): a subject can
   * only match those indexed under one of its own labels, or the unanchored ones.
   */
  private readonly anchored = new Map<string, Group[]>();
  private readonly unanchored: Group[] = [];
  private nsLabels = new Map<string, Map<string, string>>();
  /** Counter ids of freed groups, the lowest on top (taken first). */
  private readonly freeIds: number[] = [];
  /** The next counter id never used. */
  private nextId = 0;
  /** Groups and families created since the last takeFresh(): the ones sync() has not matched classes against. */
  private fresh: Group[] = [];
  /** Bumped whenever memberships may change (new counters, new namespace labels). */
  epoch = 0;
  /** Bumped when namespace labels change: every membership must be recomputed. */
  nsEpoch = 0;

  constructor(private readonly column: (key: string) => number) {}

  /** Live counters (groups and families). */
  get counterCount(): number {
    return this.byKey.size;
  }

  setNamespaces(objs: readonly NamespaceObj[]): void {
    this.nsLabels = new Map(objs.map((n) => [n.name, new Map(n.labels)]));
    this.epoch++;
    this.nsEpoch++;
  }

  /**
   * The label pairs the counters created since the last call are indexed under (unanchored: some
   * match by other means). Freed ids are reused, so "new" is this list, not an id threshold.
   */
  takeFresh(): { anchors: string[]; unanchored: boolean } {
    const anchors: string[] = [];
    let unanchored = false;
    for (const g of this.fresh) {
      if (g.freed || g.kind === 'workload') continue; // a workload's own group: its class knows it already
      const a = anchorOf(g);
      if (a) anchors.push(a);
      else unanchored = true;
    }
    this.fresh = [];
    return { anchors, unanchored };
  }

  /**
   * Free every counter not in `used` (the counters live classes name): nothing placed counts in
   * them. Their ids go back to be reused, the backend forgets their entries. Returns the ids freed.
   */
  retain(used: ReadonlySet<number>, freeCounter: (id: number) => void): number[] {
    const gone: number[] = [];
    for (const [key, g] of this.byKey) {
      if (used.has(g.id)) continue;
      this.byKey.delete(key);
      g.freed = true;
      gone.push(g.id);
    }
    if (gone.length === 0) return gone;
    const alive = (g: Group) => !g.freed;
    this.groups.splice(0, this.groups.length, ...this.groups.filter(alive));
    this.families.splice(0, this.families.length, ...this.families.filter(alive));
    this.unanchored.splice(0, this.unanchored.length, ...this.unanchored.filter(alive));
    for (const [anchor, list] of this.anchored) {
      const kept = list.filter(alive);
      if (kept.length === 0) this.anchored.delete(anchor);
      else if (kept.length < list.length) this.anchored.set(anchor, kept);
    }
    gone.sort((a, b) => a - b);
    for (const id of gone) freeCounter(id);
    // the lowest id is taken first: the ids stay as dense as the live counters
    this.freeIds.push(...gone.reverse());
    return gone;
  }

  private namespaceLabels(ns: string): ReadonlyMap<string, string> {
    return this.nsLabels.get(ns) ?? new Map([[NAMESPACE_NAME_LABEL, ns]]);
  }

  private nsMatches(rule: NamespaceRule, ns: string): boolean {
    return rule.names.includes(ns) || (rule.selector !== null && selectorMatches(rule.selector, this.namespaceLabels(ns)));
  }

  private intern(key: string, make: (id: number, key: string) => Group): Group {
    let g = this.byKey.get(key);
    if (g) return g;
    g = make(this.freeIds.pop() ?? this.nextId++, key);
    this.byKey.set(key, g);
    this.fresh.push(g);
    (g.kind === 'family' ? this.families : this.groups).push(g);
    const anchor = anchorOf(g);
    if (anchor) {
      const list = this.anchored.get(anchor);
      if (list) list.push(g);
      else this.anchored.set(anchor, [g]);
    } else this.unanchored.push(g);
    this.epoch++;
    return g;
  }

  private group(selector: LabelSelector | null, ns: NamespaceRule): Group {
    const key = `g|${selectorKey(selector)}|${JSON.stringify(ns.names)}|${selectorKey(ns.selector)}`;
    return this.intern(key, (id) => ({ id, key, kind: 'group', selector, ns }));
  }

  private family(role: 'requiredAnti' | 'requiredAffinity' | 'preferred', weight: number, term: PodAffinityTerm, ownerNs: string): Group {
    const ns = namespaceRule(term, ownerNs);
    const key = `f|${role}|${weight}|${term.topologyKey}|${selectorKey(term.labelSelector)}|${JSON.stringify(ns.names)}|${selectorKey(ns.selector)}`;
    return this.intern(key, (id) => ({
      id,
      key,
      kind: 'family',
      selector: term.labelSelector,
      ns,
      family: { role, topologyKey: term.topologyKey, weight },
    }));
  }

  private matches(g: Group, s: Subject): boolean {
    if (g.kind === 'workload') return g.workload === s.workload;
    return this.nsMatches(g.ns, s.ns) && selectorMatches(g.selector, s.labels);
  }

  /** Groups and families whose selector matches the subject (through the anchor index). */
  private candidates(s: Subject): Group[] {
    const out = new Set<Group>();
    for (const [k, v] of s.labels) for (const g of this.anchored.get(`${k}=${v}`) ?? []) if (this.matches(g, s)) out.add(g);
    for (const g of this.anchored.get(workloadAnchor(s.workload)) ?? []) out.add(g);
    for (const g of this.unanchored) if (this.matches(g, s)) out.add(g);
    return [...out].sort((a, b) => a.id - b.id);
  }

  /**
   * The topology spec of a workload, or undefined when it has no constraint across hosts and no
   * counter to feed. Creates the groups and families its terms need (the epoch moves then).
   */
  compile(t: WorkloadTemplate, policy: NamespacePolicyObj | undefined): { subject: Subject; own: OwnTerms } {
    const subject: Subject = { ns: t.namespace, labels: t.labels, workload: workloadIdentity(t) };
    const term = (x: PodAffinityTerm, weight: number): TermSpec => ({
      counter: this.group(x.labelSelector, namespaceRule(x, t.namespace)).id,
      col: this.column(x.topologyKey),
      weight,
    });
    const aff = t.podAffinity ?? { required: [], preferred: [] };
    const anti = t.podAntiAffinity ?? { required: [], preferred: [] };
    const own: OwnTerms = {
      requiredAffinity: aff.required.map((x) => term(x, 0)),
      affinitySelfMatch: aff.required.every(
        (x) => this.nsMatches(namespaceRule(x, t.namespace), t.namespace) && selectorMatches(x.labelSelector, t.labels),
      ),
      requiredAnti: anti.required.map((x) => term(x, 0)),
      preferred: [...aff.preferred.map((x) => term(x.term, x.weight)), ...anti.preferred.map((x) => term(x.term, -x.weight))],
      carried: [
        ...anti.required.map((x) => this.family('requiredAnti', 0, x, t.namespace).id),
        ...aff.required.map((x) => this.family('requiredAffinity', 0, x, t.namespace).id),
        ...aff.preferred.map((x) => this.family('preferred', x.weight, x.term, t.namespace).id),
        ...anti.preferred.map((x) => this.family('preferred', -x.weight, x.term, t.namespace).id),
      ],
      spread: this.spread(t, policy),
    };
    return { subject, own };
  }

  private spread(t: WorkloadTemplate, policy: NamespacePolicyObj | undefined): SpreadSpec[] {
    const own = { names: [t.namespace], selector: null };
    const out = (t.topologySpread ?? []).map((c: TopologySpreadConstraint): SpreadSpec => ({
      counter: this.group(c.labelSelector, own).id,
      col: this.column(c.topologyKey),
      maxSkew: c.maxSkew,
      minDomains: c.minDomains ?? 0,
      hard: c.whenUnsatisfiable === 'DoNotSchedule',
      selfMatch: selectorMatches(c.labelSelector, t.labels),
      honorAffinity: c.nodeAffinityPolicy !== 'Ignore',
      honorTaints: c.nodeTaintsPolicy === 'Honor',
      hostname: c.topologyKey === HOSTNAME_KEY,
    }));
    // NamespacePolicy spreadAcrossHosts: every multi-replica workload keeps its replicas on
    // distinct hosts while it can (maxSkew 1 over hostnames, DoNotSchedule), counting only itself.
    if (policy?.placement.spreadAcrossHosts && t.instances.length > 1) {
      const identity = workloadIdentity(t);
      const g = this.intern(`w|${identity}`, (id, key) => ({ id, key, kind: 'workload', selector: null, ns: own, workload: identity }));
      out.push({
        counter: g.id,
        col: this.column(HOSTNAME_KEY),
        maxSkew: 1,
        minDomains: 0,
        hard: true,
        selfMatch: true,
        honorAffinity: true,
        honorTaints: false,
        hostname: true,
      });
    }
    return out;
  }

  /** The full spec given the subject's own terms; call again whenever the epoch moved. */
  spec(subject: Subject, own: OwnTerms): TopologySpec | undefined {
    const matching = this.candidates(subject);
    const memberOf = matching.filter((g) => g.kind !== 'family').map((g) => g.id);
    const heldAnti: TermSpec[] = [];
    const heldScore: TermSpec[] = [];
    for (const f of matching) {
      if (f.kind !== 'family') continue;
      const t: TermSpec = { counter: f.id, col: this.column(f.family!.topologyKey), weight: f.family!.weight };
      if (f.family!.role === 'requiredAnti') heldAnti.push(t);
      else heldScore.push(t); // required affinity scores hardPodAffinityWeight (weight 0 marks it)
    }
    const counters = [...new Set([...memberOf, ...own.carried])].sort((a, b) => a - b);
    const spec: TopologySpec = {
      counters,
      requiredAffinity: own.requiredAffinity,
      affinitySelfMatch: own.affinitySelfMatch,
      requiredAnti: own.requiredAnti,
      preferred: own.preferred,
      heldAnti,
      heldScore,
      spread: own.spread,
    };
    const empty =
      counters.length +
        own.requiredAffinity.length +
        own.requiredAnti.length +
        own.preferred.length +
        heldAnti.length +
        heldScore.length +
        own.spread.length ===
      0;
    return empty ? undefined : spec;
  }
}

/** The matchLabels pair a group or family is indexed under (its smallest), or null. */
function anchorOf(g: Group): string | null {
  // A workload's own group (spreadAcrossHosts) is found by the workload's identity.
  if (g.kind === 'workload') return workloadAnchor(g.workload!);
  if (!g.selector || g.selector.matchLabels.size === 0) return null;
  const [k, v] = [...g.selector.matchLabels].sort()[0];
  return `${k}=${v}`;
}

function workloadAnchor(workload: string): string {
  return `\0workload=${workload}`;
}

export interface OwnTerms {
  requiredAffinity: TermSpec[];
  affinitySelfMatch: boolean;
  requiredAnti: TermSpec[];
  preferred: TermSpec[];
  /** Families of the terms the workload carries (others are scored/filtered by them). */
  carried: number[];
  spread: SpreadSpec[];
}

/** One workload (a controller, or a bare pod/VM) — spreadAcrossHosts counts its replicas. */
export function workloadIdentity(t: WorkloadTemplate): string {
  return `${t.namespace}/${t.owner ?? `${t.kind}/${t.instances[0]?.name ?? ''}`}`;
}
