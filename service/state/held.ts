// The placements the service holds, kept columnar: a restart loads a million of them, and one
// JavaScript object (plus a key string and its strings) per placement made garbage collection the
// largest cost of a restart and ~800 B of RSS per placement. Here a placement is a dense id; kind,
// namespace, host, owner, origin and shape are interned once (per shape, per owner, per host) and
// held as integers in typed arrays; only the name and the uid are strings per placement. A `Held`
// object is built when a caller asks for one.

import { Interner, ReusingInterner } from '../../core-wasm/src/vocab.js';
import type { WorkloadTemplate } from '../../model/types.js';
import type { PlacementOrigin } from './store.js';
import { UnseenUsage } from './unseen.js';

/** A placement placer holds. */
export interface Held {
  kind: string;
  namespace: string;
  name: string;
  uid: string | null;
  host: string;
  owner: string | null;
  origin: PlacementOrigin;
  /** The shape's JSON (shapes.ts); shared by every placement of the same shape. */
  shape: string;
}

/** The placement of instance `name` (incarnation `uid`) of `t` on `host`. */
export function heldOf(
  t: Pick<WorkloadTemplate, 'kind' | 'namespace' | 'owner'>,
  name: string,
  uid: string | null,
  host: string,
  origin: PlacementOrigin,
  shape: string,
): Held {
  return { kind: t.kind, namespace: t.namespace, name, uid, host, owner: t.owner ?? null, origin, shape };
}

const ORIGINS: readonly PlacementOrigin[] = ['apply', 'existing', 'bind', 'retry'];
const originId = (o: PlacementOrigin): number => {
  const i = ORIGINS.indexOf(o);
  if (i < 0) throw new Error(`placer state: unknown placement origin ${JSON.stringify(o)}`);
  return i;
};
const NONE = -1;

/**
 * Interned strings with a count of users: an id whose last user is gone is forgotten and reused.
 * Owners and shapes come and go with rollouts and Jobs (new ReplicaSet names, new pod-template
 * labels); kept forever they would grow the process for as long as it runs.
 */
class CountedNames {
  private readonly ids = new Map<string, number>();
  readonly names: (string | undefined)[] = [];
  private readonly users: number[] = [];
  private readonly free: number[] = [];

  /** The id of `name`, with `n` more users. */
  acquire(name: string, n: number): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.free.length > 0 ? this.free.pop()! : this.names.length;
      this.ids.set(name, id);
      this.names[id] = name;
      this.users[id] = 0;
    }
    this.users[id] += n;
    return id;
  }

  /** One user fewer; the last one forgets the name. */
  release(id: number): void {
    if (--this.users[id] > 0) return;
    this.ids.delete(this.names[id]!);
    this.names[id] = undefined;
    this.free.push(id);
  }

  /** Names with at least one user. */
  get size(): number {
    return this.ids.size;
  }
}

/** A run of placements that share kind, namespace, owner, origin and shape (one store page). */
export interface HeldRun {
  kind: string;
  namespace: string;
  owner: string | null;
  origin: PlacementOrigin;
  shape: string;
}

export class HeldTable {
  // Interned names. Kinds and hosts are few and kept (ids never reused); namespaces go with their
  // last placement (ids reused: one per CI run would otherwise accumulate); owners and
  // shapes are counted per placement and forgotten with their last one.
  private readonly kinds = new Interner();
  private readonly namespaces = new ReusingInterner();
  private readonly hosts = new Interner();
  private readonly owners = new CountedNames();
  private readonly shapes = new CountedNames();
  /** Scopes: (kind, namespace) pairs, interned by their `kind/namespace` text. */
  private readonly scopes = new ReusingInterner();
  private readonly scopeKind: number[] = [];
  private readonly scopeNs: number[] = [];
  /** Per scope: name → placement id. */
  private readonly byName: Map<string, number>[] = [];
  /** Per namespace id: its scopes (freed with the namespace's last placement). */
  private readonly nsScopes: number[][] = [];
  private readonly byUid = new Map<string, number>();

  // columns, by placement id
  private cap = 0;
  private top = 0;
  private scope = new Int32Array(0);
  private host = new Int32Array(0);
  private owner = new Int32Array(0);
  private shape = new Int32Array(0);
  private origin = new Uint8Array(0);
  private readonly names: (string | undefined)[] = [];
  private readonly uids: (string | null)[] = [];
  /** Ids of removed placements, reused first. */
  private readonly free: number[] = [];
  private live = 0;

  /** Placements per host id, per namespace id, and per host and namespace ([host][namespace id]). */
  private perHost = new Int32Array(0);
  private perNs: number[] = [];
  private readonly perHostNs: Int32Array[] = [];
  /** Requests per host of the placements kube-scheduler does not see (unseen.ts). */
  readonly unseen = new UnseenUsage();

  get size(): number {
    return this.live;
  }

