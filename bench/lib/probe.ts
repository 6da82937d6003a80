// A machine-speed probe, run before and after every suite. These 2-core machines are shared, and
// other tenants slow memory-bound work by up to ~2× for minutes at a time (seen: the same scan
// kernel build at 6.6 and 10.3 µs in two full runs; the hand-written JS loop over 5,000 hosts at
// 57 and 96 µs) while small in-cache loops keep their speed. The probe is that kind of work — a
// Float64Array pass over 256 KiB, larger than L1 — so a suite measured in a slow phase shows it.

const N = 32 * 1024; // 256 KiB of f64
const a = new Float64Array(N).map((_, i) => 1 + (i % 97));
const b = new Float64Array(N).map((_, i) => 3 + (i % 89));
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- written, never read: keeps V8 from dropping the pass
let sink = 0;

function pass(): number {
  let s = 0;
  for (let i = 0; i < N; i++) s += Math.floor((a[i] * 100) / b[i]);
  return s;
}

/** ns per element of the probe pass: the median of 31 passes after a warmup. */
export function probe(): number {
  for (let k = 0; k < 20; k++) sink += pass();
  const t: number[] = [];
  for (let k = 0; k < 31; k++) {
    const t0 = performance.now();
    sink += pass();
    t.push(performance.now() - t0);
  }
  t.sort((x, y) => x - y);
  return (t[15] * 1e6) / N;
}

/**
 * The fastest probe seen: the machine's speed when no other tenant slows it. A suite's child
 * process starts from the parent's (bench/run.ts passes it in PLACER_BENCH_PROBE_REF).
 */
let fastest = Number(process.env.PLACER_BENCH_PROBE_REF) > 0 ? Number(process.env.PLACER_BENCH_PROBE_REF) : Infinity;

export function fastestProbe(): number {
  return fastest;
}

/** Seconds the gates below waited, in total. */
let waited = 0;

/**
 * Waits (up to `maxWaitMs`, probing every 2 s) until the probe is within 15% of the fastest seen,
 * so that a timed measurement starts outside a slow phase. It cannot keep a phase from starting
 * during the measurement, which is why suites time several alternated rounds as well. The first
 * call probes ten times over five seconds first: the fastest of those is the reference. Returns the
 * probe it opened (or gave up) on, ns per element.
 */
export async function steady(maxWaitMs = 30_000): Promise<number> {
  if (fastest === Infinity) {
    // Slow phases last seconds to minutes: a reference taken over a few seconds is rarely all slow.
    const n = maxWaitMs > 0 ? 10 : 3;
    for (let k = 0; k < n; k++) {
      fastest = Math.min(fastest, probe());
      await sleep(maxWaitMs > 0 ? 500 : 20);
    }
  }
  const t0 = performance.now();
  for (;;) {
    const p = probe();
    fastest = Math.min(fastest, p);
    const ms = performance.now() - t0;
    if (p <= fastest * 1.15 || ms >= maxWaitMs) {
      waited += ms / 1000;
      return p;
    }
    await sleep(2000);
  }
}

/** Seconds spent waiting in steady() so far. */
export function waitedSeconds(): number {
  return waited;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
