// Who runs where, on the front side: per (class, host) the workloads placed there, oldest first —
// they name preemption's victims, a drain's movers and a rebalance's moves — the count per class
// and host (topology backfills read it), and, when the engine tracks placements, workload name →
// (class, host) for release and lookups. The backend keeps the numbers; this keeps the names.

import type { WorkloadTemplate } from '../../model/types.js';

/** Instance `j` of template `t`. */
export interface Resident {
  t: WorkloadTemplate;
  j: number;
}

/** Host slots stay below 2^24; class ids below 2^29: the pair fits a double exactly. */
const SLOT_SPACE = 2 ** 24;
export const pack = (cls: number, slot: number): number => cls * SLOT_SPACE + slot;
export const unpack = (p: number): { cls: number; slot: number } => ({ cls: Math.floor(p / SLOT_SPACE), slot: p % SLOT_SPACE });

export class Residents {
  /** Tracked placements: name → (class, slot), per kind and namespace. */
  private readonly names = new PlacementRegistry();
  private readonly lists = new ResidentLists();
  /** Classes with residents, per host: finds what runs on a host without scanning every resident. */
  private readonly classesOn = new Map<number, Set<number>>();
  /** Placed workloads per class and host: memberships can grow after placement (topology backfill). */
  private readonly counts = new Map<number, Map<number, number>>();

  constructor(
    private readonly track: boolean,
    /** Called when the last placed workload of a class left (its class may be freed). */
    private readonly vacated: (cls: number) => void = () => {},
  ) {}

  /** Instance j of t now runs on slot, as class cls. */
  add(cls: number, slot: number, t: WorkloadTemplate, j: number): void {
    this.count(cls, slot, 1);
    this.list(cls, slot).push({ t, j });
    if (this.track) this.names.set(t.kind, t.namespace, t.instances[j].name, cls, slot);
  }

  /**
   * Every bound instance of one template at once (a restart replays a million): the same records,
   * in the same order, as add() per instance. `slots[j]` is −1 for an unbound instance.
   */
  addBound(cls: number, t: WorkloadTemplate, slots: Int32Array, counts: ReadonlyMap<number, number>): void {
    for (const [slot, c] of counts) this.count(cls, slot, c);
    const lists: Resident[][] = [];
    const names = this.track ? this.names.scope(t.kind, t.namespace, true) : undefined;
    for (let j = 0; j < slots.length; j++) {
      const slot = slots[j];
      if (slot < 0) continue;
      (lists[slot] ??= this.list(cls, slot)).push({ t, j });
      if (names) this.names.setIn(names, t.instances[j].name, cls, slot);
    }
  }

  /**
   * One workload of class cls leaves slot: the one `match` names, or — without a name — the
   * youngest (the engines evict the most recently committed first). Its count drops either way.
   */
  remove(cls: number, slot: number, match?: (r: Resident) => boolean): Resident | undefined {
    this.count(cls, slot, -1);
    const r = this.take(cls, slot, match);
    if (r && this.track) this.names.delete(r.t.kind, r.t.namespace, r.t.instances[r.j].name);
    return r;
  }

  /** The resident of a tracked workload, by name. */
  removeNamed(kind: string, namespace: string, name: string): { cls: number; slot: number } | undefined {
    const p = this.placed(kind, namespace, name);
    if (!p) return undefined;
    this.remove(p.cls, p.slot, (r) => r.t.kind === kind && r.t.namespace === namespace && r.t.instances[r.j].name === name);
    this.names.delete(kind, namespace, name);
    return p;
  }

  /** A workload moved from one host to another (the backend already moved it). */
  relocate(cls: number, from: number, to: number, who: Resident): void {
    this.count(cls, from, -1);
    this.count(cls, to, 1);
    this.take(cls, from, (r) => r.t === who.t && r.j === who.j);
    this.list(cls, to).push({ t: who.t, j: who.j });
    if (this.track) this.names.set(who.t.kind, who.t.namespace, who.t.instances[who.j].name, cls, to);
  }

