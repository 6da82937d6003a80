// NodeNames lists read without JSON.parse. With kube-scheduler's adaptive percentageOfNodesToScore
// every pod's filter carries a list of its own (the nodes its parallel filter found, in the order
// found), but the names in it are the same few hundred or thousand node names again and again.
// JSON.parse makes a new string of every name of every list (in the extender's profile it cost
// more than the pod's own parse); NameReader finds each name's bytes among the names it learnt
// from earlier lists and hands back that same string.
//
// Only the shape Go's json.Marshal writes is read here — `["a","b",…]`, no whitespace, every name
// plain printable ASCII without `"` or `\` (its JSON text is its bytes between quotes) — and only
// names learnt before: anything else answers undefined and the caller parses the list (and
// teaches the reader its names). A name is matched by its bytes, compared in full, so what read()
// returns is exactly what JSON.parse returns for the same bytes.

/** At most this many names are kept; past it the table starts over (a cluster has fewer nodes). */
const MAX_NAMES = 1 << 16;

const QUOTE = 0x22;
const COMMA = 0x2c;
const BACKSLASH = 0x5c;
const OPEN = 0x5b;
const CLOSE = 0x5d;

interface Known {
  bytes: Uint8Array;
  name: string;
  /** The next name of the same hash. */
  next: Known | undefined;
}

/** FNV-1a over bytes[from, to), as a small integer (a Map key without a heap number). */
function hashOf(bytes: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h & 0x3fffffff;
}

/** Whether `name` is written in JSON as its own characters between quotes, one byte each. */
function plain(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) return false;
  }
  return true;
}

export class NameReader {
  private readonly byHash = new Map<number, Known>();
  private count = 0;

  /** Names it can read (learnt and kept). */
  get size(): number {
    return this.count;
  }

  /** Remember the names of a list JSON.parse read (those that are plain; the others are never read here). */
  learn(names: readonly unknown[]): void {
    for (const name of names) {
      if (typeof name !== 'string' || name === '' || !plain(name)) continue;
      const bytes = Buffer.from(name, 'latin1');
      const h = hashOf(bytes, 0, bytes.length);
      if (this.find(this.byHash.get(h), bytes, 0, bytes.length) !== undefined) continue;
      if (this.count >= MAX_NAMES) {
        this.byHash.clear();
        this.count = 0;
      }
      this.byHash.set(h, { bytes, name, next: this.byHash.get(h) });
      this.count++;
    }
  }

  private find(k: Known | undefined, src: Uint8Array, from: number, to: number): string | undefined {
    const n = to - from;
    for (; k !== undefined; k = k.next) {
      const b = k.bytes;
      if (b.length !== n) continue;
      let i = 0;
      while (i < n && b[i] === src[from + i]) i++;
      if (i === n) return k.name;
    }
    return undefined;
  }

  /**
   * The list `bytes` (`[…]` exactly as received) as JSON.parse would read it, when it is a list of
   * known plain names in Go's compact form; undefined otherwise (the caller parses it).
   */
  read(bytes: Uint8Array): string[] | undefined {
    const end = bytes.length;
    if (end < 2 || bytes[0] !== OPEN || bytes[end - 1] !== CLOSE) return undefined;
    const names: string[] = [];
    if (end === 2) return names;
    let at = 1;
    for (;;) {
      if (bytes[at] !== QUOTE) return undefined;
      const from = at + 1;
      let h = 0x811c9dc5;
      let i = from;
      for (; i < end; i++) {
        const c = bytes[i];
        if (c === QUOTE) break;
        if (c < 0x20 || c > 0x7e || c === BACKSLASH) return undefined;
        h = Math.imul(h ^ c, 0x01000193);
      }
      // no closing quote before the final `]`, or an empty name
      if (i >= end - 1 || i === from) return undefined;
      const name = this.find(this.byHash.get(h & 0x3fffffff), bytes, from, i);
      if (name === undefined) return undefined;
      names.push(name);
      const sep = bytes[i + 1];
      if (sep === CLOSE) return i + 2 === end ? names : undefined;
      if (sep !== COMMA) return undefined;
      at = i + 2;
    }
  }
}
