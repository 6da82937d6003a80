// Wasm (SIMD), Wasm (scalar build) and the reference engine make identical decisions, give
// identical reasons and keep identical ledgers on random clusters; the independent checker
// verifies every generated case. The debug build (assertions on, asconfig.json) runs on fewer
// clusters: it is slower, and what it adds is the core's own checks firing on a bad state.
// Reproduce a failure with PLACER_SEED=<seed printed by fast-check>.

import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import type { HostVerdict } from '../../core-wasm/src/contract.js';
import { ReferenceBackend } from '../../core-wasm/src/reference/backend.js';
import { WasmBackend } from '../../core-wasm/src/wasm/backend.js';
import { preemptionScenarioArb, scenarioArb } from './arbitraries.js';
import { check } from './checker.js';
import { drive } from './drive.js';

const asColumns = (vs: HostVerdict[]) => ({ reasons: vs.map((v) => v.reasons), fit: vs.map((v) => v.fit), total: vs.map((v) => v.total) });

const runs = Number(process.env.PLACER_RUNS ?? 1000);
const debugRuns = Number(process.env.PLACER_DEBUG_RUNS ?? Math.min(runs, 200));
const seed = process.env.PLACER_SEED ? Number(process.env.PLACER_SEED) : undefined;

// Generous: the run is CPU-bound and CI machines are shared; the default 60 s can be too tight.
const timeout = Math.max(300_000, runs * 200);

describe('differential: wasm vs reference', () => {
  test.prop([scenarioArb], { numRuns: runs, seed })(
    'same decisions, reasons and ledgers on random clusters',
    (s) => {
      const ref = drive(new ReferenceBackend(), s);
      const simd = drive(new WasmBackend('simd'), s);
      const scalar = drive(new WasmBackend('scalar'), s);
      expect(simd).toEqual(ref);
      expect(scalar).toEqual(ref);
      // The columnar evaluation says what evaluate() says, host by host.
      expect(ref.columns).toEqual(ref.evaluations.map(asColumns));
      check(s, ref.batch, ref.after);
      expect(ref.afterRelease).toEqual(ref.before);
    },
    timeout,
  );

  test.prop([preemptionScenarioArb], { numRuns: runs, seed })(
    'same victims on crowded clusters (preemption tie-breakers, PDBs)',
    (s) => {
      const ref = drive(new ReferenceBackend(), s);
      const simd = drive(new WasmBackend('simd'), s);
      expect(simd).toEqual(ref);
      check(s, ref.batch, ref.after);
      expect(ref.afterRelease).toEqual(ref.before);
    },
    timeout,
  );
});

describe('differential: wasm debug build (assertions on) vs reference', () => {
  test.prop([scenarioArb], { numRuns: debugRuns, seed })(
    'same decisions, reasons and ledgers, no assertion fired',
    (s) => {
      expect(drive(new WasmBackend('debug'), s)).toEqual(drive(new ReferenceBackend(), s));
    },
    timeout,
  );

  test.prop([preemptionScenarioArb], { numRuns: debugRuns, seed })(
    'same victims on crowded clusters, no assertion fired',
    (s) => {
      expect(drive(new WasmBackend('debug'), s)).toEqual(drive(new ReferenceBackend(), s));
    },
    timeout,
  );
});
