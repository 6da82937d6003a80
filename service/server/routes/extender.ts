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

import { Hono, type Context } from 'hono';
import { InputError } from '../../model/errors.js';
import type { WorkloadTemplate } from '../../model/types.js';
import { bodyKind, parseJsonBody, readBody, type BodyLimits } from '../body.js';
import type { Binder } from '../binder.js';
import type { Metrics } from '../metrics.js';
import type { PlacerState, Victim } from '../state.js';
import { badRequest } from '../status.js';

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
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new ArgsError('ExtenderArgs.NodeNames must be a list of strings');
    return { pod, mode: 'NodeNames', names, nodes: [], listMeta: {} };
  }
  throw new ArgsError('ExtenderArgs carries neither Nodes nor NodeNames');
}

export function unknownHostMessage(name: string): string {
  return `placer: placer does not know host ${JSON.stringify(name)}; apply its Node through POST /v1/apply, or configure the extender with nodeCacheCapable: false so that kube-scheduler sends full Node objects`;
}

interface Judgement {
  pass: boolean;
  /** Unschedulable: preemption could help. */
  failed?: string;
  /** UnschedulableAndUnresolvable. */
  unresolvable?: string;
  score: number;
}

/** Filter + score every node of the request for one pod. */
function judge(state: PlacerState, t: WorkloadTemplate, names: readonly string[], bad: ReadonlyMap<string, string>): Judgement[] {
  const inst = t.instances[0];
  const held = state.heldPod(t.namespace, inst.name);
  if (held && (held.uid === null || inst.uid === undefined || held.uid === inst.uid)) {
    // already bound by placer (a retry after bind): only its host fits
    return names.map((n) =>
      n === held.host ? { pass: true, score: MAX_EXTENDER_PRIORITY } : { pass: false, unresolvable: `placer: pod ${t.namespace}/${inst.name} is already bound to host ${held.host}`, score: 0 },
    );
  }
  const a = state.assess(t);
  return names.map((n): Judgement => {
    const b = bad.get(n);
    if (b !== undefined) return { pass: false, unresolvable: `placer: ${b}`, score: 0 };
    if (a.rejected !== undefined) return { pass: false, unresolvable: `placer: ${a.rejected}`, score: 0 };
    const v = a.verdict(n);
    if (v === undefined) return { pass: false, unresolvable: unknownHostMessage(n), score: 0 };
    if (v.feasible) return { pass: true, score: Math.trunc(v.fit / 10) };
    const msg = `placer: ${v.reasons.join(', ')}`;
    return v.grade === 'Unschedulable' ? { pass: false, failed: msg, score: 0 } : { pass: false, unresolvable: msg, score: 0 };
  });
}

export interface ExtenderDeps {
  state: () => PlacerState;
  metrics: Metrics;
  limits: BodyLimits;
  /** Creates the pod's Binding in the API server after placer committed it; absent: placer only records. */
  binder?: Binder;
  /** Kubernetes mode: the whole bind (service/kube/binder.ts) instead of placer's own; resolves with the Error ('' when bound). */
  bind?: (name: string, namespace: string, uid: string, node: string) => Promise<string>;
}

async function jsonBody(c: Context, limit: number): Promise<unknown> {
  bodyKind(c, ['json', 'unspecified']);
  return parseJsonBody(await readBody(c, limit));
}

const errorMessage = (err: unknown): string | undefined => (err instanceof InputError || err instanceof ArgsError ? err.message : undefined);

export function extenderRoutes(deps: ExtenderDeps): Hono {
  const app = new Hono();
  const timed = (verb: string, start: number, ok: boolean): void => {
    deps.metrics.extenderDuration.observe({ verb, result: ok ? 'success' : 'error' }, (performance.now() - start) / 1000);
  };

  app.post('/filter', async (c) => {
    const body = await jsonBody(c, deps.limits.extender);
    const start = performance.now();
    const state = deps.state();
    let mode: 'Nodes' | 'NodeNames' | undefined;
    try {
      const args = readArgs(body);
      mode = args.mode;
      const bad = args.mode === 'Nodes' ? state.refreshNodes(args.nodes.map((obj, i) => ({ obj, path: `Nodes.items[${i}]` }))) : new Map<string, string>();
      const t = state.podTemplate(args.pod, 'Pod');
      const verdicts = judge(state, t, args.names, bad);
      const failed: Record<string, string> = {};
      const unresolvable: Record<string, string> = {};
      const passed: number[] = [];
      verdicts.forEach((v, i) => {
        const n = args.names[i];
        if (v.pass) passed.push(i);
        else if (v.unresolvable !== undefined) unresolvable[n] = v.unresolvable;
        else failed[n] = v.failed!;
      });
      const result = {
        Nodes: args.mode === 'Nodes' ? { metadata: args.listMeta, items: passed.map((i) => args.nodes[i]) } : null,
        NodeNames: args.mode === 'NodeNames' ? passed.map((i) => args.names[i]) : null,
        FailedNodes: failed,
        FailedAndUnresolvableNodes: unresolvable,
        Error: '',
      };
      const seconds = (performance.now() - start) / 1000;
      deps.metrics.attempt('extender', passed.length > 0 ? 'scheduled' : 'unschedulable', seconds);
      timed('filter', start, true);
      return c.json(result);
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
    const body = await jsonBody(c, deps.limits.extender);
    const start = performance.now();
    const state = deps.state();
    try {
      const args = readArgs(body);
      const bad = args.mode === 'Nodes' ? state.refreshNodes(args.nodes.map((obj, i) => ({ obj, path: `Nodes.items[${i}]` }))) : new Map<string, string>();
      const t = state.podTemplate(args.pod, 'Pod');
      const list = judge(state, t, args.names, bad).map((v, i) => ({ Host: args.names[i], Score: v.score }));
      timed('prioritize', start, true);
      return c.json(list);
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
          candidates.set(node, { victims: pods.map((p, i) => victimOf(p, i, node)), given: typeof given === 'number' && Number.isInteger(given) ? given : 0 });
        }
      };
      if (meta !== null && meta !== undefined) {
        readMap(meta, 'NodeNameToMetaVictims', (p, i, node) => {
          const uid = isObj(p) ? goField(p, 'UID') : undefined;
          if (typeof uid !== 'string' || uid === '') throw new ArgsError(`ExtenderPreemptionArgs.NodeNameToMetaVictims[${node}].Pods[${i}].UID is missing`);
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
          const labels = isObj(md.labels) ? new Map(Object.entries(md.labels).filter((e): e is [string, string] => typeof e[1] === 'string')) : new Map<string, string>();
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
    else if (deps.bind) error = await deps.bind(name, namespace, uid, node);
    else {
      try {
        ({ error, created } = deps.state().bind(name, namespace, uid, node));
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        error = err.message;
      }
    }
    if (error === '' && deps.binder && !deps.bind) {
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