  /** The residents of (class, slot) in `order` again — the same workloads: a trial of moves undone (failover-moves.ts). */
  reorder(cls: number, slot: number, order: readonly Resident[]): void {
    const list = this.lists.at(cls, slot);
    if (list && list.length === order.length) list.splice(0, list.length, ...order);
  }

  /** The (class, slot) of a tracked workload. */
  placed(kind: string, namespace: string, name: string): { cls: number; slot: number } | undefined {
    const packed = this.names.get(kind, namespace, name);
    return packed === undefined ? undefined : unpack(packed);
  }

  /** Every tracked placement. */
  *tracked(): IterableIterator<{ kind: string; namespace: string; name: string; slot: number }> {
    for (const [kind, namespace, name, packed] of this.names.entries()) yield { kind, namespace, name, slot: unpack(packed).slot };
  }

  /** The residents of (class, slot), oldest first. */
  at(cls: number, slot: number): readonly Resident[] {
    return this.lists.at(cls, slot) ?? [];
  }

  /** Placed workloads of a class per host, or undefined when it never had any. */
  placedOn(cls: number): ReadonlyMap<number, number> | undefined {
    return this.counts.get(cls);
  }

  /** Classes with residents on a host. */
  classesAt(slot: number): ReadonlySet<number> {
    return this.classesOn.get(slot) ?? EMPTY;
  }

  /** Resident keys (packed class, slot) on the given hosts, or on every host; ascending. */
  keys(slots?: Iterable<number>): number[] {
    if (!slots) return [...this.lists.keys()].sort((a, b) => a - b);
    const keys: number[] = [];
    for (const slot of slots) for (const cls of this.classesAt(slot)) keys.push(pack(cls, slot));
    return keys.sort((a, b) => a - b);
  }

  /** Every (packed key, residents) pair; per class, not in insertion order. */
  entries(): IterableIterator<[number, Resident[]]> {
    return this.lists[Symbol.iterator]();
  }

  /** Classes with residents on some host. */
  classesPlaced(): Set<number> {
    const out = new Set<number>();
    for (const set of this.classesOn.values()) for (const cls of set) out.add(cls);
    return out;
  }

  /** Every resident. */
  *all(): IterableIterator<Resident> {
    for (const list of this.lists.values()) yield* list;
  }

  /** Placed workloads of a class on a host move by delta; a host at zero leaves the map, a class with none left its own. */
  private count(cls: number, slot: number, delta: number): void {
    let m = this.counts.get(cls);
    if (!m) this.counts.set(cls, (m = new Map<number, number>()));
    const n = (m.get(slot) ?? 0) + delta;
    if (n !== 0) m.set(slot, n);
    else if (m.delete(slot) && m.size === 0) {
      this.counts.delete(cls);
      this.vacated(cls);
    }
  }

  private list(cls: number, slot: number): Resident[] {
    let list = this.lists.at(cls, slot);
    if (!list) {
      this.lists.put(cls, slot, (list = []));
      const classes = this.classesOn.get(slot);
      if (classes) classes.add(cls);
      else this.classesOn.set(slot, new Set([cls]));
    }
    return list;
  }

  private take(cls: number, slot: number, match?: (r: Resident) => boolean): Resident | undefined {
    const list = this.lists.at(cls, slot);
    if (!list || list.length === 0) return undefined;
    const at = match ? list.findIndex(match) : list.length - 1;
    if (at < 0) return undefined;
    const [r] = list.splice(at, 1);
    if (list.length === 0) {
      this.lists.remove(cls, slot);
      this.classesOn.get(slot)!.delete(cls);
    }
    return r;
  }
}

const EMPTY: ReadonlySet<number> = new Set();

