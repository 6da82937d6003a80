import { fc, test as ftest } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import {
  ERR_FORMAT_WRONG,
  ERR_NUMERIC,
  ERR_SUFFIX,
  ERR_TOO_LARGE,
  formatAmount,
  formatNano,
  formatQuantity,
  MAX_INT64,
  milliValue,
  parseQuantity,
  QuantityError,
  quantityString,
  resourceAmount,
  value,
  type QuantityFormat,
} from '../../../model/quantity.js';

const N = 1_000_000_000n; // nano per unit
const Ki = 1024n;
const Mi = Ki * 1024n;
const Gi = Mi * 1024n;
const Ei = 1n << 60n;
const MAX_NANO = MAX_INT64 * N;

describe('parseQuantity: reference §5 edge cases (k8s.io/apimachinery ParseQuantity)', () => {
  // [input, value × 1e9, format]
  it.each<[string | number, bigint, QuantityFormat]>([
    ['0', 0n, 'DecimalSI'],
    ['1', 1n * N, 'DecimalSI'],
    // suffix table, decimal
    ['5n', 5n, 'DecimalSI'],
    ['4u', 4_000n, 'DecimalSI'],
    ['3m', 3_000_000n, 'DecimalSI'],
    ['8k', 8_000n * N, 'DecimalSI'],
    ['7M', 7_000_000n * N, 'DecimalSI'],
    ['6G', 6_000_000_000n * N, 'DecimalSI'],
    ['5T', 5n * 10n ** 12n * N, 'DecimalSI'],
    ['2P', 2n * 10n ** 15n * N, 'DecimalSI'],
    // "1E" is one exa (DecimalSI), not an exponent
    ['1E', 10n ** 18n * N, 'DecimalSI'],
    // suffix table, binary
    ['1Ki', Ki * N, 'BinarySI'],
    ['7Mi', 7n * Mi * N, 'BinarySI'],
    ['6Gi', 6n * Gi * N, 'BinarySI'],
    ['5Ti', 5n * Gi * Ki * N, 'BinarySI'],
    ['4Pi', 4n * Gi * Mi * N, 'BinarySI'],
    ['3Ei', 3n * Ei * N, 'BinarySI'],
    // exponents: e or E followed by an integer
    ['1E3', 1_000n * N, 'DecimalExponent'],
    ['1e3', 1_000n * N, 'DecimalExponent'],
    ['1E-3', 1_000_000n, 'DecimalExponent'],
    ['1.3E+6', 1_300_000n * N, 'DecimalExponent'],
    ['0.5e-2', 5_000_000n, 'DecimalExponent'],
    // valid oddities
    ['1.', 1n * N, 'DecimalSI'],
    ['.001', 1_000_000n, 'DecimalSI'], // 1m
    ['1.G', 1_000_000_000n * N, 'DecimalSI'],
    ['+1', 1n * N, 'DecimalSI'],
    ['-3', -3n * N, 'DecimalSI'],
    ['01', 1n * N, 'DecimalSI'], // leading zeros
    ['0001.5000', 1_500_000_000n, 'DecimalSI'],
    ['100.035k', 100_035n * N, 'DecimalSI'],
    // rounded UP (away from zero) to nano
    ['0.0000000001', 1n, 'DecimalSI'], // 1e-10 → 1n
    ['3.001n', 4n, 'DecimalSI'], // 3.001n → 4n
    ['0.00000012345', 124n, 'DecimalSI'], // 123.45n → 124n
    ['0.9n', 1n, 'DecimalSI'],
    ['1.1E-9', 2n, 'DecimalExponent'],
    ['-0.0000000001', -1n, 'DecimalSI'], // away from zero
    ['1e-100', 1n, 'DecimalExponent'],
    // fractional binary
    ['0.5Mi', 524_288n * N, 'BinarySI'],
    ['100.035Ki', 10_243_584n * 10_000_000n, 'BinarySI'], // 102435.84 × 1e9
    ['1.5Gi', 1_610_612_736n * N, 'BinarySI'],
    ['0.000000000001Ki', 2n, 'DecimalSI'], // 1.024e-9 → 2n, and |x| < 1 switches to DecimalSI
    // BinarySI is capped at 2^63−1
    ['9Ei', MAX_NANO, 'BinarySI'],
    ['9223372036854775807Ki', MAX_NANO, 'BinarySI'],
    ['-9Ei', -MAX_NANO, 'BinarySI'],
    // the largest decimal value we accept
    ['9223372036854775807', MAX_NANO, 'DecimalSI'],
    // JSON numbers (`cpu: 4`, `cpu: 0.5`)
    [4, 4n * N, 'DecimalSI'],
    [0.5, 500_000_000n, 'DecimalSI'],
    [1e21 / 1e18, 1_000n * N, 'DecimalSI'],
    [1e-7, 100n, 'DecimalExponent'], // String(1e-7) === "1e-7"
    // Kubernetes quirks kept on purpose: the scanner yields 0 for these, with no error
    ['.', 0n, 'DecimalSI'],
    ['-.', 0n, 'DecimalSI'],
    ['-', 0n, 'DecimalSI'],
    ['+', 0n, 'DecimalSI'],
    ['Ki', 0n, 'BinarySI'],
    ['m', 0n, 'DecimalSI'],
    ['-000', 0n, 'DecimalSI'],
    // ParseInt(64) then int32(...): 2^32 wraps to 0, so "1e4294967296" is 1 in Kubernetes
    ['1e4294967296', 1n * N, 'DecimalExponent'],
  ])('%j = %s nano (%s)', (input, nano, format) => {
    expect(parseQuantity(input)).toEqual({ nano, format });
  });

  it.each<[string, string]>([
    // case sensitive: only `k` is lowercase kilo
    ['1K', ERR_SUFFIX],
    ['1ki', ERR_SUFFIX],
    ['1KB', ERR_FORMAT_WRONG], // 'B' is not a suffix character at all
    ['1Mb', ERR_FORMAT_WRONG],
    ['0.1mi', ERR_SUFFIX],
    ['0.1am', ERR_FORMAT_WRONG],
    ['1i', ERR_SUFFIX],
    ['.5i', ERR_SUFFIX],
    ['-3.01i', ERR_SUFFIX],
    ['-3.01e-', ERR_SUFFIX],
    ['1.1.M', ERR_FORMAT_WRONG],
    ['1+1.0M', ERR_FORMAT_WRONG],
    ['aoeu', ERR_FORMAT_WRONG],
    ['Non-Numeric', ERR_FORMAT_WRONG],
    // whitespace is not trimmed by ParseQuantity
    [' 1', ERR_FORMAT_WRONG],
    ['1 ', ERR_FORMAT_WRONG],
    ['', ERR_FORMAT_WRONG],
    ['1e', ERR_SUFFIX],
    ['1e99999999999999999999', ERR_SUFFIX], // exponent beyond int64
    // the inf.Dec slow path finds no digits ("Ki" and "." take the fast path and give 0)
    ['Ei', ERR_NUMERIC],
    ['e-20', ERR_NUMERIC],
    // magnitudes beyond 2^63−1 are rejected (Kubernetes would overflow int64 later)
    ['12E', ERR_TOO_LARGE],
    ['9223372036854775808', ERR_TOO_LARGE],
    ['-9223372036854775808', ERR_TOO_LARGE],
    ['9.3E', ERR_TOO_LARGE],
    ['1e100', ERR_TOO_LARGE],
    ['1e2147483647', ERR_TOO_LARGE],
  ])('%j is rejected: %s', (input, message) => {
    expect(() => parseQuantity(input)).toThrow(new QuantityError(message, input));
  });

  it('rejects NaN and infinities given as numbers', () => {
    expect(() => parseQuantity(Number.NaN)).toThrow(ERR_FORMAT_WRONG);
    expect(() => parseQuantity(Number.POSITIVE_INFINITY)).toThrow(ERR_FORMAT_WRONG);
  });

  it('quotes the regular expression the way Kubernetes does', () => {
    expect(ERR_FORMAT_WRONG).toBe("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
    expect(ERR_SUFFIX).toBe("unable to parse quantity's suffix");
  });
});

describe('milliValue / value: ceil, away from zero', () => {
  it.each<[string, bigint, bigint]>([
    // [input, MilliValue, Value]
    ['0.5', 500n, 1n],
    ['1.0001', 1001n, 2n], // 1000.1m → 1001m
    ['100u', 1n, 1n], // 0.1m → 1m
    ['100m', 100n, 1n], // memory "100m" is 1 byte
    ['1500m', 1500n, 2n],
    ['63800m', 63_800n, 64n],
    ['1', 1000n, 1n],
    ['1Ki', 1_024_000n, 1024n],
    ['-0.0005', -1n, -1n], // away from zero
    ['-1.5', -1500n, -2n],
    ['0', 0n, 0n],
  ])('%s → %sm, %s', (input, milli, units) => {
    const q = parseQuantity(input);
    expect(milliValue(q)).toBe(milli);
    expect(value(q)).toBe(units);
  });

  it.each<[string, string, bigint]>([
    ['cpu', '500m', 500n],
    ['requests.cpu', '2', 2000n],
    ['limits.cpu', '0.25', 250n],
    ['memory', '1Gi', 1_073_741_824n],
    ['requests.memory', '1.5Gi', 1_610_612_736n],
    ['pods', '110', 110n],
    ['nvidia.com/gpu', '2', 2n],
    ['ephemeral-storage', '48307038948', 48_307_038_948n],
    ['hugepages-2Mi', '1Gi', 1_073_741_824n],
  ])('resourceAmount(%s, %s) = %s', (name, q, amount) => {
    expect(resourceAmount(name, parseQuantity(q))).toBe(amount);
  });
});

describe('canonical strings (Quantity.String)', () => {
  it.each<[bigint, 'milli' | 'unit', QuantityFormat | undefined, string]>([
    [1500n, 'milli', undefined, '1500m'],
    [2000n, 'milli', undefined, '2'],
    [1n, 'milli', undefined, '1m'],
    [1080n, 'milli', undefined, '1080m'],
    [1500n, 'unit', undefined, '1500'],
    [1000n, 'unit', undefined, '1k'],
    [3000n, 'unit', undefined, '3k'],
    [1_000_000_000n, 'unit', undefined, '1G'],
    [1_234_567_000_000n, 'unit', undefined, '1234567M'],
    [0n, 'unit', 'BinarySI', '0'],
    [1_610_612_736n, 'unit', 'BinarySI', '1536Mi'], // 1.5Gi
    [1_073_741_824n, 'unit', 'BinarySI', '1Gi'],
    [300n * Mi, 'unit', 'BinarySI', '300Mi'],
    [6n * Ki, 'unit', 'BinarySI', '6Ki'],
    [1001n * Gi, 'unit', 'BinarySI', '1001Gi'],
    [5n, 'unit', 'BinarySI', '5'], // BinarySI below 1024 prints as DecimalSI
    [1023n, 'unit', 'BinarySI', '1023'],
    [1025n, 'unit', 'BinarySI', '1025'],
    [1000n, 'unit', 'BinarySI', '1k'],
    [1024n, 'milli', 'BinarySI', '1024m'], // NewMilliQuantity(1024, BinarySI)
    [1_234_567n, 'milli', 'BinarySI', '1234567m'],
    [1000n, 'unit', 'DecimalExponent', '1e3'],
    [5n, 'unit', 'DecimalExponent', '5'],
    [80n, 'milli', 'DecimalExponent', '80e-3'],
    [-1500n, 'milli', undefined, '-1500m'],
    [-1_610_612_736n, 'unit', 'BinarySI', '-1536Mi'],
    [MAX_INT64, 'unit', 'BinarySI', '9223372036854775807'],
    [9n * 10n ** 18n, 'unit', undefined, '9E'],
  ])('%s %s (%s) → %s', (amount, unit, format, expected) => {
    expect(formatQuantity(amount, unit, format)).toBe(expected);
  });

  it.each<[string, string]>([
    // TestQuantityParseEmit
    ['1Ki', '1Ki'],
    ['1024Mi', '1Gi'],
    ['1000M', '1G'],
    ['.001Ki', '1024m'],
    ['.000001Ki', '1024u'],
    ['.000000001Ki', '1024n'],
    ['.000000000001Ki', '2n'],
    ['0.5', '500m'],
    ['1.5Gi', '1536Mi'],
    ['3.001n', '4n'],
    ['1E', '1E'],
    ['1e3', '1e3'],
  ])('String(parse(%s)) = %s', (input, expected) => {
    expect(quantityString(parseQuantity(input))).toBe(expected);
  });

  it('falls back to exponent notation beyond E', () => {
    expect(formatNano(10n ** 21n * N, 'DecimalSI')).toBe('1e21');
  });

  it.each<[string, bigint, string]>([
    ['cpu', 4255n, '4255m'],
    ['memory', 17_651_076_800n, '17651076800'],
    ['memory', 16n * Gi, '16Gi'],
    ['requests.memory', 512n * Mi, '512Mi'],
    ['pods', 110n, '110'],
  ])('formatAmount(%s, %s) = %s', (name, amount, expected) => {
    expect(formatAmount(name, amount)).toBe(expected);
  });
});

describe('properties', () => {
  const formats = fc.constantFrom<QuantityFormat>('DecimalSI', 'BinarySI', 'DecimalExponent');
  const units = fc.bigInt({ min: -MAX_INT64, max: MAX_INT64 });
  const millis = fc.bigInt({ min: -MAX_INT64, max: MAX_INT64 });

  ftest.prop([units, formats])('format → parse round-trips whole units', (a, f) => {
    const q = parseQuantity(formatQuantity(a, 'unit', f));
    expect(value(q)).toBe(a);
    expect(q.nano).toBe(a * N);
  });

  ftest.prop([millis, formats])('format → parse round-trips millis', (a, f) => {
    expect(milliValue(parseQuantity(formatQuantity(a, 'milli', f)))).toBe(a);
  });

  ftest.prop([units, units, formats, formats])('ordering is preserved', (a, b, fa, fb) => {
    fc.pre(a !== b);
    const [lo, hi] = a < b ? [a, b] : [b, a];
    expect(parseQuantity(formatQuantity(lo, 'unit', fa)).nano < parseQuantity(formatQuantity(hi, 'unit', fb)).nano).toBe(true);
  });

  ftest.prop([fc.bigInt({ min: -(10n ** 27n), max: 10n ** 27n }), formats])('canonical strings are fixed points', (nano, f) => {
    const s = formatNano(nano, f);
    const q = parseQuantity(s);
    expect(q.nano).toBe(nano);
    expect(quantityString(q)).toBe(s);
  });

  // An independent oracle for decimal strings: move the decimal point by hand, ceil the rest.
  const decimalString = fc.record({
    int: fc.stringMatching(/^[0-9]{0,12}$/),
    frac: fc.option(fc.stringMatching(/^[0-9]{0,14}$/), { nil: undefined }),
    suffix: fc.constantFrom('', 'n', 'u', 'm', 'k', 'M', 'G', 'e-4', 'e2', 'E-12'),
  });
  const exponentOf: Record<string, number> = { '': 0, n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, 'e-4': -4, e2: 2, 'E-12': -12 };

  ftest.prop([decimalString])('decimal strings are exact and round up to nano', ({ int, frac, suffix }) => {
    fc.pre(int.length > 0 || (frac ?? '').length > 0);
    const text = `${int}${frac === undefined ? '' : `.${frac}`}${suffix}`;
    const digits = `${int}${frac ?? ''}`;
    const shift = exponentOf[suffix]! + 9 - (frac ?? '').length; // nano = digits × 10^shift
    let expected: bigint;
    if (shift >= 0) expected = BigInt(digits) * 10n ** BigInt(shift);
    else {
      const d = digits.padStart(-shift + 1, '0');
      const whole = BigInt(d.slice(0, shift));
      expected = whole + (/[1-9]/.test(d.slice(shift)) ? 1n : 0n);
    }
    // 12 digits with a G suffix can pass 2^63−1, which parseQuantity rightly rejects
    fc.pre(expected <= ((1n << 63n) - 1n) * 10n ** 9n);
    expect(parseQuantity(text).nano).toBe(expected);
    expect(parseQuantity(`-${text}`).nano).toBe(-expected);
  });

  ftest.prop([fc.bigInt({ min: 0n, max: 10n ** 24n })])('milliValue is ceil(nano / 1e6)', (nano) => {
    const q = { nano, format: 'DecimalSI' as const };
    expect(milliValue(q)).toBe((nano + 999_999n) / 1_000_000n);
    expect(value(q)).toBe((nano + N - 1n) / N);
  });
});
