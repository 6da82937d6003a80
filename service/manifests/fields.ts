// Typed, path-aware reads of a decoded manifest. Every parser reads through `Field`, so a bad
// value is reported with the file, the document, the object and the exact field path, in the
// wording of Kubernetes' field errors (`Required value`, `Invalid value: "x": ...`,
// `Unsupported value: "x": supported values: ...`).

import { InputError } from '../../model/errors.js';
import type { SourceRef } from '../../model/types.js';
import { parseQuantity, QuantityError, type Quantity } from '../../model/quantity.js';

/**
 * A number read from YAML, with the text it was written as. Quantities are parsed from that
 * text, so `memory: 123456789012345678901` or `cpu: 0.1000000000000000001` keep every digit.
 */
export class NumberLiteral {
  constructor(
    readonly value: number | bigint,
    readonly source: string,
  ) {}
  toString(): string {
    return this.source;
  }
  toJSON(): number | string {
    return typeof this.value === 'bigint' ? this.source : this.value;
  }
}

/** The object being read, for error messages: where it is and how to name it (`Pod ns/name`). */
export interface ObjectContext {
  source: SourceRef;
  object?: string;
}

/** Kubernetes' field path segment: `.key` for plain keys, `[key]` for keys like `nvidia.com/gpu`. */
export function pathSegment(key: string | number): string {
  if (typeof key === 'number') return `[${key}]`;
  return /^[A-Za-z0-9_-]+$/.test(key) ? `.${key}` : `[${key}]`;
}

export function childPath(parent: string, key: string | number): string {
  const seg = pathSegment(key);
  if (parent === '') return seg.startsWith('.') ? seg.slice(1) : seg;
  return parent + seg;
}

