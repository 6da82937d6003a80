// The extender's hot path on the wire: kube-scheduler (nodeCacheCapable: true) sends the same
// `NodeNames` list, byte for byte, in every filter and prioritize call, after the pod. Parsing
// and resolving 5,000 names per call, and writing a JSON object per host back, cost more than
// placing the pod; this module does that work once per distinct list:
//
//   NodeNamesCache  recognizes a known list at the end of a request body by comparing bytes
//                   (the body must end `,"NodeNames":[...]}`, exactly as Go's json.Marshal
//                   writes ExtenderArgs), so only the part before it — the pod — is parsed;
//   NamesList       the list with its host slots (re-resolved when the engine's hosts change)
//                   and the names pre-encoded as JSON, so that answers are assembled by copying
//                   bytes: NodeNames as runs of passing names, the prioritize list as a template
//                   whose score digits are patched in;
//   NameReader      (extender-names.ts) reads a list seen for the first time from the names of
//                   earlier lists, without JSON.parse.
//
// Anything unusual (another key order or spelling, whitespace before the list, Nodes mode, a
// list seen for the first time) takes the general path in extender.ts, which gives the same
// answers; tests compare the two. For that path, filterBody writes the answer as bytes, in Nodes
// mode from each Node's JSON kept per resourceVersion (NodeJsonCache).

import type { Engine } from '../../../core-wasm/src/engine.js';
import { resourceVersionOf } from '../../manifests/meta.js';
import { NameReader } from './extender-names.js';

/** The bytes `,"NodeNames":` before the list, as Go writes them. */
const NAMES_KEY = Buffer.from(',"NodeNames":');
const MAX_LISTS = 4;
/**
 * A list is pre-encoded from its third sighting: kube-scheduler repeats a list across pods when it
 * sends every node (percentageOfNodesToScore: 100); with the default share every pod gets its own
 * list, seen by its filter and its prioritize only, and encoding it would be wasted.
 */
const ENCODE_AFTER = 3;

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** The end of `body` without trailing JSON whitespace. */
function trimmedEnd(body: Uint8Array): number {
  let end = body.length;
  while (end > 0 && isSpace(body[end - 1])) end--;
  return end;
}

/** A NodeNames list as received, resolved to engine host slots, with its JSON encodings. */
export class NamesList {
  readonly names: readonly string[];
  /** Host slot per name (−1: unknown to placer), valid while the engine's hostsEpoch is `epoch`. */
  private slotCache: Int32Array;
  private epoch = -1;
  /** Every name once: the fast answers need no duplicate keys. */
  readonly distinct: boolean;
  /** `"n0","n1",…` and the byte offset of each name in it (start[n] = length + 1). */
  readonly joined: Buffer;
  readonly start: Int32Array;
  /** Each name as a JSON string literal (for FailedNodes keys). */
  readonly json: readonly string[];
  /** `[{"Host":"n0","Score":0},…]` and the offset of each score digit. */
  readonly prioritize: Buffer;
  readonly digit: Int32Array;

  constructor(names: readonly string[]) {
    this.names = names;
    const n = names.length;
    this.slotCache = new Int32Array(n);
    this.distinct = new Set(names).size === n;
    const json = names.map((name) => JSON.stringify(name));
    this.json = json;
    this.joined = Buffer.from(json.join(','));
    this.start = new Int32Array(n + 1);
    let at = 0;
    for (let i = 0; i < n; i++) {
      this.start[i] = at;
      at += Buffer.byteLength(json[i]) + 1;
    }
    this.start[n] = at;
    const parts: string[] = [];
    for (let i = 0; i < n; i++) parts.push(`{"Host":${json[i]},"Score":0}`);
    this.prioritize = Buffer.from(`[${parts.join(',')}]`);
    this.digit = new Int32Array(n);
    let p = 1;
    for (let i = 0; i < n; i++) {
      p += 8 + Buffer.byteLength(json[i]) + 9; // {"Host": name ,"Score":
      this.digit[i] = p;
      p += 3; // digit } ,
    }
  }

