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
//               With `choice: 'placer'` a filter that passes several nodes answers only placer's
//               choice among them (extender-choice.ts): kube-scheduler then skips prioritize —
//               unless another pod waits for its bind, or kube-scheduler's ImageLocality could
//               score a passing node above 0 (state/node-images.ts).
//   prioritize  ExtenderArgs → [{"Host","Score"}], integer 0..10: only what kube-scheduler does
//               not score itself (extender-judge.ts): the share of a feasible host held by
//               placements it does not see (VMs), or placer's resource score for a NamespacePolicy's
//               strategy; 0 for infeasible hosts.
//   preempt     ExtenderPreemptionArgs → {"NodeNameToMetaVictims"}: keeps only the nodes where
//               placer's own rules (quota, reservation, capacity, filters) admit the pod once the
//               victims are gone, each with at least one victim.
//   bind        ExtenderBindingArgs → {"Error"}: commits the placement durably; idempotent for
//               the same pod and host.
//
// Transport problems (wrong content type, body too large, not JSON) answer a Kubernetes Status
// with the HTTP code; kube-scheduler treats any non-200 as the extender's error.
//
// The arguments are read by extender-args.ts, the nodes judged by extender-judge.ts, and the hot
// path's known node lists handled as bytes by extender-wire.ts.

import { ServerResponse } from 'node:http';
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { InputError } from '../../../model/errors.js';
import type { BodyLimits } from '../body.js';
import type { Metrics } from '../metrics.js';
import type { BindingPort, KubernetesPort } from '../ports.js';
import type { PlacerState } from '../../state/state.js';
import { takes } from '../query.js';
import { badRequest } from '../status.js';
import { ArgsError, goField, type HeadMemo, isObj, jsonBody, PassedMemo, readArgs, readVictims, receiveArgs } from './extender-args.js';
import { Choices, type ExtenderChoice, podKey } from './extender-choice.js';
import { podImages } from '../../state/node-images.js';
import { judge, type JudgedMemo, rememberPassed } from './extender-judge.js';
import {
  type Alloc,
  AnswerBuffers,
  FilterAnswers,
  hostPriorityBody,
  NodeJsonCache,
  NodeNamesCache,
  filterBody,
  freshBuffer,
  prioritizeBody,
} from './extender-wire.js';

export interface ExtenderDeps {
  state: () => PlacerState;
  metrics: Metrics;
  limits: BodyLimits;
  /** Creates the pod's Binding in the API server after placer committed it; absent: placer only records. */
  binder?: BindingPort;
  /** Kubernetes mode: its bind instead of placer's own. */
  kube?: KubernetesPort;
  /** Where preemption vetoes are logged. */
  logger?: Logger;
  /** Who picks among the nodes that pass the filter (extender-choice.ts; default kube-scheduler). */
  choice?: ExtenderChoice;
  /**
   * kube-scheduler's profile scores ImageLocality (default true): placer then chooses only where
   * it gives every passing node 0 (state/node-images.ts).
   */
  imageLocality?: boolean;
}

