// Interning of names to the small integers the core works with: resource dimensions, label keys
// (columns) and values, taint keys/values/taints, namespaces. Ids are assigned in first-seen
// order (a freed id taken again, last freed first), so the same input always yields the same ids.

import { DIM_CPU, DIM_EPHEMERAL, DIM_MEMORY, DIM_PODS, FIXED_DIMS, MAX_DIMS, MAX_LABEL_COLUMNS, MAX_TAINTS } from './contract.js';

export class Interner {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];
  constructor(private readonly first = 0) {}

  get(name: string): number | undefined {
    return this.ids.get(name);
  }

  intern(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length + this.first;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }

  name(id: number): string {
    return this.names[id - this.first];
  }

  get size(): number {
    return this.names.length;
  }
}

/**
 * An interner whose ids are freed once nothing uses their name, and taken again last freed first:
 * the namespaces (a cluster creating one per CI run keeps only the live ones), the label values
 * and toleration keys and values of constraint programs. A freed id is a hole until a name takes it.
 */
export class ReusingInterner {
  private readonly ids = new Map<string, number>();
  private readonly byId: (string | undefined)[] = [];
  private readonly freeIds: number[] = [];
  constructor(private readonly first = 0) {}

  get(name: string): number | undefined {
    return this.ids.get(name);
  }

  intern(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.freeIds.pop() ?? this.byId.length + this.first;
      this.ids.set(name, id);
      this.byId[id - this.first] = name;
    }
    return id;
  }

  /** The name of a live id (undefined for a freed one). */
  name(id: number): string | undefined {
    return this.byId[id - this.first];
  }

  /** Forget a live id: the next new name may take it. */
  free(id: number): void {
    const name = this.byId[id - this.first];
    if (name === undefined) return;
    this.ids.delete(name);
    this.byId[id - this.first] = undefined;
    this.freeIds.push(id);
  }

  /** Live (id, name) pairs in id order. */
  entries(): [number, string][] {
    const out: [number, string][] = [];
    this.byId.forEach((name, i) => name !== undefined && out.push([i + this.first, name]));
    return out;
  }

  /** Live names. */
  get size(): number {
    return this.ids.size;
  }

  /** One past the largest id ever given: the rows a backend holds for the table. */
  get extent(): number {
    return this.byId.length + this.first;
  }
}

/** Thrown when the cluster outgrows one of the core's fixed-size vocabularies. */
export class CapacityError extends Error {}

/** Resource names → dimensions: cpu, memory, ephemeral-storage, pods fixed; extended ones after. */
export class Dimensions {
  private readonly ids = new Map<string, number>([
    ['cpu', DIM_CPU],
    ['memory', DIM_MEMORY],
    ['ephemeral-storage', DIM_EPHEMERAL],
    ['pods', DIM_PODS],
  ]);
  readonly names: string[] = ['cpu', 'memory', 'ephemeral-storage', 'pods'];

  get(name: string): number | undefined {
    return this.ids.get(name);
  }

  intern(name: string): number {
    let d = this.ids.get(name);
    if (d === undefined) {
      d = this.names.length;
      if (d >= MAX_DIMS) {
        throw new CapacityError(`too many extended resources: placer tracks at most ${MAX_DIMS - FIXED_DIMS} (cannot add ${name})`);
      }
      this.ids.set(name, d);
      this.names.push(name);
    }
    return d;
  }

  get count(): number {
    return this.names.length;
  }
}

/** Label keys → columns of the host label table (created lazily, when a workload asks). */
export class LabelColumns extends Interner {
  override intern(key: string): number {
    if (this.get(key) === undefined && this.size >= MAX_LABEL_COLUMNS) {
      throw new CapacityError(`too many distinct label keys in node selectors: placer supports ${MAX_LABEL_COLUMNS} (cannot add ${key})`);
    }
    return super.intern(key);
  }
}

/** Taints (key, value, effect) → ids 0..MAX_TAINTS-1. */
export class TaintTable extends Interner {
  override intern(name: string): number {
    if (this.get(name) === undefined && this.size >= MAX_TAINTS) {
      throw new CapacityError(`too many distinct taints: placer supports ${MAX_TAINTS}`);
    }
    return super.intern(name);
  }
}