  /** Host slots of the names, resolved again whenever the engine's hosts changed. */
  slots(engine: Engine): Int32Array {
    if (this.epoch !== engine.hostsEpoch) {
      for (let i = 0; i < this.names.length; i++) this.slotCache[i] = engine.hostSlot(this.names[i]);
      this.epoch = engine.hostsEpoch;
    }
    return this.slotCache;
  }
}

interface Entry {
  /** The list's bytes: `[...]`. */
  bytes: Buffer;
  seen: number;
  list: NamesList | null;
}

/**
 * The bytes of a body shaped as Go writes ExtenderArgs, `{…,"NodeNames":[…]}` with the list last:
 * the members before the list (`head`, without the closing brace) and the list (`[…]`). null for
 * any other shape. A JSON string cannot hold an unescaped quote, so the last `,"NodeNames":` before
 * a final `]}` is the top-level key whenever the list is the last member; callers parse both parts
 * and fall back to the whole body when either does not read as that shape.
 */
export function splitNodeNames(body: Uint8Array): { head: Uint8Array; list: Uint8Array } | null {
  const end = trimmedEnd(body);
  if (end < 2 || body[end - 1] !== 0x7d /* } */ || body[end - 2] !== 0x5d /* ] */) return null;
  const keyAt = Buffer.from(body.buffer, body.byteOffset, end).lastIndexOf(NAMES_KEY);
  if (keyAt < 1) return null;
  return { head: body.subarray(0, keyAt), list: body.subarray(keyAt + NAMES_KEY.length, end - 1) };
}

/** A request whose NodeNames list is a known one: the bytes before `,"NodeNames":`, and the list. */
export interface KnownNames {
  /** The body up to the list, closed with `}`: the other members of ExtenderArgs (the pod). */
  head: string;
  list: NamesList;
  /** The body's bytes before `,"NodeNames":` and the list's, as splitNodeNames cuts them. */
  parts: { head: Uint8Array; list: Uint8Array };
}

/** The few NodeNames lists the extender sees again and again (most recent first). */
export class NodeNamesCache {
  private entries: Entry[] = [];
  /** Lists seen for the first time, read name by name from the names of earlier lists (extender-names.ts). */
  readonly reader = new NameReader();
  /** The last head (the bytes before the list) and its text: prioritize repeats the filter's body. */
  private lastHead: { bytes: Buffer; text: string } | null = null;

  /**
   * When `body` ends with a known, pre-encoded list as its last member (`,"NodeNames":[...]}`),
   * that list and the text before it. null otherwise (the caller takes the general path).
   */
  match(body: Uint8Array, utf8: (bytes: Uint8Array) => string): KnownNames | null {
    const end = trimmedEnd(body);
    if (end < 2 || body[end - 1] !== 0x7d /* } */ || body[end - 2] !== 0x5d /* ] */) return null;
    for (let k = 0; k < this.entries.length; k++) {
      const e = this.entries[k];
      if (!e.list) continue;
      const from = end - 1 - e.bytes.length;
      const keyAt = from - NAMES_KEY.length;
      if (keyAt < 1) continue;
      if (Buffer.compare(e.bytes, body.subarray(from, end - 1)) !== 0) continue;
      if (Buffer.compare(NAMES_KEY, body.subarray(keyAt, from)) !== 0) continue;
      if (k > 0) this.entries.unshift(...this.entries.splice(k, 1));
      const headBytes = body.subarray(0, keyAt);
      const parts = { head: headBytes, list: body.subarray(from, end - 1) };
      const last = this.lastHead;
      // the same bytes decode to the same text: the same string, so callers may key on it cheaply
      if (last && last.bytes.length === keyAt && Buffer.compare(last.bytes, headBytes) === 0)
        return { head: last.text, list: e.list, parts };
      const head = `${utf8(headBytes)}}`;
      this.lastHead = { bytes: Buffer.from(headBytes), text: head };
      return { head, list: e.list, parts };
    }
    return null;
  }

