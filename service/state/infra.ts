// The infrastructure table: every infrastructure object placer holds — Nodes, ResourceQuotas,
// NamespacePolicies, PriorityClasses, VirtualMachineClasses, PodDisruptionBudgets, Namespaces —
// with the manifest text the store keeps and the model the engine takes, and the one place that
// says how each kind reaches the engine (ENGINE_STEPS). Loading, apply, the extender's Node
// refresh, cordons, host removal and Kubernetes mode all change the engine through syncEngine.

import type { Engine } from '../../core-wasm/src/engine.js';
import { InputError } from '../../model/errors.js';
import type {
  HostObj,
  NamespaceObj,
  NamespacePolicyObj,
  ParsedInput,
  PriorityClassObj,
  QuotaObj,
  SourceRef,
  VMClassObj,
} from '../../model/types.js';
import type { Manifest } from '../manifests/index.js';
import { withBuiltInPriorityClasses } from '../manifests/priority.js';
import { manifestJson, nodeManifest } from './manifest-text.js';
import { isPdb, readPdb, type PdbObj } from './pdb.js';

export type InfraKind =
  'Node' | 'ResourceQuota' | 'NamespacePolicy' | 'PriorityClass' | 'VirtualMachineClass' | 'PodDisruptionBudget' | 'Namespace';

export type InfraModel = HostObj | QuotaObj | NamespacePolicyObj | PriorityClassObj | VMClassObj | PdbObj | NamespaceObj;

export interface InfraEntry {
  kind: InfraKind;
  namespace: string;
  name: string;
  /** What the store keeps (a Node is reduced to what placement reads, see nodeManifest). */
  manifest: string;
  model: InfraModel;
}

/** What a change does to the table: entries new or different, and entries gone. */
export interface InfraChange {
  changed?: readonly InfraEntry[];
  removed?: readonly InfraEntry[];
}

/** Undo steps of a transaction (core.ts), run in reverse. */
export type Undo = (() => void)[];

/** An object's key in the table. */
export const infraKey = (kind: string, namespace: string, name: string): string => `${kind}/${namespace}/${name}`;

/** Kinds without a namespace in placer's keys. */
export const CLUSTER_SCOPED: ReadonlySet<InfraKind> = new Set(['Node', 'PriorityClass', 'Namespace']);

export class InfraTable {
  private readonly byKey: Map<string, InfraEntry>;
  /**
   * Per node name: the resourceVersion of the last Node the extender found equal to (or made) the
   * table's entry, with that entry. The API server changes resourceVersion on every write, so the
   * same version against the same entry object is the same Node: no reduction, no comparison.
   * Entries are replaced, never changed, so any other write of the host shows as another object.
   */
  private readonly nodeVersions = new Map<string, { rv: string; entry: InfraEntry }>();

  constructor(entries: Iterable<[string, InfraEntry]> = []) {
    this.byKey = new Map(entries);
  }

  get(kind: InfraKind, namespace: string, name: string): InfraEntry | undefined {
    return this.byKey.get(infraKey(kind, namespace, name));
  }

  has(kind: InfraKind, namespace: string, name: string): boolean {
    return this.byKey.has(infraKey(kind, namespace, name));
  }

  host(name: string): InfraEntry | undefined {
    return this.get('Node', '', name);
  }

  /** The entries of one kind, in table order. */
  ofKind(kind: InfraKind): InfraEntry[] {
    const out: InfraEntry[] = [];
    for (const e of this.byKey.values()) if (e.kind === kind) out.push(e);
    return out;
  }

  /** The models of one kind, in table order. */
  models<T extends InfraModel>(kind: InfraKind): T[] {
    return this.ofKind(kind).map((e) => e.model as T);
  }

  /** The namespaces objects live in, sorted. */
  namespaces(): string[] {
    const out = new Set<string>();
    for (const e of this.byKey.values()) if (e.namespace !== '') out.add(e.namespace);
    return [...out].sort();
  }

