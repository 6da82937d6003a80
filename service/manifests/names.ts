// Object names the way Kubernetes' controllers and the API server make them, but deterministic:
// where Kubernetes draws random characters we hash, so the same input always yields the same
// names (and so the same placements).

import { NumberLiteral } from './fields.js';

/** k8s.io/apimachinery/pkg/util/rand alphabet: no vowels, no confusable characters. */
export const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** names.MaxGeneratedNameLength: 63 − 5 random characters. */
export const MAX_GENERATED_NAME_LENGTH = 58;

/** 32-bit FNV-1a over the UTF-8 bytes of `s` (hash/fnv New32a). */
export function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return fnv32aBytes(Buffer.from(s, 'utf8')); // non-ASCII: hash the UTF-8 bytes
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h >>> 0;
}

function fnv32aBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193);
  return h >>> 0;
}

/** rand.SafeEncodeString: each character mapped into the safe alphabet by its code. */
export function safeEncodeString(s: string): string {
  let out = '';
  for (const ch of s) out += SAFE_ALPHABET[ch.codePointAt(0)! % SAFE_ALPHABET.length];
  return out;
}

/** A pod-template-hash as the Deployment controller renders it: SafeEncodeString of the decimal FNV-32a. */
export function templateHash(canonicalTemplate: string, collisionCount?: number): string {
  const input = collisionCount === undefined ? canonicalTemplate : canonicalTemplate + String(collisionCount);
  return safeEncodeString(String(fnv32a(input)));
}

/** Five characters from the safe alphabet, derived from `seed` (stands in for utilrand.String(5)). */
export function suffix5(seed: string): string {
  let h = fnv32a(seed);
  let out = '';
  for (let i = 0; i < 5; i++) {
    out += SAFE_ALPHABET[h % SAFE_ALPHABET.length];
    h = Math.floor(h / SAFE_ALPHABET.length);
  }
  return out;
}

/** SimpleNameGenerator.GenerateName: the base is cut to 58 characters, then 5 characters follow. */
export function generateName(base: string, seed: string): string {
  const b = base.length > MAX_GENERATED_NAME_LENGTH ? base.slice(0, MAX_GENERATED_NAME_LENGTH) : base;
  return b + suffix5(seed);
}

/**
 * Names `count` objects from `base` (a generateName prefix such as `web-7d9f8c5b4-`), skipping any
 * name already in `taken` and adding each new one to it. A clash is resolved by re-hashing with an
 * attempt counter, as the API server retries a generated name that already exists.
 */
export function generateNames(base: string, count: number, taken: Set<string>, seedOf: (i: number) => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let name = generateName(base, seedOf(i));
    for (let attempt = 1; taken.has(name); attempt++) name = generateName(base, `${seedOf(i)}#${attempt}`);
    taken.add(name);
    out.push(name);
  }
  return out;
}

/** Deterministic JSON: object keys sorted, so equal objects hash equal whatever the key order. */
export function canonicalJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v !== 'object') return JSON.stringify(v);
  // a YAML number hashes like the same number read from JSON
  if (v instanceof NumberLiteral) return typeof v.value === 'bigint' ? v.value.toString() : JSON.stringify(v.value);
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}
