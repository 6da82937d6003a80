// Vector bin-packing instances of the Caprara–Toth classes, seeded. Caprara & Toth (2001) defined
// ten classes of two-dimensional vector packing instances (classes 1–4 after Spieksma); Panigrahy
// et al. (2011, "Heuristics for Vector Bin Packing") extended them to d dimensions and, like
// Mommessin, Erlebach & Shakhlevich (2024), evaluate on classes 1, 4, 5, 6, 7, 9 and 10 (2, 3 and
// 8 are near duplicates). Our reading of those classes, with bin capacity C = 150 per dimension
// and every size an integer:
//
//   1   every dimension uniform in [10, 40]                       (small items, ~6 per bin)
//   4   every dimension uniform in [50, 100]                      (large items, 1–2 per bin)
//   5   every dimension uniform in [25, 50]                       (3–5 per bin)
//   6   every dimension uniform in [20, 100]                      (wide range)
//   7   w1 uniform in [20, 100]; the other dimensions alternate negatively (120 − w1) and
//       positively (w1) correlated with it, each ± uniform [−10, 10]
//   9   w1 uniform in [20, 100]; every other dimension w1 ± uniform [−10, 10] (positively correlated)
//   10  triplets: bins of three items whose sizes sum to exactly C in every dimension, shuffled;
//       the optimum is n/3 (n rounded down to a multiple of 3)
//
// This is a generator from the papers' descriptions, not the published instance files.

import { Rng } from './generators.js';

export const CT_CAPACITY = 150;
export const CT_CLASSES = [1, 4, 5, 6, 7, 9, 10] as const;
export type CtClass = (typeof CT_CLASSES)[number];

export interface VectorInstance {
  cls: CtClass;
  d: number;
  /** Capacity per dimension (every bin the same). */
  cap: number[];
  /** One size vector per item. */
  items: number[][];
  /** The optimum when the class makes it known (class 10), else null. */
  optimum: number | null;
}

const clamp = (x: number) => Math.min(CT_CAPACITY, Math.max(1, x));

export function capraraTothInstance(cls: CtClass, d: number, n: number, seed: number): VectorInstance {
  const rng = new Rng(seed);
  const C = CT_CAPACITY;
  const cap = new Array<number>(d).fill(C);
  const uniform = (lo: number, hi: number) => Array.from({ length: d }, () => rng.int(lo, hi));
  let items: number[][];
  let optimum: number | null = null;
  switch (cls) {
    case 1:
      items = Array.from({ length: n }, () => uniform(10, 40));
      break;
    case 4:
      items = Array.from({ length: n }, () => uniform(50, 100));
      break;
    case 5:
      items = Array.from({ length: n }, () => uniform(25, 50));
      break;
    case 6:
      items = Array.from({ length: n }, () => uniform(20, 100));
      break;
    case 7:
    case 9:
      items = Array.from({ length: n }, () => {
        const w1 = rng.int(20, 100);
        return Array.from({ length: d }, (_, k) => {
          if (k === 0) return w1;
          const base = cls === 7 && k % 2 === 1 ? 120 - w1 : w1;
          return clamp(base + rng.int(-10, 10));
        });
      });
      break;
    case 10: {
      const bins = Math.floor(n / 3);
      items = [];
      for (let b = 0; b < bins; b++) {
        const t: number[][] = [[], [], []];
        for (let k = 0; k < d; k++) {
          // a, b in [38, 75] with a + b ≤ 112, so c = C − a − b is in [38, 74].
          const a = rng.int(38, 75);
          const bb = rng.int(38, Math.min(75, C - a - 38));
          t[0].push(a);
          t[1].push(bb);
          t[2].push(C - a - bb);
        }
        items.push(...t);
      }
      // Fisher–Yates, seeded: the triplets must not arrive together.
      for (let i = items.length - 1; i > 0; i--) {
        const j = rng.int(0, i);
        [items[i], items[j]] = [items[j], items[i]];
      }
      optimum = bins;
      break;
    }
  }
  return { cls, d, cap, items, optimum };
}

/** The L1 lower bound max_d ⌈Σ_i w_id / C_d⌉. */
export function l1Bound(inst: VectorInstance): number {
  let lb = 0;
  for (let k = 0; k < inst.d; k++) {
    let sum = 0;
    for (const w of inst.items) sum += w[k];
    lb = Math.max(lb, Math.ceil(sum / inst.cap[k]));
  }
  return lb;
}

/** First-fit decreasing by Σ_d w_d / C_d (bins in opening order); returns bins opened. */
export function ffdBySum(inst: VectorInstance): number {
  const { cap, items, d } = inst;
  const key = items.map((w) => w.reduce((s, x, k) => s + x / cap[k], 0));
  const order = items.map((_, i) => i).sort((a, b) => key[b] - key[a] || a - b);
  const bins: number[][] = [];
  for (const i of order) {
    const w = items[i];
    let b = 0;
    for (; b < bins.length; b++) {
      let ok = true;
      for (let k = 0; k < d && ok; k++) ok = w[k] <= bins[b][k];
      if (ok) break;
    }
    if (b === bins.length) bins.push([...cap]);
    for (let k = 0; k < d; k++) bins[b][k] -= w[k];
  }
  return bins.length;
}

/**
 * DotProduct (Panigrahy et al.'s best heuristic, bin-centric): open one bin at a time and keep
 * adding the remaining item that fits and maximizes Σ_d (w_d / C_d)(r_d / C_d), r the bin's room.
 */
export function dotProduct(inst: VectorInstance): number {
  const { cap, items, d } = inst;
  const left = new Uint8Array(items.length).fill(1);
  let remaining = items.length;
  let bins = 0;
  while (remaining > 0) {
    bins++;
    const room = [...cap];
    let added = 0;
    for (;;) {
      let best = -1;
      let bestDot = -1;
      for (let i = 0; i < items.length; i++) {
        if (!left[i]) continue;
        const w = items[i];
        let dot = 0;
        let ok = true;
        for (let k = 0; k < d; k++) {
          if (w[k] > room[k]) {
            ok = false;
            break;
          }
          dot += (w[k] / cap[k]) * (room[k] / cap[k]);
        }
        if (ok && dot > bestDot) {
          best = i;
          bestDot = dot;
        }
      }
      if (best < 0) break;
      for (let k = 0; k < d; k++) room[k] -= items[best][k];
      left[best] = 0;
      remaining--;
      added++;
    }
    if (added === 0) throw new Error('dot product: an item fits no empty bin');
  }
  return bins;
}
