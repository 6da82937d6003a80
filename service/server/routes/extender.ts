// The scheduler-extender protocol (k8s.io/kube-scheduler/extender/v1), exactly as kube-scheduler
// speaks it: POST <urlPrefix>/<verb>, JSON with the Go field names as keys (PascalCase, matched
// case-insensitively on input like Go's decoder), `null` for absent fields, embedded Pod/Node
// objects without kind/apiVersion.
//
//   filter      ExtenderArgs → ExtenderFilterResult, in the mode of the request: full Nodes in ⇒
//               the passing Node objects echoed back in `Nodes`; NodeNames in ⇒ `NodeNames`.
//               Every rejected node is listed: FailedNodes when preemption could help (capacity),
//               FailedAndUnresolvableNodes when it cannot (quota, reservation, taint, selector,
//               unknown host). `Error` only for a genuine failure (a pod placer cannot read).
//   prioritize  ExtenderArgs → [{"Host","Score"}], integer 0..10: the strategy score (fit 0..100)
//               divided by 10 for feasible hosts, 0 for the others.
//   preempt     ExtenderPreemptionArgs → {"NodeNameToMetaVictims"}: keeps only the nodes where
//               placer's own rules (quota, reservation, capacity, filters) admit the pod once the
//               victims are gone, each with at least one victim.
//   bind        ExtenderBindingArgs → {"Error"}: commits the placement durably; idempotent for
//               the same pod and host.
//
// Transport problems (wrong content type, body too large, not JSON) answer a Kubernetes Status
// with the HTTP code; kube-scheduler treats any non-200 as the extender's error.

import { ServerResponse } from 'node:http';
import { Hono, type Context } from 'hono';
import { InputError } from '../../../model/errors.js';
import type { WorkloadTemplate } from '../../../model/types.js';
import { R_TAINT } from '../../../core-wasm/src/contract.js';
import type { HostFailure } from '../../../core-wasm/src/engine.js';
import { bodyKind, parseJsonBody, readBody, utf8, type BodyLimits } from '../body.js';
import type { Metrics } from '../metrics.js';
import type { BindingPort, KubernetesPort } from '../ports.js';
import type { PlacerState, Victim } from '../../state/state.js';
import { badRequest } from '../status.js';
import {
  type Alloc,
  AnswerBuffers,
  FilterAnswers,
  type Judged,
  type NamesList,
  NodeJsonCache,
  NodeNamesCache,
  filterBody,
  freshBuffer,
  judged,
  prioritizeBody,
  splitNodeNames,
} from './extender-wire.js';

type Obj = Record<string, unknown>;

export const MAX_EXTENDER_PRIORITY = 10;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A key of a Go struct without json tags: exact name first, then case-insensitively. */
export function goField(obj: Obj, name: string): unknown {
  if (Object.hasOwn(obj, name)) return obj[name];
  const lower = name.toLowerCase();
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k];
  return undefined;
}

/** A problem with the arguments themselves: answered in the verb's `Error` (or as a 422 where the verb has none). */
class ArgsError extends Error {}