  /** Whether any object lives in the namespace. */
  inNamespace(namespace: string): boolean {
    for (const e of this.byKey.values()) if (e.namespace === namespace) return true;
    return false;
  }

  /** The change made in place: an entry keeps its place when replaced, a new one goes last. */
  update(change: InfraChange): void {
    for (const e of change.changed ?? []) this.byKey.set(infraKey(e.kind, e.namespace, e.name), e);
    for (const e of change.removed ?? []) {
      this.byKey.delete(infraKey(e.kind, e.namespace, e.name));
      if (e.kind === 'Node') this.nodeVersions.delete(e.name);
    }
  }

  /** A copy with the change made (the Node versions, a cache of the live table, stay behind). */
  with(change: InfraChange): InfraTable {
    const t = new InfraTable(this.byKey);
    t.update(change);
    return t;
  }

  /** Whether the Node `name` at resourceVersion `rv` is the one the table holds (seen before, unchanged since). */
  sameNode(name: string, rv: string): boolean {
    const seen = this.nodeVersions.get(name);
    return seen !== undefined && seen.rv === rv && seen.entry === this.host(name);
  }

  /** Note that the Node `name` at resourceVersion `rv` is the one the table holds now. */
  noteNodeVersion(name: string, rv: string): void {
    const entry = this.host(name);
    if (entry) this.nodeVersions.set(name, { rv, entry });
  }
}

/** Pair every parsed infrastructure object with its manifest (by source) and key. */
export function entriesOf(parsed: ParsedInput, manifests: readonly Manifest[]): InfraEntry[] {
  const bySource = new Map<SourceRef, Manifest>(manifests.map((m) => [m.source, m]));
  const text = (src: SourceRef): string => manifestJson(bySource.get(src)!.obj);
  const out: InfraEntry[] = [];
  for (const h of parsed.hosts)
    out.push({ kind: 'Node', namespace: '', name: h.name, manifest: nodeManifest(bySource.get(h.source)!.obj, h.name), model: h });
  for (const q of parsed.quotas)
    out.push({ kind: 'ResourceQuota', namespace: q.namespace, name: q.name, manifest: text(q.source), model: q });
  for (const p of parsed.policies)
    out.push({ kind: 'NamespacePolicy', namespace: p.namespace, name: p.name, manifest: text(p.source), model: p });
  for (const p of parsed.priorityClasses)
    out.push({ kind: 'PriorityClass', namespace: '', name: p.name, manifest: text(p.source), model: p });
  for (const c of parsed.vmClasses)
    out.push({ kind: 'VirtualMachineClass', namespace: c.namespace ?? '', name: c.name, manifest: text(c.source), model: c });
  for (const n of parsed.namespaces ?? []) out.push({ kind: 'Namespace', namespace: '', name: n.name, manifest: text(n.source), model: n });
  const seenPdb = new Set<string>();
  // the adapters' PodDisruptionBudgets when they read them, else placer's own reader
  const pdbs: PdbObj[] = parsed.pdbs ?? manifests.filter(isPdb).map(readPdb);
  for (const p of pdbs) {
    const m = bySource.get(p.source)!;
    if (!isPdb(m)) continue;
    const k = `${p.namespace}/${p.name}`;
    if (seenPdb.has(k))
      throw new InputError(m.source, '', `duplicate object: PodDisruptionBudget ${k} appears twice`, `PodDisruptionBudget ${k}`);
    seenPdb.add(k);
    const status = (m.obj.status ?? {}) as Record<string, unknown>;
    const model: PdbObj =
      typeof status.disruptionsAllowed === 'number' && (p as PdbObj).disruptionsAllowed === undefined
        ? { ...p, disruptionsAllowed: status.disruptionsAllowed }
        : p;
    out.push({ kind: 'PodDisruptionBudget', namespace: p.namespace, name: p.name, manifest: text(p.source), model });
  }
  return out;
}

