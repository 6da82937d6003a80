// The scheduler-extender protocol's arguments as kube-scheduler sends them (extender.ts answers
// them): ExtenderArgs — the pod with full Nodes or NodeNames — read whole, or on the hot path as
// the pod before a NodeNames list the wire cache already knows (extender-wire.ts); and the
// preempt verb's victims. Keys are Go field names, matched case-insensitively as Go's decoder
// does; an argument that cannot be read is an ArgsError, which the verbs answer in their way.

import type { Context } from 'hono';
import { bodyKind, parseJsonBody, readBody, utf8 } from '../body.js';
import type { PlacerState, Victim } from '../../state/state.js';
import { badRequest } from '../status.js';
import { type NamesList, NodeNamesCache, splitNodeNames } from './extender-wire.js';

export type Obj = Record<string, unknown>;

export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A key of a Go struct without json tags: exact name first, then case-insensitively. */
export function goField(obj: Obj, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** A problem with the arguments themselves: answered in the verb's `Error` (or as a 422 where the verb has none). */
export class ArgsError extends Error {}

export interface ExtenderArgs {
  pod: unknown;
  mode: 'Nodes' | 'NodeNames';
  names: string[];
  /** Nodes mode: the Node objects as received, and the NodeList's metadata. */
  nodes: Obj[];
  listMeta: unknown;
}

function nodeName(n: Obj): string {
  const md = n.metadata;
  return isObj(md) && typeof md.name === 'string' ? md.name : '';
}

export function readArgs(body: unknown): ExtenderArgs {
  if (!isObj(body)) throw badRequest('ExtenderArgs must be a JSON object');
  const pod = goField(body, 'Pod');
  if (!isObj(pod)) throw new ArgsError('ExtenderArgs.Pod is missing');
  const nodes = goField(body, 'Nodes');
  const names = goField(body, 'NodeNames');
  if (nodes !== null && nodes !== undefined) {
    if (!isObj(nodes)) throw new ArgsError('ExtenderArgs.Nodes must be a NodeList object');
    const items = goField(nodes, 'items') ?? [];
    if (!Array.isArray(items) || !items.every(isObj)) throw new ArgsError('ExtenderArgs.Nodes.items must be a list of Node objects');
    return { pod, mode: 'Nodes', names: items.map(nodeName), nodes: items, listMeta: goField(nodes, 'metadata') ?? {} };
  }
  if (names !== null && names !== undefined) {
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))
      throw new ArgsError('ExtenderArgs.NodeNames must be a list of strings');
    return { pod, mode: 'NodeNames', names, nodes: [], listMeta: {} };
  }
  throw new ArgsError('ExtenderArgs carries neither Nodes nor NodeNames');
}

export async function jsonBody(c: Context, limit: number): Promise<unknown> {
  bodyKind(c, ['json', 'unspecified']);
  return parseJsonBody(await readBody(c, limit));
}

/**
 * ExtenderArgs as read from the body: parsed whole, or — shaped as Go writes it, the NodeNames list
 * last — as the members before the list (the pod, whose text keys the parsed-pod cache) and the
 * list, pre-encoded when it is a known one.
 */
export interface Received {
  /** The parsed body (the general path). */
  body?: unknown;
  /**
   * ExtenderArgs read in two parts: its text without NodeNames, the list when it is a known
   * (pre-encoded) one, and the body's bytes as splitNodeNames cut them (for PassedMemo.remember).
   */
  head?: { args: ExtenderArgs; text: string; list?: NamesList; parts: { head: Uint8Array; list: Uint8Array } };
}

/** The last head read on the fast path: kube-scheduler sends prioritize the filter's body again. */
export interface HeadMemo {
  last: { text: string; list: NamesList; args: ExtenderArgs } | null;
}

/**
 * The Pod of ExtenderArgs read without its NodeNames member, when the whole body would read the
 * same: an object whose Pod is an object, no Nodes, and no other spelling of NodeNames. undefined otherwise.
 */
