// The state's transactional core: the placement engine (in memory, Wasm), the store (on disk),
// the infrastructure table and the placements placer holds, kept equal.
//
// Every mutation — apply, extender bind, release, host refresh, host removal — runs synchronously
// from check to commit: the engine decides and commits in memory, the store commits the same
// change in one durable transaction, the tables follow, and only then does the route answer. Node
// runs one request's synchronous code at a time, so two requests never interleave between a check
// and its commit: capacity and quota are never double-booked. If the store write fails, transact()
// undoes the engine change, so memory never holds what the disk does not. The use cases (apply.ts,
// extender.ts, preempt.ts, operations.ts, mirror.ts, inspect.ts) are written over this core.

import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { Engine, type BackendName, type EngineOptions } from '../../core-wasm/src/engine.js';
import type { Strategy, WorkloadTemplate } from '../../model/types.js';
import { HeldTable, type Held } from './held.js';
import { InfraTable, type Undo } from './infra.js';
import { loadFromStore, loadPending } from './load.js';
import { DEFAULT_BACKOFF, PendingSet, type Backoff } from './pending.js';
import { Store } from './store.js';

export interface StateOptions {
  dataDir: string;
  backend?: BackendName;
  strategy?: Strategy;
  /** The rest of the score profile (a KubeSchedulerConfiguration's, `serve --config`); the Engine's defaults otherwise. */
  profile?: Pick<EngineOptions, 'scoring' | 'shape' | 'balancedWeight'>;
  cpuMhzPerCore?: number;
  /** Pods seen by the extender's filter, kept (LRU) so that bind knows their shape. */
  podCacheSize?: number;
  /**
   * Resources placer does not account (kube-scheduler's NodeResourcesFit ignoredResources), such
   * as the marker an extender's managedResources selects pods by: dropped from every workload.
   */
  ignoredResources?: readonly string[];
  /** Backoff between retries of a pending workload (pending.ts; kube-scheduler's defaults). */
  retryBackoff?: Backoff;
}

export type CoreOptions = Required<StateOptions>;

export class StateCore {
  engine: Engine;
  readonly store: Store;
  readonly opts: CoreOptions;
  infra = new InfraTable();
  /** Every placement placer holds, with counts per host, namespace and both (columnar, see held.ts). */
  held = new HeldTable();
  /** What apply could not place, with the reason of the last attempt (the store's pending table). */
  readonly pending: PendingSet;

  private constructor(opts: StateOptions) {
    this.opts = {
      dataDir: opts.dataDir,
      backend: opts.backend ?? 'wasm',
      strategy: opts.strategy ?? 'LeastAllocated',
      profile: opts.profile ?? {},
      cpuMhzPerCore: opts.cpuMhzPerCore ?? 2000,
      podCacheSize: opts.podCacheSize ?? 50_000,
      ignoredResources: opts.ignoredResources ?? [],
      retryBackoff: opts.retryBackoff ?? DEFAULT_BACKOFF,
    };
    this.pending = new PendingSet(this.opts.retryBackoff);
    this.store = Store.open(opts.dataDir);
    this.engine = this.newEngine();
  }

  private newEngine(): Engine {
    return new Engine({ backend: this.opts.backend, strategy: this.opts.strategy, ...this.opts.profile, trackPlacements: true });
  }

  /** Open the store and rebuild the engine from it, yielding to the event loop between batches. */
  static async open(opts: StateOptions): Promise<StateCore> {
    const core = new StateCore(opts);
    for (const _ of core.loadSteps()) await yieldToLoop();
    return core;
  }

  close(): void {
    this.store.close();
  }

  /** Rebuild everything from the store (load.ts); each yield is a point where the caller may pause. */
  private *loadSteps(): Generator<void> {
    this.engine = this.newEngine();
    this.infra = new InfraTable();
    this.held = new HeldTable();
    const loaded = yield* loadFromStore(this.store, this.engine, this.opts);
    this.infra = loaded.infra;
    this.held = loaded.held;
    this.pending.clear();
    for (const p of loadPending(this.store, this.engine)) this.pending.record(p);
  }

  /** Rebuild from the store, synchronously: the last resort when an undo fails. */
  private reload(): void {
    for (const _ of this.loadSteps());
  }

  /** Run a mutation; if it throws, undo what it did in reverse order (or rebuild from the store). */
  transact<T>(fn: (undo: Undo) => T): T {
    const undo: Undo = [];
    try {
      return fn(undo);
    } catch (err) {
      try {
        for (let i = undo.length - 1; i >= 0; i--) undo[i]();
      } catch {
        this.reload();
      }
      throw err;
    }
  }

  /** A placement placer holds from now on (the store has it). */
  track(h: Held): void {
    this.held.add(h);
  }

  /** A placement placer no longer holds (the store has dropped it). */
  untrack(h: Held): void {
    this.held.remove(h.kind, h.namespace, h.name);
  }

  /** The resources placer does not account, dropped from a workload (StateOptions.ignoredResources). */
  dropIgnored(t: WorkloadTemplate): void {
    for (const r of this.opts.ignoredResources) {
      t.requests.delete(r);
      t.limits.delete(r);
    }
  }
}