  /**
   * After a body's list bytes (`splitNodeNames(body).list`) were read as `names`: remember them,
   * and pre-encode the list once it was seen ENCODE_AFTER times.
   */
  record(bytes: Uint8Array, names: readonly string[]): void {
    let e = this.entries.find((x) => Buffer.compare(x.bytes, bytes) === 0);
    if (!e) {
      e = { bytes: Buffer.from(bytes), seen: 0, list: null };
      this.entries.unshift(e);
      if (this.entries.length > MAX_LISTS) this.entries.pop();
    }
    e.seen++;
    if (e.list || e.seen < ENCODE_AFTER) return;
    // The list is what those bytes decode to (not necessarily `names`: the body may hold another
    // NodeNames member, in which case the fast path will not match it anyway).
    let decoded: unknown;
    try {
      decoded = JSON.parse(e.bytes.toString('utf8'));
    } catch {
      return;
    }
    if (!Array.isArray(decoded) || decoded.length !== names.length || !decoded.every((v, i) => v === names[i])) return;
    e.list = new NamesList(decoded as string[]);
  }
}

/** Filter answers for one pod over a list, in list order. */
export interface Judged {
  n: number;
  /** 1 where the node passes. */
  pass: Uint8Array;
  /** Prioritize score 0..10 (0 for failing nodes). */
  score: Uint8Array;
  /** Failing nodes, in list order: index, message, and whether preemption could help. */
  failIdx: number[];
  failMsg: string[];
  failResolvable: boolean[];
  /** The passing node placer would choose itself (its highest total score), or −1 (none passes, or not asked for). */
  chosen: number;
}

export function judged(n: number): Judged {
  return { n, pass: new Uint8Array(n), score: new Uint8Array(n), failIdx: [], failMsg: [], failResolvable: [], chosen: -1 };
}

const FILTER_HEAD = Buffer.from('{"Nodes":null,"NodeNames":[');

/** Failure messages as JSON strings: a handful of distinct ones repeat for many hosts. */
const messageJson = new Map<string, string>();
function jsonMessage(m: string): string {
  let e = messageJson.get(m);
  if (e === undefined) {
    if (messageJson.size >= 4096) messageJson.clear();
    messageJson.set(m, (e = JSON.stringify(m)));
  }
  return e;
}

/**
 * Answer buffers for one verb, reused once Node is done writing them. A 150 KB answer in a fresh
 * Buffer is a fresh mmap: its page faults cost more than assembling the answer (~70 µs vs ~3 µs
 * to fill a buffer already mapped). A buffer is lent for one response and comes back when that
 * response closed: written (or the connection gone), so Node no longer holds it.
 */
export class AnswerBuffers {
  private readonly free: Buffer<ArrayBuffer>[] = [];

  /** A buffer of at least `size` bytes (possibly longer: answer with a subarray). */
  private take(size: number): Buffer<ArrayBuffer> {
    for (let k = this.free.length - 1; k >= 0; k--) {
      const b = this.free[k];
      if (b.length >= size) {
        this.free[k] = this.free[this.free.length - 1];
        this.free.pop();
        return b;
      }
    }
    // some slack so that an answer a little longer than the last one still fits
    return Buffer.allocUnsafeSlow(size + (size >> 3) + 64);
  }

  private give(b: Buffer<ArrayBuffer>): void {
    if (this.free.length < MAX_FREE_BUFFERS) this.free.push(b);
    else {
      // keep the larger ones: they fit every answer the smaller ones fit
      let min = 0;
      for (let k = 1; k < this.free.length; k++) if (this.free[k].length < this.free[min].length) min = k;
      if (this.free[min].length < b.length) this.free[min] = b;
    }
  }

  /** An allocator for one response: the buffer it hands out returns to the pool when `res` emits 'close'. */
  lend(res: { once(event: 'close', listener: () => void): unknown }): Alloc {
    return (size) => {
      const b = this.take(size);
      res.once('close', () => this.give(b));
      return b;
    };
  }
}

/** At most this many idle answer buffers per verb (concurrent requests beyond it allocate). */
const MAX_FREE_BUFFERS = 8;

/** Where an answer is assembled: a buffer of at least `size` bytes. */
export type Alloc = (size: number) => Buffer<ArrayBuffer>;

/** A fresh buffer per answer (no response to tie a reused one to, e.g. app.request in tests). */
export const freshBuffer: Alloc = (size) => Buffer.allocUnsafe(size);