function namesHeadPod(head: unknown): Obj | undefined {
  if (!isObj(head) || Object.keys(head).length === 0 || Object.keys(head).some((k) => k.toLowerCase() === 'nodenames')) return undefined;
  const pod = goField(head, 'Pod');
  const nodes = goField(head, 'Nodes');
  return isObj(pod) && (nodes === null || nodes === undefined) ? pod : undefined;
}

/**
 * The last filter's request read on the two-part path and the NodeNames it answered: kube-scheduler
 * sends prioritize the same pod (the same bytes: it marshals the same object) with exactly the
 * nodes that passed, in the order the filter answered them. A prioritize body whose pod bytes and
 * list bytes are those is read as the filter's pod with those names, without parsing it again
 * (identical bytes read identically: nothing of the state is kept here).
 */
export class PassedMemo {
  private last: { head: Buffer; list: Buffer; text: string; pod: Obj; names: string[] } | null = null;

  /**
   * After a filter read as `received` answered the NodeNames `passing`: the list's bytes as the
   * filter answers them (the request's own list when every node passed), or undefined when the
   * request was not read in two parts (then nothing is remembered).
   */
  remember(received: Received, passing: string[], allPassed: boolean): Buffer | undefined {
    if (!received.head) {
      this.last = null;
      return undefined;
    }
    const split = received.head.parts;
    // the request's list bytes decode to `passing` when every node passed (the two-part read parsed them)
    const list = allPassed ? Buffer.from(split.list) : Buffer.from(JSON.stringify(passing));
    this.last = { head: Buffer.from(split.head), list, text: received.head.text, pod: received.head.args.pod as Obj, names: passing };
    return list;
  }

  /** A prioritize body split as splitNodeNames does: the filter's pod and answer when they are its bytes. */
  match(split: { head: Uint8Array; list: Uint8Array }): { text: string; args: ExtenderArgs } | undefined {
    const m = this.last;
    if (!m || m.head.length !== split.head.length || m.list.length !== split.list.length) return undefined;
    if (!m.list.equals(split.list) || !m.head.equals(split.head)) return undefined;
    return { text: m.text, args: { pod: m.pod, mode: 'NodeNames', names: m.names, nodes: [], listMeta: {} } };
  }
}

export async function receiveArgs(
  c: Context,
  limit: number,
  cache: NodeNamesCache,
  memo: HeadMemo,
  passed?: PassedMemo,
): Promise<Received> {
  bodyKind(c, ['json', 'unspecified']);
  return readReceived(await readBody(c, limit), cache, memo, passed);
}

function readReceived(bytes: Uint8Array, cache: NodeNamesCache, memo: HeadMemo, passed?: PassedMemo): Received {
  const known = cache.match(bytes, utf8);
  if (known) {
    const m = memo.last;
    if (m && m.text === known.head && m.list === known.list)
      return { head: { args: m.args, text: m.text, list: m.list, parts: known.parts } };
    let head: unknown;
    try {
      head = JSON.parse(known.head);
    } catch {
      head = undefined;
    }
    const pod = namesHeadPod(head);
    if (pod !== undefined) {
      const args: ExtenderArgs = { pod, mode: 'NodeNames', names: known.list.names as string[], nodes: [], listMeta: {} };
      memo.last = { text: known.head, list: known.list, args };
      return { head: { args, text: known.head, list: known.list, parts: known.parts } };
    }
  }
  // A list seen for the first time (kube-scheduler's default sends each pod its own share of the
  // nodes): parse the pod and the list apart, so prioritize finds the filter's parsed pod by text.
  const split = splitNodeNames(bytes);
  const again = split && passed?.match(split);
  if (split && again) {
    cache.record(split.list, again.args.names);
    return { head: { ...again, parts: split } };
  }
  if (split) {
    let head: unknown;
    let names: unknown;
    const text = `${utf8(split.head)}}`;
    try {
      head = JSON.parse(text);
      names = cache.reader.read(split.list);
      if (names === undefined) {
        names = JSON.parse(utf8(split.list));
        if (Array.isArray(names)) cache.reader.learn(names);
      }
    } catch {
      head = undefined;
    }
    const pod = namesHeadPod(head);
    if (pod !== undefined && Array.isArray(names) && names.every((n) => typeof n === 'string')) {
      cache.record(split.list, names);
      return { head: { args: { pod, mode: 'NodeNames', names, nodes: [], listMeta: {} }, text, parts: split } };
    }
  }
  const body = parseJsonBody(bytes);
  if (isObj(body)) {
    const names = goField(body, 'NodeNames');
    const nodes = goField(body, 'Nodes');
    if (split && (nodes === null || nodes === undefined) && Array.isArray(names) && names.every((n) => typeof n === 'string'))
      cache.record(split.list, names);
  }
  return { body };
}