const JSON_TYPE = { 'content-type': 'application/json' };

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
  const passedMemo = new PassedMemo();
  const choosing = deps.choice === 'placer';
  // placer's choice must not skip an ImageLocality that tells the passing nodes apart
  const imagesCount = choosing && deps.imageLocality !== false;
  const imagesMayCount = (state: PlacerState, pod: unknown, names: readonly string[], pass: Uint8Array): boolean => {
    if (!imagesCount || state.nodeImages.size === 0) return false;
    const images = state.nodeImages.lookup(podImages(pod));
    if (images === null) return false;
    for (let i = 0; i < names.length; i++) if (pass[i] && state.nodeImages.mayScore(names[i], images)) return true;
    return false;
  };
  const choices = new Choices();
  // Kubernetes mode: a pod the watch shows bound is placer's to count too, whoever bound it (a
  // kube-scheduler without bindVerb binds by itself)
  if (choosing) deps.kube?.onPodBound((namespace, name) => choices.bound(podKey(namespace, name)));
  const timed = (verb: string, start: number, ok: boolean): void => {
    deps.metrics.extenderDuration.observe({ verb, result: ok ? 'success' : 'error' }, (performance.now() - start) / 1000);
  };

  app.post('/filter', takes(), async (c) => {
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
      if (args.mode === 'Nodes' && imagesCount) for (const o of args.nodes) state.nodeImages.set(o);
      const t = received.head ? state.podTemplateCached(received.head.text, args.pod, 'Pod') : state.podTemplate(args.pod, 'Pod');
      const list = received.head?.list;
      const j = judge(state, t, args.names, list ? list.slots(state.engine) : null, bad, memo, choosing);
      const passed = j.n - j.failIdx.length; // every node passes or fails, once
      let response: Response;
      /** Nodes mode: a passing Node's JSON, as kube-scheduler sent it. */
      const nodeJson = (i: number) => nodeJsonCache.json(args.nodes[i], args.names[i]);
      const pod = choosing && passed > 0 ? podKey(t.namespace, t.instances[0].name) : '';
      const chosen =
        pod !== '' && passed > 1 && j.chosen >= 0 && choices.mayChoose(pod) && !imagesMayCount(state, args.pod, args.names, j.pass)
          ? j.chosen
          : -1;
      if (passed > 1) deps.metrics.extenderChoices.inc({ by: chosen >= 0 ? 'placer' : 'kube-scheduler' });
      if (pod !== '') choices.passed(pod);
      if (chosen >= 0) {
        // the other passing nodes are left out of both maps: kube-scheduler takes the one as it is
        memo.passed = null;
        response = c.body(filterBody(args.mode, args.listMeta, [args.names[chosen]], nodeJson, [chosen], {}, {}), 200, JSON_TYPE);
      } else if (list && list.distinct) response = c.body(filterAnswers.answer(list, j), 200, JSON_TYPE);
      else {
        const failed: Record<string, string> = {};
        const unresolvable: Record<string, string> = {};
        j.failIdx.forEach((i, k) => ((j.failResolvable[k] ? failed : unresolvable)[args.names[i]] = j.failMsg[k]));
        const pass: number[] = [];
        for (let i = 0; i < j.n; i++) if (j.pass[i]) pass.push(i);
        const passing = args.mode === 'NodeNames' ? pass.map((i) => args.names[i]) : [];
        const listJson = args.mode === 'NodeNames' ? passedMemo.remember(received, passing, j.failIdx.length === 0) : undefined;
        if (listJson) rememberPassed(memo, passing, j);
        else memo.passed = null;
        response = c.body(filterBody(args.mode, args.listMeta, passing, nodeJson, pass, failed, unresolvable, listJson), 200, JSON_TYPE);
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

  app.post('/prioritize', takes(), async (c) => {
    const received = await receiveArgs(c, deps.limits.extender, namesCache, headMemo, passedMemo);
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
      const j = judge(state, t, args.names, list ? list.slots(state.engine) : null, bad, memo, choosing);
      const response = list
        ? c.body(prioritizeBody(list, j, answerAlloc(c, prioritizeBuffers)), 200, JSON_TYPE)
        : c.body(hostPriorityBody(args.names, j.score), 200, JSON_TYPE);
      timed('prioritize', start, true);
      return response;
    } catch (err) {
      timed('prioritize', start, false);
      // HostPriorityList has no error field: a non-200 is the only way to say it (kube-scheduler logs and ignores it)
      if (err instanceof ArgsError) throw badRequest(err.message);
      throw err;
    }
  });

  app.post('/preempt', takes(), async (c) => {
    const body = await jsonBody(c, deps.limits.extender);
    const start = performance.now();
    const state = deps.state();
    try {
      if (!isObj(body)) throw badRequest('ExtenderPreemptionArgs must be a JSON object');
      const pod = goField(body, 'Pod');
      if (!isObj(pod)) throw new ArgsError('ExtenderPreemptionArgs.Pod is missing');
      const t = state.podTemplate(pod, 'Pod');
      const candidates = readVictims(body, state);
      const out: Record<string, { Pods: { UID: string }[]; NumPDBViolations: number }> = {};
      // every vetoed node is logged with placer's reason: the pod's event only says "no candidate node for preemption"
      const md = isObj(pod.metadata) ? pod.metadata : {};
      const who = `${typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default'}/${String(md.name ?? '')}`;
      for (const [node, { victims, given }] of candidates) {
        // kube-scheduler requires at least one victim per node
        const veto = victims.length === 0 ? 'no victims proposed' : state.fitsAfterEvicting(t, node, victims);
        if (veto !== null) {
          deps.logger?.info({ pod: who, node, victims: victims.length, reason: veto }, 'preemption vetoed on this node');
          continue;
        }
        out[node] = { Pods: victims.map((v) => ({ UID: v.uid })), NumPDBViolations: Math.max(given, state.pdbViolations(victims)) };
      }
      if (candidates.size > 0 && Object.keys(out).length === 0)
        deps.logger?.info({ pod: who, candidates: candidates.size }, 'preemption vetoed on every candidate node');
      timed('preempt', start, true);
      return c.json({ NodeNameToMetaVictims: out });
    } catch (err) {
      timed('preempt', start, false);
      if (err instanceof ArgsError) throw badRequest(err.message);
      throw err;
    }
  });

  app.post('/bind', takes(), async (c) => {
    const body = await jsonBody(c, deps.limits.extender);
    const start = performance.now();
    if (!isObj(body)) throw badRequest('ExtenderBindingArgs must be a JSON object');
    const str = (k: string): string => {
      const v = goField(body, k);
      return typeof v === 'string' ? v : '';
    };
    const [name, namespace, uid, node] = [str('PodName'), str('PodNamespace') || 'default', str('PodUID'), str('Node')];
    // from here to the ledger's answer nothing waits: the next filter's choice counts this pod
    if (choosing) choices.bound(podKey(namespace, name));
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
    const answer = error === '' ? '' : error.startsWith('placer') ? error : `placer: ${error}`;
    c.set('auditObject', `pod ${namespace}/${name} to node ${node}`);
    if (answer !== '') c.set('auditError', answer);
    return c.json({ Error: answer });
  });

  return app;
}