interface ExtenderArgs {
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

function readArgs(body: unknown): ExtenderArgs {
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

export function unknownHostMessage(name: string): string {
  return `placer: placer does not know host ${JSON.stringify(name)}; apply its Node through POST /v1/apply, or configure the extender with nodeCacheCapable: false so that kube-scheduler sends full Node objects`;
}

const prefixedFailure = new WeakMap<HostFailure, string>();

function fail(j: Judged, i: number, message: string, resolvable: boolean): void {
  j.failIdx.push(i);
  j.failMsg.push(message);
  j.failResolvable.push(resolvable);
}

/**
 * The last judgement over a known list. kube-scheduler calls prioritize right after filter for the
 * same pod and list: while the pod's template, the list's host slots and the engine's assessment
 * (same engine, class and backend version: nothing changed since) are the same, so is the judgement.
 */
interface JudgedMemo {
  last: {
    t: WorkloadTemplate;
    names: readonly string[];
    slots: Int32Array;
    engine: object;
    epoch: number;
    cls: number;
    version: number;
    rejected: string | undefined;
    j: Judged;
  } | null;
}

/** Filter + score every node of the request for one pod, in request order. */
function judge(
  state: PlacerState,
  t: WorkloadTemplate,
  names: readonly string[],
  slots: Int32Array | null,
  bad: ReadonlyMap<string, string>,
  memo?: JudgedMemo,
): Judged {
  const n = names.length;
  const inst = t.instances[0];
  const held = state.heldPod(t.namespace, inst.name);
  if (held && (held.uid === null || inst.uid === undefined || held.uid === inst.uid)) {
    // already bound by placer (a retry after bind): only its host fits
    const j = judged(n);
    const message = `placer: pod ${t.namespace}/${inst.name} is already bound to host ${held.host}`;
    for (let i = 0; i < n; i++) {
      if (names[i] === held.host) {
        j.pass[i] = 1;
        j.score[i] = MAX_EXTENDER_PRIORITY;
      } else fail(j, i, message, false);
    }
    return j;
  }
  const engine = state.engine;
  // The columns are views over the engine's memory: nothing below calls into the backend.
  const a = engine.assessColumns(t);
  const rejected = a.rejected === undefined ? undefined : `placer: ${a.rejected}`;
  const memoize = memo !== undefined && slots !== null && bad.size === 0;
  if (memoize) {
    const m = memo.last;
    if (
      m &&
      m.t === t &&
      m.names === names &&
      m.slots === slots &&
      m.engine === engine &&
      m.epoch === engine.hostsEpoch &&
      m.cls === a.cls &&
      m.version === a.version &&
      m.rejected === rejected
    )
      return m.j;
  }
  const j = judged(n);
  const { reasons, fit } = a.columns;
  const hosts = a.columns.n;
  // consecutive failing hosts often fail alike (taint messages depend on the host: looked up each time)
  let lastReasons = -1;
  let lastFailure: HostFailure | undefined;
  if (slots && bad.size === 0 && rejected === undefined) {
    // the common case in a tight loop: known list, admitted pod
    const { pass, score } = j;
    for (let i = 0; i < n; i++) {
      const slot = slots[i];
      if (slot >= 0 && slot < hosts && reasons[slot] === 0) {
        pass[i] = 1;
        score[i] = Math.trunc(fit[slot] / 10);
      }
    }
  }
  for (let i = 0; i < n; i++) {
    if (j.pass[i]) continue;
    if (bad.size > 0) {
      const b = bad.get(names[i]);
      if (b !== undefined) {
        fail(j, i, `placer: ${b}`, false);
        continue;
      }
    }
    if (rejected !== undefined) {
      fail(j, i, rejected, false);
      continue;
    }
    const slot = slots ? slots[i] : engine.hostSlot(names[i]);
    if (slot < 0 || slot >= hosts) {
      fail(j, i, unknownHostMessage(names[i]), false);
      continue;
    }
    const r = reasons[slot];
    if (r === 0) {
      j.pass[i] = 1;
      j.score[i] = Math.trunc(fit[slot] / 10);
      continue;
    }
    let f = lastFailure;
    if (r !== lastReasons || (r & R_TAINT) !== 0) f = engine.hostFailure(a.cls, slot, r);
    lastReasons = r;
    lastFailure = f;
    let message = prefixedFailure.get(f!);
    if (message === undefined) prefixedFailure.set(f!, (message = `placer: ${f!.text}`));
    fail(j, i, message, f!.grade === 'Unschedulable');
  }
  if (memoize) memo.last = { t, names, slots, engine, epoch: engine.hostsEpoch, cls: a.cls, version: a.version, rejected, j };
  return j;
}

export interface ExtenderDeps {
  state: () => PlacerState;
  metrics: Metrics;
  limits: BodyLimits;
  /** Creates the pod's Binding in the API server after placer committed it; absent: placer only records. */
  binder?: BindingPort;
  /** Kubernetes mode: its bind instead of placer's own. */
  kube?: KubernetesPort;
}

async function jsonBody(c: Context, limit: number): Promise<unknown> {
  bodyKind(c, ['json', 'unspecified']);
  return parseJsonBody(await readBody(c, limit));
}

/**
 * ExtenderArgs as read from the body: parsed whole, or — shaped as Go writes it, the NodeNames list
 * last — as the members before the list (the pod, whose text keys the parsed-pod cache) and the
 * list, pre-encoded when it is a known one.
 */
interface Received {
  /** The parsed body (the general path). */
  body?: unknown;
  /** ExtenderArgs read in two parts: its text without NodeNames, and the list when it is a known (pre-encoded) one. */
  head?: { args: ExtenderArgs; text: string; list?: NamesList };
}

/** The last head read on the fast path: kube-scheduler sends prioritize the filter's body again. */
interface HeadMemo {
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

async function receiveArgs(c: Context, limit: number, cache: NodeNamesCache, memo: HeadMemo): Promise<Received> {
  bodyKind(c, ['json', 'unspecified']);
  const bytes = await readBody(c, limit);
  const known = cache.match(bytes, utf8);
  if (known) {
    const m = memo.last;
    if (m && m.text === known.head && m.list === known.list) return { head: { args: m.args, text: m.text, list: m.list } };
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
      return { head: { args, text: known.head, list: known.list } };
    }
  }
  // A list seen for the first time (kube-scheduler's default sends each pod its own share of the
  // nodes): parse the pod and the list apart, so prioritize finds the filter's parsed pod by text.
  const split = splitNodeNames(bytes);
  if (split) {
    let head: unknown;
    let names: unknown;
    const text = `${utf8(split.head)}}`;
    try {
      head = JSON.parse(text);
      names = JSON.parse(utf8(split.list));
    } catch {
      head = undefined;
    }
    const pod = namesHeadPod(head);
    if (pod !== undefined && Array.isArray(names) && names.every((n) => typeof n === 'string')) {
      cache.record(split.list, names);
      return { head: { args: { pod, mode: 'NodeNames', names, nodes: [], listMeta: {} }, text } };
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

const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * A JSON answer as bytes: for a string body the Node adapter first measures its UTF-8 length
 * (Buffer.byteLength, a full pass) and then encodes it (a prioritize answer for 5,000 nodes is
 * ~150 KB).
 */
const jsonBytes = (c: Context, value: unknown): Response => c.body(Buffer.from(JSON.stringify(value)), 200, JSON_TYPE);

/** Served by @hono/node-server: answers go into `buffers`, back in the pool once the response closed. */
function answerAlloc(c: Context, buffers: AnswerBuffers): Alloc {
  const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing;
  return outgoing instanceof ServerResponse ? buffers.lend(outgoing) : freshBuffer;
}

const errorMessage = (err: unknown): string | undefined =>
  err instanceof InputError || err instanceof ArgsError ? err.message : undefined;

export function extenderRoutes(deps: ExtenderDeps): Hono {
  const app = new Hono();
  const namesCache = new NodeNamesCache();
  const nodeJsonCache = new NodeJsonCache();
  const filterAnswers = new FilterAnswers();
  const prioritizeBuffers = new AnswerBuffers();
  const memo: JudgedMemo = { last: null };
  const headMemo: HeadMemo = { last: null };
  const timed = (verb: string, start: number, ok: boolean): void => {
    deps.metrics.extenderDuration.observe({ verb, result: ok ? 'success' : 'error' }, (performance.now() - start) / 1000);
  };

  app.post('/filter', async (c) => {
    const received = await receiveArgs(c, deps.limits.extender, namesCache, headMemo);
    const start = performance.now();
    const state = deps.state();
    let mode: 'Nodes' | 'NodeNames' | undefined;
    try {
      const args = received.head?.args ?? readArgs(received.body);
      mode = args.mode;
      const bad =
        args.mode === 'Nodes'
          ? state.refreshNodes(args.nodes.map((obj, i) => ({ obj, path: `Nodes.items[${i}]` })))
          : new Map<string, string>();
      const t = received.head ? state.podTemplateCached(received.head.text, args.pod, 'Pod') : state.podTemplate(args.pod, 'Pod');
      const list = received.head?.list;
      const j = judge(state, t, args.names, list ? list.slots(state.engine) : null, bad, memo);
      const passed = j.n - j.failIdx.length; // every node passes or fails, once
      let response: Response;
      if (list && list.distinct) response = c.body(filterAnswers.answer(list, j), 200, JSON_TYPE);
      else {
        const failed: Record<string, string> = {};
        const unresolvable: Record<string, string> = {};
        j.failIdx.forEach((i, k) => ((j.failResolvable[k] ? failed : unresolvable)[args.names[i]] = j.failMsg[k]));
        const pass: number[] = [];
        for (let i = 0; i < j.n; i++) if (j.pass[i]) pass.push(i);
        const passing = args.mode === 'NodeNames' ? pass.map((i) => args.names[i]) : [];
        const nodeJson = (i: number) => nodeJsonCache.json(args.nodes[i], args.names[i]);
        response = c.body(filterBody(args.mode, args.listMeta, passing, nodeJson, pass, failed, unresolvable), 200, JSON_TYPE);
      }
      const seconds = (performance.now() - start) / 1000;
      deps.metrics.attempt('extender', passed > 0 ? 'scheduled' : 'unschedulable', seconds);
      timed('filter', start, true);
      return response;
    } catch (err) {
      const message = errorMessage(err);
      if (message === undefined) throw err;
      deps.metrics.attempt('extender', 'error', (performance.now() - start) / 1000);
      timed('filter', start, false);
      return c.json({
        Nodes: mode === 'Nodes' ? { metadata: {}, items: [] } : null,
        NodeNames: mode === 'NodeNames' ? [] : null,
        FailedNodes: {},
        FailedAndUnresolvableNodes: {},
        Error: `placer: ${message}`,
      });
    }
  });

  app.post('/prioritize', async (c) => {
    const received = await receiveArgs(c, deps.limits.extender, namesCache, headMemo);
    const start = performance.now();
    const state = deps.state();
    try {
      const args = received.head?.args ?? readArgs(received.body);
      const bad =
        args.mode === 'Nodes'
          ? state.refreshNodes(args.nodes.map((obj, i) => ({ obj, path: `Nodes.items[${i}]` })))
          : new Map<string, string>();
      const t = received.head ? state.podTemplateCached(received.head.text, args.pod, 'Pod') : state.podTemplate(args.pod, 'Pod');
      const list = received.head?.list;
      const j = judge(state, t, args.names, list ? list.slots(state.engine) : null, bad, memo);
      const response = list
        ? c.body(prioritizeBody(list, j, answerAlloc(c, prioritizeBuffers)), 200, JSON_TYPE)
        : jsonBytes(
            c,
            args.names.map((name, i) => ({ Host: name, Score: j.score[i] })),
          );
      timed('prioritize', start, true);
      return response;
    } catch (err) {
      timed('prioritize', start, false);
      // HostPriorityList has no error field: a non-200 is the only way to say it (kube-scheduler logs and ignores it)
      if (err instanceof ArgsError) throw badRequest(err.message);
      throw err;
    }
  });

  app.post('/preempt', async (c) => {
    const body = await jsonBody(c, deps.limits.extender);
    const start = performance.now();
    const state = deps.state();
    try {
      if (!isObj(body)) throw badRequest('ExtenderPreemptionArgs must be a JSON object');
      const pod = goField(body, 'Pod');
      if (!isObj(pod)) throw new ArgsError('ExtenderPreemptionArgs.Pod is missing');
      const t = state.podTemplate(pod, 'Pod');
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
          const key =
            state.keyOfUid(uid) ?? (byName && (byName.uid === null || byName.uid === uid) ? `Pod/${namespace}/${name}` : undefined);
          const labels = isObj(md.labels)
            ? new Map(Object.entries(md.labels).filter((e): e is [string, string] => typeof e[1] === 'string'))
            : new Map<string, string>();
          return { uid, namespace, name, labels, ...(key !== undefined && { key }) };
        });
      }
      const out: Record<string, { Pods: { UID: string }[]; NumPDBViolations: number }> = {};
      for (const [node, { victims, given }] of candidates) {
        if (victims.length === 0) continue; // kube-scheduler requires at least one victim per node
        if (state.fitsAfterEvicting(t, node, victims) !== null) continue;
        out[node] = { Pods: victims.map((v) => ({ UID: v.uid })), NumPDBViolations: Math.max(given, state.pdbViolations(victims)) };
      }
      timed('preempt', start, true);
      return c.json({ NodeNameToMetaVictims: out });
    } catch (err) {
      timed('preempt', start, false);
      if (err instanceof ArgsError) throw badRequest(err.message);
      throw err;
    }
  });

  app.post('/bind', async (c) => {
    const body = await jsonBody(c, deps.limits.extender);
    const start = performance.now();
    if (!isObj(body)) throw badRequest('ExtenderBindingArgs must be a JSON object');
    const str = (k: string): string => {
      const v = goField(body, k);
      return typeof v === 'string' ? v : '';
    };
    const [name, namespace, uid, node] = [str('PodName'), str('PodNamespace') || 'default', str('PodUID'), str('Node')];
    let error = '';
    let created = false;
    if (name === '' || node === '') error = 'ExtenderBindingArgs needs PodName and Node';
    else if (deps.kube) error = await deps.kube.bind(name, namespace, uid, node);
    else {
      try {
        ({ error, created } = deps.state().bind(name, namespace, uid, node));
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        error = err.message;
      }
    }
    if (error === '' && deps.binder && !deps.kube) {
      // placer holds the capacity (kube-scheduler's "assume"); now the API server. A replayed bind
      // re-posts: 409 means the pod is bound already (to this node: placer bound it).
      try {
        await deps.binder.bind(namespace, name, uid, node);
      } catch (err) {
        const status = (err as { status?: number }).status;
        if (!(status === 409 && !created)) {
          error = err instanceof Error ? err.message : String(err);
          // undo placer's side of a bind it made now, as kube-scheduler un-reserves a failed binding
          const held = deps.state().heldPod(namespace, name);
          if (created && held && held.host === node && held.origin === 'bind') deps.state().release('Pod', namespace, name);
        }
      }
    }
    timed('bind', start, error === '');
    return c.json({ Error: error === '' ? '' : error.startsWith('placer') ? error : `placer: ${error}` });
  });

  return app;
}
