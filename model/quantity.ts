// Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource), reproduced exactly with
// bigint: the scanner is a line-by-line port of parseQuantityString, the value is kept in nano
// units (value × 1e9) after rounding up like ParseQuantity, and the canonical string follows
// CanonicalizeBytes. Everything a manifest writes goes through here, so every quirk of the
// original is kept on purpose ("." parses as 0, "1E" is exa, BinarySI is capped at 2^63−1).
// One deliberate difference: magnitudes above 2^63−1 are rejected instead of overflowing
// int64 later in Value()/MilliValue().

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** value × 1e9, exact after Kubernetes' round-up (away from zero) to nano scale. */
  nano: bigint;
  /** The suffix family the value was written in; used for the canonical string. */
  format: QuantityFormat;
}

export const SPLIT_RE = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
/** Kubernetes' error strings, verbatim. */
export const ERR_FORMAT_WRONG = `quantities must match the regular expression '${SPLIT_RE}'`;
export const ERR_NUMERIC = 'unable to parse numeric part of quantity';
export const ERR_SUFFIX = "unable to parse quantity's suffix";
export const ERR_TOO_LARGE = 'quantity is too large: the magnitude must not exceed 2^63-1 (9223372036854775807)';

export class QuantityError extends Error {
  constructor(
    message: string,
    readonly input: string,
  ) {
    super(message);
    this.name = 'QuantityError';
  }
}

export const MAX_INT64 = (1n << 63n) - 1n;
const NANO = 1_000_000_000n;
const MAX_NANO = MAX_INT64 * NANO;

const DEC_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const BIN_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);
const DEC_SUFFIX_BY_EXP: ReadonlyMap<number, string> = new Map([...DEC_SUFFIXES].map(([s, e]) => [e, s]));
const BIN_SUFFIX_BY_EXP: ReadonlyMap<number, string> = new Map([...BIN_SUFFIXES].map(([s, e]) => [e, s]));
const SUFFIX_CHARS = 'eEinumkKMGTP';

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

interface Scanned {
  positive: boolean;
  /** The numeric prefix as written (sign included), what inf.Dec.SetString would read. */
  value: string;
  /** Integer digits without leading zeros ("0" when none), fraction digits, raw suffix. */
  num: string;
  denom: string;
  suffix: string;
}

