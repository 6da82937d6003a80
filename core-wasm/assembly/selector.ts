// The nodeSelector compiler of the SIMD pass. A plain selector — no required affinity, at most
// MAX_SEL requirements of In/NotIn/Exists/DoesNotExist with at most two values — compiles into
// operand slots the fused loop reads from fixed addresses (as lanes.ts's PV/PP, and for the same
// reason): per requirement two value ids a, b, an inversion mask and the label column. Host
// values match when (v = a or v = b) xor inv; label value ids are ≥ 1 and 0 means absent, so
// Exists is "not (v = 0)" and DoesNotExist "v = 0".

import { OP_DOES_NOT_EXIST, OP_EXISTS, OP_IN, OP_NOT_IN } from './abi';
import { reqWords, selCount, selPtr, termCount } from './constraints';
import { colI, labels } from './layout';

/** Requirements the SIMD pass evaluates. */
export const MAX_SEL: i32 = 2;

// Compiled slots: SV v128 [3][MAX_SEL] (a, b, inv, splatted), SP u32 [MAX_SEL] (label column).
const SV: usize = memory.data((3 * MAX_SEL) << 4, 16);
const SP: usize = memory.data(MAX_SEL << 2, 16);
const S_A: i32 = 0;
const S_B: i32 = MAX_SEL;
const S_INV: i32 = 2 * MAX_SEL;

/** A nodeSelector the SIMD pass evaluates: no required affinity, ≤ MAX_SEL requirements of ≤ 2 values, no Gt/Lt. */
export function simpleSelector(): bool {
  if (termCount >= 0 || selCount > MAX_SEL) return false;
  let p = selPtr;
  for (let i = 0; i < selCount; i++) {
    const op = load<i32>(p + 4);
    if ((op != OP_IN && op != OP_NOT_IN && op != OP_EXISTS && op != OP_DOES_NOT_EXIST) || load<i32>(p + 8) > 2) return false;
    p += <usize>reqWords(p) << 2;
  }
  return true;
}

/** Compile the prepared class's nodeSelector into the slots (simpleSelector holds). */
export function prepareSelector(): void {
  let p = selPtr;
  for (let k = 0; k < selCount; k++) {
    const col = load<i32>(p);
    const op = load<i32>(p + 4);
    const n = load<i32>(p + 8);
    let a = -1; // matches no label value id
    let b = -1;
    if (op == OP_EXISTS || op == OP_DOES_NOT_EXIST) {
      a = 0;
      b = 0;
    } else if (n > 0) {
      a = load<i32>(p + 12);
      b = n > 1 ? load<i32>(p + 16) : a;
    }
    // Exists: not (v = 0); NotIn: not (v ∈ values)
    const inv = op == OP_EXISTS || op == OP_NOT_IN ? -1 : 0;
    v128.store(SV + (<usize>(S_A + k) << 4), i32x4.splat(a));
    v128.store(SV + (<usize>(S_B + k) << 4), i32x4.splat(b));
    v128.store(SV + (<usize>(S_INV + k) << 4), i32x4.splat(inv));
    store<u32>(SP + (<usize>k << 2), <u32>colI(labels, col, 0));
    p += <usize>reqWords(p) << 2;
  }
}

/** Requirement k of the compiled selector on four hosts (column byte offset o): all ones where it holds. */
// @ts-ignore: decorator
@inline export function selMatch(o: usize, k: i32): v128 {
  const v = v128.load(<usize>load<u32>(SP + (<usize>k << 2)) + o);
  const a = v128.load(SV + (<usize>(S_A + k) << 4));
  const b = v128.load(SV + (<usize>(S_B + k) << 4));
  return v128.xor(v128.or(i32x4.eq(v, a), i32x4.eq(v, b)), v128.load(SV + (<usize>(S_INV + k) << 4)));
}