/** The PriorityClasses the engine knows: the table's and the built-in ones it does not redeclare. */
export function engineClasses(infra: InfraTable): PriorityClassObj[] {
  return withBuiltInPriorityClasses(infra.models('PriorityClass'));
}

/** What one step of syncEngine works with. */
interface Sync {
  engine: Engine;
  prev: InfraTable;
  /** The table with the change made. */
  next: () => InfraTable;
  change: InfraChange;
  undo: Undo;
  retireHost: (h: HostObj) => void;
}

/** The table's models of one kind. */
const ofKind =
  <T extends InfraModel>(kind: InfraKind) =>
  (t: InfraTable): T[] =>
    t.models<T>(kind);

/** A kind the engine takes as a whole set: given the new table's, after the old one's is noted for undo. */
function wholeSet<T extends InfraModel>(models: (t: InfraTable) => T[], set: (e: Engine, m: T[]) => void): (s: Sync) => void {
  return ({ engine, prev, next, undo }) => {
    const was = models(prev);
    undo.push(() => set(engine, was));
    set(engine, models(next()));
  };
}

/** Hosts go one by one: changed ones upserted, removed ones retired. */
function syncHosts({ engine, prev, change, undo, retireHost }: Sync): void {
  const hosts = (change.changed ?? []).filter((c) => c.kind === 'Node').map((c) => c.model as HostObj);
  if (hosts.length > 0) {
    const before = hosts.map((h) => prev.host(h.name)?.model as HostObj | undefined);
    undo.push(() => hosts.forEach((h, i) => (before[i] ? engine.upsertHosts([before[i]!]) : engine.removeHost(h.name))));
    engine.upsertHosts(hosts);
  }
  for (const r of change.removed ?? []) {
    if (r.kind !== 'Node') continue;
    const h = r.model as HostObj;
    undo.push(() => engine.upsertHosts([h]));
    retireHost(h);
  }
}

/**
 * How each kind reaches the engine, in the order the engine takes them: the PriorityClasses that
 * quotas and policies name first, then the hosts, then the sets replaced whole.
 * VirtualMachineClasses do not reach it: a VirtualMachine is sized by its class when it is resolved.
 */
const ENGINE_STEPS: readonly [InfraKind, (s: Sync) => void][] = [
  ['PriorityClass', wholeSet(engineClasses, (e, m) => e.setPriorityClasses(m))],
  ['Node', syncHosts],
  ['ResourceQuota', wholeSet(ofKind<QuotaObj>('ResourceQuota'), (e, m) => e.setQuotas(m))],
  ['NamespacePolicy', wholeSet(ofKind<NamespacePolicyObj>('NamespacePolicy'), (e, m) => e.setPolicies(m))],
  ['Namespace', wholeSet(ofKind<NamespaceObj>('Namespace'), (e, m) => e.setNamespaces(m))],
  ['PodDisruptionBudget', wholeSet(ofKind<PdbObj>('PodDisruptionBudget'), (e, m) => e.setPdbs(m))],
];

/**
 * The engine, which holds `prev`, made to hold `prev` with `change` made, kind by kind in
 * ENGINE_STEPS' order; every step first pushes onto `undo` what gives the engine `prev` back. A
 * removed host is retired: removed from the engine, unless `retireHost` does otherwise.
 */
export function syncEngine(
  engine: Engine,
  prev: InfraTable,
  change: InfraChange,
  undo: Undo,
  retireHost: (h: HostObj) => void = (h) => engine.removeHost(h.name),
): void {
  const kinds = new Set([...(change.changed ?? []), ...(change.removed ?? [])].map((e) => e.kind));
  let next: InfraTable | undefined;
  const s: Sync = { engine, prev, next: () => (next ??= prev.with(change)), change, undo, retireHost };
  for (const [kind, sync] of ENGINE_STEPS) if (kinds.has(kind)) sync(s);
}