/**
 * Workload name → placement (class, host slot), per kind and namespace. Each name maps to a dense
 * id and the class and slot live in typed arrays: a packed pair is beyond the small-integer range,
 * so a Map of packed numbers held one heap number per placement (a restart binds a million).
 */
class PlacementRegistry {
  private readonly byScope = new Map<string, Map<string, number>>();
  private cls = new Int32Array(1024);
  private slot = new Int32Array(1024);
  private top = 0;
  private readonly free: number[] = [];
  /** The name → id map of one kind and namespace; bulk binds look it up once. */
  scope(kind: string, namespace: string, create: true): Map<string, number>;
  scope(kind: string, namespace: string, create: boolean): Map<string, number> | undefined;
  scope(kind: string, namespace: string, create: boolean): Map<string, number> | undefined {
    const key = `${kind}/${namespace}`;
    let m = this.byScope.get(key);
    if (!m && create) this.byScope.set(key, (m = new Map()));
    return m;
  }
  set(kind: string, namespace: string, name: string, cls: number, slot: number): void {
    this.setIn(this.scope(kind, namespace, true), name, cls, slot);
  }
  /** set() in a map from scope(kind, namespace, true). */
  setIn(m: Map<string, number>, name: string, cls: number, slot: number): void {
    let id = m.get(name);
    if (id === undefined) {
      id = this.free.length > 0 ? this.free.pop()! : this.top++;
      if (id >= this.cls.length) {
        this.cls = widened(this.cls);
        this.slot = widened(this.slot);
      }
      m.set(name, id);
    }
    this.cls[id] = cls;
    this.slot[id] = slot;
  }
  /** The packed (class, slot) of a placement. */
  get(kind: string, namespace: string, name: string): number | undefined {
    const id = this.scope(kind, namespace, false)?.get(name);
    return id === undefined ? undefined : pack(this.cls[id], this.slot[id]);
  }
  delete(kind: string, namespace: string, name: string): void {
    const m = this.scope(kind, namespace, false);
    const id = m?.get(name);
    if (id === undefined) return;
    m!.delete(name);
    this.free.push(id);
  }
  *entries(): IterableIterator<[string, string, string, number]> {
    for (const [scope, m] of this.byScope) {
      const slash = scope.indexOf('/');
      for (const [name, id] of m) yield [scope.slice(0, slash), scope.slice(slash + 1), name, pack(this.cls[id], this.slot[id])];
    }
  }
}

/** A typed array twice as long, its contents kept. */
function widened(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

/**
 * Resident lists by packed (class, slot) key, as a Map of them would be, kept per class and then
 * per slot: a packed key is beyond the small-integer range, so a flat Map held a heap number per
 * (class, host) and hashed doubles (a restart fills ~a million). Iteration order is per class, not
 * insertion order: every reader sorts or sums.
 */
class ResidentLists {
  private readonly byClass: (Map<number, Resident[]> | undefined)[] = [];
  at(cls: number, slot: number): Resident[] | undefined {
    return this.byClass[cls]?.get(slot);
  }
  put(cls: number, slot: number, list: Resident[]): void {
    let m = this.byClass[cls];
    if (!m) this.byClass[cls] = m = new Map();
    m.set(slot, list);
  }
  /** The last list of a class takes its map with it (the id may name another class later). */
  remove(cls: number, slot: number): void {
    const m = this.byClass[cls];
    if (!m) return;
    m.delete(slot);
    if (m.size === 0) this.byClass[cls] = undefined;
  }
  *keys(): IterableIterator<number> {
    for (const [cls, m] of this.byClass.entries()) if (m) for (const slot of m.keys()) yield pack(cls, slot);
  }
  *values(): IterableIterator<Resident[]> {
    for (const m of this.byClass) if (m) yield* m.values();
  }
  *[Symbol.iterator](): IterableIterator<[number, Resident[]]> {
    for (const [cls, m] of this.byClass.entries()) if (m) for (const [slot, list] of m) yield [pack(cls, slot), list];
  }
}
