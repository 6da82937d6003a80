// One placement run over a resolved cluster: the path shared by `placer place` and `POST
// /v1/apply`. Order matters and mirrors a live cluster: infrastructure first, then what already
// runs (it holds capacity and quota), then the reservation check, then the batch.

import { Engine, type EngineOptions, type Explanation, type Outcome } from '../../core-wasm/src/engine.js';
import type { ClusterInput } from '../../model/types.js';
import { outcomesView, type ResultView } from './result.js';

export interface PlacementRun {
  engine: Engine;
  outcomes: Outcome[];
  /** The PlacementResult as a view over the outcomes (materialize() builds the object). */
  result: ResultView;
  explanations?: Explanation[];
}

export interface RunOptions extends EngineOptions {
  explain?: boolean;
}

export function loadEngine(input: ClusterInput, opts: EngineOptions = {}): Engine {
  const engine = new Engine(opts);
  engine.setPriorityClasses(input.priorityClasses);
  engine.setNamespaces(input.namespaces ?? []);
  engine.setPdbs(input.pdbs ?? []);
  engine.upsertHosts(input.hosts);
  engine.setQuotas(input.quotas);
  engine.setPolicies(input.policies);
  engine.bindExisting(input.workloads);
  engine.checkReservations();
  return engine;
}

export function runPlacement(input: ClusterInput, opts: RunOptions = {}): PlacementRun {
  const engine = loadEngine(input, opts);
  const { outcomes } = engine.place(input.workloads);
  const result = outcomesView(engine, outcomes, opts.strategy ?? 'LeastAllocated');
  const run: PlacementRun = { engine, outcomes, result };
  if (opts.explain) {
    // Explain each template that left something unplaced, against the final state.
    run.explanations = outcomes.filter((o) => o.failure).map((o) => engine.explain(o.template, o.hosts.indexOf(null)));
  }
  return run;
}