  private scopeOf(kind: string, namespace: string, create: boolean): number | undefined {
    const text = `${kind}/${namespace}`;
    const id = this.scopes.get(text);
    if (id !== undefined || !create) return id;
    const s = this.scopes.intern(text);
    this.scopeKind[s] = this.kinds.intern(kind);
    this.scopeNs[s] = this.namespaces.intern(namespace);
    this.byName[s] = new Map();
    const ns = this.scopeNs[s];
    while (this.perNs.length <= ns) this.perNs.push(0);
    (this.nsScopes[ns] ??= []).push(s);
    return s;
  }

  /**
   * Forget a namespace whose last placement went, with its scopes: their ids are reused, so a
   * cluster that creates a namespace per CI run keeps only those with placements (and a host's
   * per-namespace counts stay as long as the namespaces live at once, not as all ever seen).
   */
  private forgetNamespace(ns: number): void {
    for (const s of this.nsScopes[ns]) {
      this.scopes.free(s);
      this.byName[s] = new Map();
    }
    this.nsScopes[ns] = [];
    this.namespaces.free(ns);
  }

  private grow(need: number): void {
    if (need <= this.cap) return;
    const cap = Math.max(need, this.cap * 2, 1024);
    this.scope = widened(this.scope, cap);
    this.host = widened(this.host, cap);
    this.owner = widened(this.owner, cap);
    this.shape = widened(this.shape, cap);
    const o = new Uint8Array(cap);
    o.set(this.origin);
    this.origin = o;
    this.cap = cap;
  }

  /** The id of a host name, interned; `hostName(id)` is the one string kept for it. */
  hostId(host: string): number {
    const h = this.hosts.intern(host);
    if (h >= this.perHost.length) this.perHost = widened(this.perHost, Math.max(h + 1, this.perHost.length * 2, 64));
    return h;
  }

  hostName(id: number): string {
    return this.hosts.names[id];
  }

  /** The per-namespace counts of a host, long enough for namespace id `ns`. */
  private hostNs(hid: number, ns: number): Int32Array {
    let a = this.perHostNs[hid];
    if (a === undefined || a.length <= ns)
      this.perHostNs[hid] = a = widened(a ?? new Int32Array(0), Math.max(ns + 1, (a?.length ?? 0) * 2, 8));
    return a;
  }

  private lookup(kind: string, namespace: string, name: string): number | undefined {
    const s = this.scopeOf(kind, namespace, false);
    return s === undefined ? undefined : this.byName[s].get(name);
  }

  has(kind: string, namespace: string, name: string): boolean {
    return this.lookup(kind, namespace, name) !== undefined;
  }

  get(kind: string, namespace: string, name: string): Held | undefined {
    const id = this.lookup(kind, namespace, name);
    return id === undefined ? undefined : this.held(id);
  }

  /** By `kind/namespace/name` (names may contain '/'; kinds and namespaces do not). */
  getByKey(key: string): Held | undefined {
    const a = key.indexOf('/');
    const b = key.indexOf('/', a + 1);
    if (a < 0 || b < 0) return undefined;
    return this.get(key.slice(0, a), key.slice(a + 1, b), key.slice(b + 1));
  }

  /** The `kind/namespace/name` key of the placement with this uid. */
  keyOfUid(uid: string): string | undefined {
    const id = this.byUid.get(uid);
    if (id === undefined) return undefined;
    return `${this.scopes.name(this.scope[id])!}/${this.names[id]!}`;
  }

  private held(id: number): Held {
    const s = this.scope[id];
    const o = this.owner[id];
    return {
      kind: this.kinds.names[this.scopeKind[s]],
      namespace: this.namespaces.name(this.scopeNs[s])!,
      name: this.names[id]!,
      uid: this.uids[id],
      host: this.hosts.names[this.host[id]],
      owner: o === NONE ? null : this.owners.names[o]!,
      origin: ORIGINS[this.origin[id]],
      shape: this.shapes.names[this.shape[id]]!,
    };
  }

  add(h: Held): void {
    const run: HeldRun = { kind: h.kind, namespace: h.namespace, owner: h.owner, origin: h.origin, shape: h.shape };
    this.addRun(run, [h.name], [h.uid], [this.hostId(h.host)], 0, 1);
  }

