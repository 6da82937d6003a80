// Gangs (a PodGroup's minMember, a guest cluster's VirtualMachines, a namespace moved all at once):
// members are placed all or nothing — at least minMember of them, or none. A gang goes as one unit
// at the priority of its most important member, never preempts, and its members are never
// preemption victims. Rule twin: core-wasm/assembly/batch.ts (gang units and their rollback).

import type { Failure, GangSpec } from '../contract.js';

/** A gang holds when at least minMember of its members found a host. */
export function gangHolds(placed: number, minMember: number): boolean {
  return placed >= minMember;
}

/** Why a gang's members are all unplaced: how many were placed before the rollback, and why the first one failed. */
export function gangFailure(gang: number, placed: number, needed: number, cause: Failure | null): Failure {
  return { kind: 'gang', gang, placed, needed, cause };
}

/** The gangs of one batch: ids by name, in first-seen order, each with its minMember. */
export class GangIndex {
  private readonly ids = new Map<string, number>();
  readonly specs: GangSpec[] = [];

  /** The id of gang `name`, created with `minMember` when first seen. */
  idOf(name: string, minMember = 0): number {
    let g = this.ids.get(name);
    if (g === undefined) {
      g = this.specs.length;
      this.ids.set(name, g);
      this.specs.push({ minMember });
    }
    return g;
  }

  /** Gang names by id. */
  names(): string[] {
    return [...this.ids.keys()];
  }
}