/** Port of parseQuantityString: a permissive scanner, the suffix is judged afterwards. */
function scan(str: string): Scanned {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (pos < end) {
    if (str[0] === '-') {
      positive = false;
      pos++;
    } else if (str[0] === '+') {
      pos++;
    }
  }
  // strip leading zeros; a string of only zeros is 0
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
    if (str[i] === '0') pos++;
    else break;
  }
  let num = '';
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  if (i >= end) return { positive, value: str, num: str.slice(pos), denom: '', suffix: '' };
  num = str.slice(pos, i) || '0';
  pos = i;
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    let j = pos;
    while (j < end && isDigit(str[j])) j++;
    if (j >= end) return { positive, value: str, num, denom: str.slice(pos), suffix: '' };
    denom = str.slice(pos, j);
    pos = j;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  let k = pos;
  while (k < end && SUFFIX_CHARS.includes(str[k]!)) k++;
  if (k >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
  pos = k;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  // a non-digit after the exponent part: the string is not a quantity at all
  if (pos < end) throw new QuantityError(ERR_FORMAT_WRONG, str);
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

interface Suffix {
  base: 10 | 2;
  exponent: number;
  format: QuantityFormat;
}

/** Port of suffixHandler.interpret; exponents are int64 truncated to int32 exactly as Go does. */
function interpretSuffix(suffix: string, input: string): Suffix {
  const dec = DEC_SUFFIXES.get(suffix);
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BIN_SUFFIXES.get(suffix);
  if (bin !== undefined) return { base: 2, exponent: bin, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const digits = suffix.slice(1);
    if (/^[+-]?[0-9]+$/.test(digits)) {
      const parsed = BigInt(digits);
      if (parsed <= MAX_INT64 && parsed >= -MAX_INT64 - 1n) {
        return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
      }
    }
  }
  throw new QuantityError(ERR_SUFFIX, input);
}

/**
 * True when ParseQuantity would take its int64 fast path. Only needed to reproduce one quirk:
 * the slow path re-reads the numeric prefix with inf.Dec, which fails when it has no digit
 * ("Ei", "e-20"), while the fast path quietly yields 0 ("Ki", ".", "-").
 */
function takesFastPath(s: Scanned, sfx: Suffix): boolean {
  let precision: number;
  let scale: number;
  if (sfx.format === 'BinarySI') {
    scale = 0;
    precision = sfx.exponent >= 0 && s.denom.length === 0 ? 15 - s.num.length - Math.trunc((sfx.exponent * 3) / 10) - 1 : -1;
  } else {
    scale = sfx.exponent;
    precision = 18 - (s.num.length + s.denom.length);
  }
  return precision >= 0 && scale - s.denom.length >= -9;
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);
const ceilDiv = (a: bigint, b: bigint): bigint => (a + b - 1n) / b; // a >= 0, b > 0
const digitCount = (n: bigint): number => n.toString().length;

/** |value| × 1e9 rounded up; `undefined` when it is certainly beyond 2^63−1 (checked by the caller). */
function magnitudeNano(mantissa: bigint, denomLen: number, sfx: Suffix): bigint | undefined {
  if (mantissa === 0n) return 0n;
  if (sfx.base === 2) {
    return ceilDiv(mantissa * (1n << BigInt(sfx.exponent)) * NANO, pow10(denomLen));
  }
  const exp = sfx.exponent - denomLen + 9; // nano = mantissa × 10^exp
  if (exp >= 0) {
    // 2^63−1 has 19 digits: anything with more than 29 digits in nano units is out of range
    if (digitCount(mantissa) + exp > 29) return undefined;
    return mantissa * pow10(exp);
  }
  // below 1n: still rounds up to 1n without computing a huge power of ten
  if (-exp > digitCount(mantissa)) return 1n;
  return ceilDiv(mantissa, pow10(-exp));
}

/**
 * Kubernetes' ParseQuantity. A number is formatted the way Go's JSON encoder writes a float64
 * (same thresholds for exponent notation as JavaScript's String()), so `cpu: 0.5` and
 * `cpu: "0.5"` are the same quantity, as they are for the API server.
 */
export function parseQuantity(input: string | number): Quantity {
  const str = typeof input === 'number' ? numberText(input) : input;
  if (str.length === 0) throw new QuantityError(ERR_FORMAT_WRONG, str);
  if (str === '0') return { nano: 0n, format: 'DecimalSI' };
  const s = scan(str);
  const sfx = interpretSuffix(s.suffix, str);
  if (!takesFastPath(s, sfx) && !/[0-9]/.test(s.value)) throw new QuantityError(ERR_NUMERIC, str);

  let mag = magnitudeNano(BigInt(s.num + s.denom), s.denom.length, sfx);
  let format = sfx.format;
  if (format === 'BinarySI') {
    if (mag! > MAX_NANO) mag = MAX_NANO; // "the max is just a simple cap" — for BinarySI only
    if (mag! > 0n && mag! < NANO) format = 'DecimalSI'; // 0 < |x| < 1 is shown as DecimalSI
  }
  if (mag === undefined || mag > MAX_NANO) throw new QuantityError(ERR_TOO_LARGE, str);
  return { nano: s.positive ? mag : -mag, format };
}

function numberText(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError(ERR_FORMAT_WRONG, String(n));
  return String(n);
}

const roundAwayFromZero = (nano: bigint, unit: bigint): bigint => (nano >= 0n ? ceilDiv(nano, unit) : -ceilDiv(-nano, unit));

/**
 * MilliValue(): ceil(q × 1000), rounded away from zero for negative values ("-0.0005" ⇒ -1m),
 * which is what Kubernetes' int64 path (negativeScaleInt64) does.
 */
export function milliValue(q: Quantity): bigint {
  return roundAwayFromZero(q.nano, 1_000_000n);
}

/** Value(): ceil to a whole unit, away from zero for negative values ("100m" bytes ⇒ 1). */
export function value(q: Quantity): bigint {
  return roundAwayFromZero(q.nano, NANO);
}

/** CPU is counted in millicores (`cpu`, `requests.cpu`, `limits.cpu`); everything else in units. */
export function isMilliResource(resourceName: string): boolean {
  return resourceName === 'cpu' || resourceName.endsWith('.cpu');
}

/** The exact integer the model stores for `resourceName` (see model/types.ts). */
export function resourceAmount(resourceName: string, q: Quantity): bigint {
  return isMilliResource(resourceName) ? milliValue(q) : value(q);
}

/** Same rounding as resourceAmount, for a sum already kept in nano units. */
export function nanoToAmount(resourceName: string, nano: bigint): bigint {
  return roundAwayFromZero(nano, isMilliResource(resourceName) ? 1_000_000n : NANO);
}

/**
 * The canonical string of Quantity.String(): no fraction, the largest exact suffix of the
 * format's family; BinarySI values below 1024 in magnitude (or with a fraction) print as
 * DecimalSI; DecimalSI beyond `E` falls back to exponent notation.
 */
export function formatNano(nano: bigint, format: QuantityFormat = 'DecimalSI'): string {
  if (nano === 0n) return '0';
  const sign = nano < 0n ? '-' : '';
  const mag = nano < 0n ? -nano : nano;
  if (format === 'BinarySI' && mag >= 1024n * NANO && mag % NANO === 0n) {
    let m = mag / NANO;
    let exp = 0;
    while (exp < 60 && m % 1024n === 0n) {
      m /= 1024n;
      exp += 10;
    }
    return `${sign}${m}${BIN_SUFFIX_BY_EXP.get(exp) ?? ''}`;
  }
  let m = mag;
  let exp = -9;
  while (m % 10n === 0n) {
    m /= 10n;
    exp++;
  }
  while (exp % 3 !== 0) {
    m *= 10n;
    exp--;
  }
  const suffix = format === 'DecimalExponent' ? (exp === 0 ? '' : `e${exp}`) : (DEC_SUFFIX_BY_EXP.get(exp) ?? `e${exp}`);
  return `${sign}${m}${suffix}`;
}

/** Canonical string of an exact amount: millicores (`milli`) or whole units (`unit`). */
export function formatQuantity(amount: bigint, unit: 'milli' | 'unit', format: QuantityFormat = 'DecimalSI'): string {
  return formatNano(amount * (unit === 'milli' ? 1_000_000n : NANO), format);
}

/** Quantity.String(). */
export function quantityString(q: Quantity): string {
  return formatNano(q.nano, q.format);
}

/** Canonical string of a model amount for `resourceName` (cpu in millicores, BinarySI for bytes-like keys). */
export function formatAmount(resourceName: string, amount: bigint): string {
  if (isMilliResource(resourceName)) return formatQuantity(amount, 'milli');
  return formatQuantity(amount, 'unit', isByteResource(resourceName) ? 'BinarySI' : 'DecimalSI');
}

/** A resource → amount map as canonical strings (formatAmount), zero amounts left out with `skipZero`. */
export function formatAmounts(m: ReadonlyMap<string, bigint>, skipZero = false): Record<string, string> {
  return Object.fromEntries([...m].filter(([, v]) => !skipZero || v !== 0n).map(([k, v]) => [k, formatAmount(k, v)]));
}

function isByteResource(name: string): boolean {
  const base = name.startsWith('requests.') || name.startsWith('limits.') ? name.slice(name.indexOf('.') + 1) : name;
  return base === 'memory' || base === 'ephemeral-storage' || base === 'storage' || base.startsWith('hugepages-');
}