  /**
   * Placements `from` … `to − 1` of the parallel arrays, all of one run; `hosts` are hostId()s. A
   * name already held in the scope is replaced (as a Map.set would), so callers keep their old
   * semantics.
   */
  addRun(
    run: HeldRun,
    names: readonly string[],
    uids: readonly (string | null)[],
    hosts: ArrayLike<number>,
    from: number,
    to: number,
  ): void {
    if (to <= from) return;
    const s = this.scopeOf(run.kind, run.namespace, true)!;
    const ns = this.scopeNs[s];
    const byName = this.byName[s];
    // acquired for the whole run first: replacing a placement below releases its old owner and
    // shape, which may be these
    const owner = run.owner === null ? NONE : this.owners.acquire(run.owner, to - from);
    const shape = this.shapes.acquire(run.shape, to - from);
    const origin = originId(run.origin);
    const unseen = UnseenUsage.counts(run.kind);
    this.grow(this.top + (to - from));
    for (let k = from; k < to; k++) {
      const name = names[k];
      const prev = byName.get(name);
      if (prev !== undefined) this.removeId(prev, false); // the namespace stays: the run adds to it
      const id = this.free.length > 0 ? this.free.pop()! : this.top++;
      const hid = hosts[k];
      this.scope[id] = s;
      this.host[id] = hid;
      this.owner[id] = owner;
      this.shape[id] = shape;
      this.origin[id] = origin;
      this.names[id] = name;
      const uid = uids[k];
      this.uids[id] = uid;
      byName.set(name, id);
      if (uid !== null) this.byUid.set(uid, id);
      this.perHost[hid]++;
      this.perNs[ns]++;
      this.hostNs(hid, ns)[ns]++;
      if (unseen) this.unseen.add(this.hostName(hid), run.shape, 1);
      this.live++;
    }
  }

  /** Forget a placement; false when none is held under that name. */
  remove(kind: string, namespace: string, name: string): boolean {
    const id = this.lookup(kind, namespace, name);
    if (id === undefined) return false;
    this.removeId(id);
    return true;
  }

  /** Forget placement `id`; its namespace too when it was the last one there (unless `forget` is false). */
  private removeId(id: number, forget = true): void {
    const s = this.scope[id];
    const ns = this.scopeNs[s];
    const hid = this.host[id];
    this.byName[s].delete(this.names[id]!);
    const uid = this.uids[id];
    if (uid !== null && this.byUid.get(uid) === id) this.byUid.delete(uid);
    this.perHost[hid]--;
    this.perNs[ns]--;
    this.perHostNs[hid][ns]--;
    if (UnseenUsage.counts(this.kinds.names[this.scopeKind[s]]))
      this.unseen.add(this.hostName(hid), this.shapes.names[this.shape[id]]!, -1);
    if (this.owner[id] !== NONE) this.owners.release(this.owner[id]);
    this.shapes.release(this.shape[id]);
    this.names[id] = undefined;
    this.uids[id] = null;
    this.free.push(id);
    this.live--;
    if (forget && this.perNs[ns] === 0) this.forgetNamespace(ns);
  }

  /** Every placement (built on demand), in no particular order. */
  *values(): IterableIterator<Held> {
    for (let id = 0; id < this.top; id++) if (this.names[id] !== undefined) yield this.held(id);
  }

  /** Placements of one namespace (built on demand), in no particular order. */
  *inNamespace(namespace: string): IterableIterator<Held> {
    const ns = this.namespaces.get(namespace);
    if (ns === undefined || this.perNs[ns] === 0) return;
    for (let id = 0; id < this.top; id++) if (this.names[id] !== undefined && this.scopeNs[this.scope[id]] === ns) yield this.held(id);
  }

  /** Placements of one namespace, each as its namespace and shape only (PodDisruptionBudget counts). */
  *shapesIn(namespace: string): IterableIterator<string> {
    const ns = this.namespaces.get(namespace);
    if (ns === undefined || this.perNs[ns] === 0) return;
    for (let id = 0; id < this.top; id++)
      if (this.names[id] !== undefined && this.scopeNs[this.scope[id]] === ns) yield this.shapes.names[this.shape[id]]!;
  }

  /** The distinct shapes of the placements held now. */
  *shapeNames(): IterableIterator<string> {
    for (const n of this.shapes.names) if (n !== undefined) yield n;
  }

  /** Distinct owners and shapes of the placements held now. */
  get distinct(): { owners: number; shapes: number } {
    return { owners: this.owners.size, shapes: this.shapes.size };
  }

  heldOn(host: string): number {
    const h = this.hosts.get(host);
    return h === undefined ? 0 : this.perHost[h];
  }

  /** Whether anything is held in the namespace (a namespace is forgotten with its last placement). */
  seenNamespace(namespace: string): boolean {
    return this.namespaces.get(namespace) !== undefined;
  }

  inNamespaceCount(namespace: string): number {
    const ns = this.namespaces.get(namespace);
    return ns === undefined ? 0 : this.perNs[ns];
  }

  /** Placements on a host, per namespace (> 0 only). */
  namespacesOn(host: string): Map<string, number> {
    const out = new Map<string, number>();
    const h = this.hosts.get(host);
    const a = h === undefined ? undefined : this.perHostNs[h];
    if (a) a.forEach((n, ns) => n > 0 && out.set(this.namespaces.name(ns)!, n));
    return out;
  }

  /** Namespaces with placements (the table's namespace ids in use). */
  get namespaceCount(): number {
    return this.namespaces.size;
  }
}

/** A copy of `a` in a zeroed array of `length` entries. */
function widened(a: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(length);
  b.set(a);
  return b;
}
