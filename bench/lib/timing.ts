// Timing helpers. In-process micro-measurements go through tinybench 6 (hrtime timestamps,
// warmup, median of many samples); µs-scale calls are repeated inside one sample so the timer
// never saturates (tinybench FAQ). Long single runs (a whole batch) are wall-clock timed.

import { Bench } from 'tinybench';

export interface BenchTask {
  name: string;
  fn: () => void;
}

export interface Measured {
  name: string;
  /** Median time of one call, ms. */
  p50: number;
  /** Mean time of one call, ms. */
  mean: number;
  /** Relative margin of error of the mean, %. */
  rme: number;
  samples: number;
  /** Calls per tinybench sample. */
  reps: number;
}

/** Calls per sample so that one sample lasts about `sampleMs`. */
function calibrate(fn: () => void, sampleMs: number): number {
  fn();
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn();
    const dt = performance.now() - t0;
    if (dt >= sampleMs / 4 || n >= 1 << 20) return Math.max(1, Math.ceil((n * sampleMs) / Math.max(dt, 1e-6)));
    n *= 4;
  }
}

/**
 * Run the tasks in one tinybench Bench (same process, same data, one after the other) and
 * report the per-call median and mean. `time` is the sampling budget per task in ms.
 */
export function benchSync(tasks: readonly BenchTask[], opts: { time: number; warmupTime: number; sampleMs?: number }): Measured[] {
  const bench = new Bench({
    name: 'placer',
    time: opts.time,
    warmupTime: opts.warmupTime,
    warmupIterations: 4,
    iterations: 8,
    timestampProvider: 'hrtimeNow',
    throws: true,
  });
  const reps = new Map<string, number>();
  for (const t of tasks) {
    const r = calibrate(t.fn, opts.sampleMs ?? 0.5);
    reps.set(t.name, r);
    const fn = t.fn;
    bench.add(t.name, () => {
      for (let i = 0; i < r; i++) fn();
    });
  }
  bench.runSync();
  return bench.tasks.map((task) => {
    const res = task.result;
    if (res.state !== 'completed' && res.state !== 'aborted-with-statistics') throw new Error(`bench task ${task.name}: ${res.state}`);
    const r = reps.get(task.name)!;
    return {
      name: task.name,
      p50: res.latency.p50! / r,
      mean: res.latency.mean / r,
      rme: res.latency.rme,
      samples: res.latency.samplesCount,
      reps: r,
    };
  });
}

/** Wall time of one call, ms. */
export function wall<T>(fn: () => T): { ms: number; value: T } {
  const t0 = performance.now();
  const value = fn();
  return { ms: performance.now() - t0, value };
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