/** ExtenderFilterResult in NodeNames mode, assembled from the list's encodings (list.distinct). */
export function filterNodeNamesBody(list: NamesList, j: Judged, alloc: Alloc = freshBuffer): Buffer<ArrayBuffer> {
  const { joined, start } = list;
  const failed: string[] = [];
  const unresolvable: string[] = [];
  for (let k = 0; k < j.failIdx.length; k++) {
    const member = `${list.json[j.failIdx[k]]}:${jsonMessage(j.failMsg[k])}`;
    (j.failResolvable[k] ? failed : unresolvable).push(member);
  }
  // written straight into the answer (no intermediate Buffer for it)
  const tail = `],"FailedNodes":{${failed.join(',')}},"FailedAndUnresolvableNodes":{${unresolvable.join(',')}},"Error":""}`;
  const out = alloc(FILTER_HEAD.length + joined.length + Buffer.byteLength(tail));
  let at = FILTER_HEAD.copy(out, 0);
  // Passing names are the runs between failing indices (every index passes or fails): each run
  // is one contiguous copy out of `joined`.
  let from = 0;
  const run = (to: number) => {
    if (to > from) {
      if (at > FILTER_HEAD.length) out[at++] = 0x2c; // ,
      at += joined.copy(out, at, start[from], start[to] - 1);
    }
  };
  for (const i of j.failIdx) {
    run(i);
    from = i + 1;
  }
  run(j.n);
  at += out.write(tail, at);
  return out.subarray(0, at);
}

/**
 * The last filter answer over a list, kept by its failures. Consecutive pods often fail on the
 * same hosts for the same reasons (tainted, cordoned or full hosts) and then get the same bytes.
 * The failures are compared, never assumed: any difference builds a new answer. The kept answer
 * is shared by the responses that send it, so it is never written again (not a pooled buffer).
 */
export class FilterAnswers {
  private last: { list: NamesList; j: Judged; body: Buffer<ArrayBuffer> } | null = null;

  answer(list: NamesList, j: Judged): Buffer<ArrayBuffer> {
    const m = this.last;
    if (m && m.list === list && sameFailures(m.j, j)) return m.body;
    const body = filterNodeNamesBody(list, j);
    this.last = { list, j, body };
    return body;
  }
}

/** The same hosts fail for the same messages and grades (a Judged is not changed once judged). */
function sameFailures(a: Judged, b: Judged): boolean {
  if (a === b) return true;
  const k = a.failIdx.length;
  if (a.n !== b.n || b.failIdx.length !== k) return false;
  for (let i = 0; i < k; i++) {
    if (a.failIdx[i] !== b.failIdx[i] || a.failResolvable[i] !== b.failResolvable[i] || a.failMsg[i] !== b.failMsg[i]) return false;
  }
  return true;
}

/**
 * HostPriorityList for the list: the template with every score digit patched in. A score of 10
 * takes two bytes and shifts the rest: the template is copied in runs split at those hosts (one
 * copy per such host, not per host), then every single digit is patched at its shifted offset.
 */
export function prioritizeBody(list: NamesList, j: Judged, alloc: Alloc = freshBuffer): Buffer<ArrayBuffer> {
  const { prioritize: tpl, digit } = list;
  const { n, score } = j;
  let tens = 0;
  for (let i = 0; i < n; i++) if (score[i] >= 10) tens++;
  const size = tpl.length + tens;
  const out = alloc(size);
  if (tens === 0) {
    tpl.copy(out, 0);
    for (let i = 0; i < n; i++) out[digit[i]] = 0x30 + score[i];
    return out.subarray(0, size);
  }
  let src = 0;
  let dst = 0;
  for (let i = 0; i < n; i++) {
    if (score[i] < 10) continue;
    const p = digit[i];
    dst += tpl.copy(out, dst, src, p);
    out[dst++] = 0x31;
    out[dst++] = 0x30;
    src = p + 1;
  }
  tpl.copy(out, dst, src);
  // the single digits, after the copies: each is `shift` bytes (tens before it) further on
  let shift = 0;
  for (let i = 0; i < n; i++) {
    const s = score[i];
    if (s >= 10) shift++;
    else out[digit[i] + shift] = 0x30 + s;
  }
  return out.subarray(0, size);
}