/** How a value is shown after `Invalid value:`. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof NumberLiteral) return v.source;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'array';
  return 'object';
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof NumberLiteral);

const ZERO: Quantity = { nano: 0n, format: 'DecimalSI' };

export class Field {
  private cachedPath: string | undefined;

  constructor(
    readonly ctx: ObjectContext,
    readonly value: unknown,
    private readonly parent?: Field,
    private readonly key?: string | number,
  ) {}

  static root(ctx: ObjectContext, obj: unknown): Field {
    return new Field(ctx, obj);
  }

  /** Path relative to the object, e.g. `spec.containers[0].resources.requests.cpu`. */
  get path(): string {
    if (this.cachedPath === undefined) {
      this.cachedPath = this.parent === undefined || this.key === undefined ? '' : childPath(this.parent.path, this.key);
    }
    return this.cachedPath;
  }

  /** Set: present and not null (JSON null and an empty YAML value mean "not set", as in Go). */
  get isSet(): boolean {
    return this.value !== undefined && this.value !== null;
  }

  at(key: string): Field {
    const v = isPlainObject(this.value) ? this.value[key] : undefined;
    return new Field(this.ctx, v, this, key);
  }

  /** Walk a dotted path of plain keys: `f.get('spec.template.spec')`. */
  get(dotted: string): Field {
    return dotted.split('.').reduce<Field>((f, k) => f.at(k), this);
  }

  /** Throws an InputError for this field. */
  fail(detail: string): never {
    throw new InputError(this.ctx.source, this.path, detail, this.ctx.object);
  }

  invalid(message: string, shown: unknown = this.value): never {
    return this.fail(`Invalid value: ${describe(shown)}: ${message}`);
  }

  required(message?: string): never {
    return this.fail(message ? `Required value: ${message}` : 'Required value');
  }

  private typeError(expected: string): never {
    return this.invalid(`must be ${expected}`);
  }

  // ---- scalars ----

  optString(): string | undefined {
    if (!this.isSet) return undefined;
    if (typeof this.value !== 'string') this.typeError('a string');
    return this.value;
  }

  string(requiredMessage?: string): string {
    const s = this.optString();
    if (s === undefined || s === '') this.required(requiredMessage);
    return s;
  }

  /** A string field where '' and missing are the same, as for Go's omitempty strings. */
  stringOr(fallback: string): string {
    return this.optString() || fallback;
  }

  optBool(): boolean | undefined {
    if (!this.isSet) return undefined;
    if (typeof this.value !== 'boolean') this.typeError('a boolean');
    return this.value;
  }

  bool(fallback = false): boolean {
    return this.optBool() ?? fallback;
  }

  /** An integer within [min, max] (int32 by default), as a JS number. */
  optInt(min = -2147483648, max = 2147483647): number | undefined {
    const big = this.optBigInt();
    if (big === undefined) return undefined;
    if (big < BigInt(min) || big > BigInt(max)) {
      if (big < BigInt(min) && min === 0) this.invalid('must be greater than or equal to 0');
      this.invalid(`must be between ${min} and ${max}, inclusive`);
    }
    return Number(big);
  }

  int(fallback: number, min?: number, max?: number): number {
    return this.optInt(min, max) ?? fallback;
  }

  optBigInt(): bigint | undefined {
    if (!this.isSet) return undefined;
    const v = this.value instanceof NumberLiteral ? this.value.value : this.value;
    if (typeof v === 'bigint') return v;
    if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
    return this.typeError('an integer');
  }

  /** One of a fixed set of strings; `Unsupported value` otherwise (Kubernetes' NotSupported). */
  optEnum<T extends string>(allowed: readonly T[]): T | undefined {
    const s = this.optString();
    if (s === undefined || s === '') return undefined;
    if (!(allowed as readonly string[]).includes(s)) this.unsupported(allowed);
    return s as T;
  }

  unsupported(allowed: readonly string[], shown: unknown = this.value): never {
    return this.fail(`Unsupported value: ${describe(shown)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  }

  /**
   * A resource.Quantity as the API server decodes it (Quantity.UnmarshalJSON): a string with
   * surrounding spaces trimmed, or a bare number, or null meaning zero.
   */
  quantity(): Quantity {
    const v = this.value;
    if (v === undefined || v === null) return ZERO;
    try {
      if (typeof v === 'string') return parseQuantity(v.trim());
      if (v instanceof NumberLiteral) return parseNumberLiteral(v);
      if (typeof v === 'number') return parseQuantity(v);
      if (typeof v === 'bigint') return parseQuantity(v.toString());
    } catch (e) {
      if (e instanceof QuantityError) this.invalid(e.message);
      throw e;
    }
    return this.typeError('a quantity (a string such as "500m" or "1Gi", or a number)');
  }

  // ---- collections ----

  /** Entries of a mapping; missing or null is empty. */
  entries(): [string, Field][] {
    if (!this.isSet) return [];
    if (!isPlainObject(this.value)) this.typeError('an object');
    return Object.keys(this.value).map((k) => [k, this.at(k)]);
  }

  /** Elements of a sequence; missing or null is empty. */
  items(): Field[] {
    if (!this.isSet) return [];
    if (!Array.isArray(this.value)) this.typeError('a list');
    return this.value.map((v, i) => new Field(this.ctx, v, this, i));
  }

  /** map[string]string (labels, nodeSelector). */
  stringMap(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [k, f] of this.entries()) out.set(k, f.optString() ?? '');
    return out;
  }

  /** String list (e.g. selector values). */
  stringList(): string[] {
    return this.items().map((f) => {
      const s = f.optString();
      return s ?? f.typeError('a string');
    });
  }

  /** Reject keys outside `known` (strict decoding, for our own CRD). */
  onlyKeys(known: readonly string[]): this {
    for (const [k, f] of this.entries()) if (!known.includes(k)) f.fail('field not declared in schema');
    return this;
  }
}

function parseNumberLiteral(n: NumberLiteral): Quantity {
  try {
    return parseQuantity(n.source);
  } catch (e) {
    // YAML forms the quantity grammar does not know (0x1F, 0o17, 1_000) still have a value
    if (typeof n.value === 'bigint') return parseQuantity(n.value.toString());
    if (typeof n.value === 'number' && Number.isFinite(n.value)) return parseQuantity(n.value);
    throw e;
  }
}