/**
 * ExtenderPreemptionArgs' candidate nodes with their victims (NodeNameToMetaVictims: UIDs only, as
 * nodeCacheCapable extenders get them; else NodeNameToVictims: whole pods) and the PDB violations
 * kube-scheduler counted. A victim placer holds carries its placement key.
 */
export function readVictims(body: Obj, state: PlacerState): Map<string, { victims: Victim[]; given: number }> {
  const meta = goField(body, 'NodeNameToMetaVictims');
  const full = goField(body, 'NodeNameToVictims');
  const candidates = new Map<string, { victims: Victim[]; given: number }>();
  const readMap = (m: unknown, what: string, victimOf: (p: unknown, i: number, node: string) => Victim): void => {
    if (!isObj(m)) throw new ArgsError(`ExtenderPreemptionArgs.${what} must be an object`);
    for (const [node, v] of Object.entries(m)) {
      if (v === null) continue;
      if (!isObj(v)) throw new ArgsError(`ExtenderPreemptionArgs.${what}[${node}] must be an object`);
      const pods = goField(v, 'Pods') ?? [];
      if (!Array.isArray(pods)) throw new ArgsError(`ExtenderPreemptionArgs.${what}[${node}].Pods must be a list`);
      const given = goField(v, 'NumPDBViolations');
      candidates.set(node, {
        victims: pods.map((p, i) => victimOf(p, i, node)),
        given: typeof given === 'number' && Number.isInteger(given) ? given : 0,
      });
    }
  };
  if (meta !== null && meta !== undefined) {
    readMap(meta, 'NodeNameToMetaVictims', (p, i, node) => {
      const uid = isObj(p) ? goField(p, 'UID') : undefined;
      if (typeof uid !== 'string' || uid === '')
        throw new ArgsError(`ExtenderPreemptionArgs.NodeNameToMetaVictims[${node}].Pods[${i}].UID is missing`);
      const key = state.keyOfUid(uid);
      return { uid, ...(key !== undefined && { key }) };
    });
  } else if (full !== null && full !== undefined) {
    readMap(full, 'NodeNameToVictims', (p, i, node) => {
      const md = isObj(p) && isObj(p.metadata) ? p.metadata : {};
      const uid = typeof md.uid === 'string' ? md.uid : '';
      if (uid === '') throw new ArgsError(`ExtenderPreemptionArgs.NodeNameToVictims[${node}].Pods[${i}].metadata.uid is missing`);
      const namespace = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default';
      const name = typeof md.name === 'string' ? md.name : '';
      const byName = state.heldPod(namespace, name);
      const key = state.keyOfUid(uid) ?? (byName && (byName.uid === null || byName.uid === uid) ? `Pod/${namespace}/${name}` : undefined);
      const labels = isObj(md.labels)
        ? new Map(Object.entries(md.labels).filter((e): e is [string, string] => typeof e[1] === 'string'))
        : new Map<string, string>();
      return { uid, namespace, name, labels, ...(key !== undefined && { key }) };
    });
  }
  return candidates;
}
