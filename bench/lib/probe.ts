// A machine-speed probe, run before and after every suite. These 2-core machines are shared, and
// other tenants slow memory-bound work by up to ~2× for minutes at a time (seen: the same scan
// kernel build at 6.6 and 10.3 µs in two full runs; the hand-written JS loop over 5,000 hosts at
// 57 and 96 µs) while small in-cache loops keep their speed. The probe is that kind of work — a
// Float64Array pass over 256 KiB, larger than L1 — so a suite measured in a slow phase shows it.

const N = 32 * 1024; // 256 KiB of f64
const a = new Float64Array(N).map((_, i) => 1 + (i % 97));
const b = new Float64Array(N).map((_, i) => 3 + (i % 89));
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
