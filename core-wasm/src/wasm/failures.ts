// Decoding the core's failure log: the records admit, the batch and recordFailure write (formats
// in core-wasm/abi.mjs, "Failure log"), as the contract's Failure values.

import { FAIL_FILTER, FAIL_GANG, FAIL_QUOTA, FAIL_RESERVATION } from '../abi.js';
import type { BatchItem, Failure, ReasonCount } from '../contract.js';

/**
 * Failures by item index. A gang record applies to every member item of `items` (its gang id);
 * its cause is the failure of the member that failed first. An item's own record counts only
 * when no gang record claimed it.
 */
export function readFailures(log: Int32Array, items: readonly BatchItem[] = []): Map<number, Failure> {
  const out = new Map<number, Failure>();
  const own = new Map<number, Failure>();
  const len = log.length;
  const i64at = (i: number) => (BigInt(log[i + 1]) << 32n) | BigInt(log[i] >>> 0);
  let p = 0;
  while (p < len) {
    const item = log[p];
    const kind = log[p + 1];
    p += 2;
    if (kind === FAIL_QUOTA) {
      const quota = log[p];
      const k = log[p + 1];
      p += 2;
      const entries = [];
      for (let j = 0; j < k; j++, p += 3) entries.push({ entry: log[p], used: i64at(p + 1) });
      own.set(item, { kind: 'quota', quota, entries });
    } else if (kind === FAIL_RESERVATION) {
      const k = log[p];
      p += 1;
      const dims = [];
      for (let j = 0; j < k; j++, p += 5) dims.push({ dim: log[p], free: i64at(p + 1), reservedForOthers: i64at(p + 3) });
      own.set(item, { kind: 'reservation', dims });
    } else if (kind === FAIL_GANG) {
      const gang = item; // gang records lead with the gang id
      const [placed, needed, causeItem] = [log[p], log[p + 1], log[p + 2]];
      p += 3;
      const failure: Failure = { kind: 'gang', gang, placed, needed, cause: own.get(causeItem) ?? null };
      items.forEach((it, i) => it.gang === gang && out.set(i, failure));
      continue;
    } else if (kind === FAIL_FILTER) {
      const hosts = log[p];
      const k = log[p + 1];
      p += 2;
      const counts: ReasonCount[] = [];
      for (let j = 0; j < k; j++, p += 3) counts.push({ bit: log[p] >>> 0, taint: log[p + 1], count: log[p + 2] });
      own.set(item, { kind: 'filter', hosts, counts });
    } else {
      throw new Error(`placer core: corrupt failure log (kind ${kind})`);
    }
  }
  for (const [item, f] of own) if (!out.has(item)) out.set(item, f);
  return out;
}