/** `{"Host":<name as JSON>,"Score":` by name: the general path sees the cluster's node names again and again. */
const hostPrefixes = new Map<string, string>();
const MAX_HOST_PREFIXES = 65536;
/** A score and the closing brace, for the scores prioritize gives (0..10). */
const SCORE_ENDS = Array.from({ length: 11 }, (_, s) => `${s}}`);

function hostPrefix(name: string): string {
  let p = hostPrefixes.get(name);
  if (p === undefined) {
    if (hostPrefixes.size >= MAX_HOST_PREFIXES) hostPrefixes.clear();
    hostPrefixes.set(name, (p = `{"Host":${JSON.stringify(name)},"Score":`));
  }
  return p;
}

/** HostPriorityList for any list of names (the general path), written as one string. */
export function hostPriorityBody(names: readonly string[], score: Uint8Array): Buffer<ArrayBuffer> {
  let out = '[';
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ',';
    out += hostPrefix(names[i]);
    out += SCORE_ENDS[score[i]] ?? `${score[i]}}`;
  }
  return Buffer.from(`${out}]`);
}

/**
 * Nodes mode (nodeCacheCapable: false): the filter answers with the passing Node objects as
 * received, a few KB each and thousands per call. A Node's JSON bytes are kept per name with its
 * `metadata.resourceVersion` — the API server changes it on every write, so the same version is
 * the same object — and reused while the version is the same, so that an answer is assembled by
 * copying bytes; a Node without one is encoded each time. The cache holds at most `maxBytes` of
 * JSON (5,000 Nodes of 25 KiB, status, images and managedFields included, fit in the default) and
 * empties when full: names come and go with the cluster's nodes.
 */
export class NodeJsonCache {
  private readonly byName = new Map<string, { rv: string; json: Buffer }>();
  private bytes = 0;
  constructor(private readonly maxBytes = 128 << 20) {}

  json(node: Record<string, unknown>, name: string): Buffer {
    const rv = resourceVersionOf(node);
    if (rv === '') return Buffer.from(JSON.stringify(node));
    const hit = this.byName.get(name);
    if (hit && hit.rv === rv) return hit.json;
    const json = Buffer.from(JSON.stringify(node));
    if (hit) this.bytes -= hit.json.length;
    if (this.bytes + json.length > this.maxBytes) {
      this.byName.clear();
      this.bytes = 0;
    }
    this.byName.set(name, { rv, json });
    this.bytes += json.length;
    return json;
  }
}

const COMMA = Buffer.from(',');
const NODE_NAMES_HEAD = Buffer.from('{"Nodes":null,"NodeNames":');

/**
 * The filter answer of the general path as bytes, keys in ExtenderFilterResult's order; in Nodes
 * mode the passing Node objects (`passIdx`) as `nodeJson` gives their JSON; in NodeNames mode
 * `passingJson` when the caller has `passing` as JSON already (the request's own list when every
 * node passed).
 */
export function filterBody(
  mode: 'Nodes' | 'NodeNames',
  listMeta: unknown,
  passing: readonly string[],
  nodeJson: (i: number) => Buffer,
  passIdx: readonly number[],
  failed: Record<string, string>,
  unresolvable: Record<string, string>,
  passingJson?: Buffer,
): Buffer<ArrayBuffer> {
  const tail = Buffer.from(
    `,"FailedNodes":${JSON.stringify(failed)},"FailedAndUnresolvableNodes":${JSON.stringify(unresolvable)},"Error":""}`,
  );
  if (mode === 'NodeNames')
    return passingJson
      ? Buffer.concat([NODE_NAMES_HEAD, passingJson, tail])
      : Buffer.concat([Buffer.from(`{"Nodes":null,"NodeNames":${JSON.stringify(passing)}`), tail]);
  const parts: Buffer[] = [Buffer.from(`{"Nodes":{"metadata":${JSON.stringify(listMeta)},"items":[`)];
  passIdx.forEach((i, k) => {
    if (k > 0) parts.push(COMMA);
    parts.push(nodeJson(i));
  });
  parts.push(Buffer.from(']},"NodeNames":null'), tail);
  return Buffer.concat(parts);
}
