// The extender's bind in Kubernetes mode: kube-scheduler delegated binding (bindVerb), so placer
// creates the pod's Binding — POST /api/v1/namespaces/{ns}/pods/{name}/binding, the request of
// kube-scheduler's DefaultBinder, with the pod's UID as a precondition — and answers
// ExtenderBindingResult.Error.
//
//   1. a pod the API already shows bound: to this node, done (a replayed bind); elsewhere, an error;
//   2. a pod re-created under the same name (kube-scheduler names a new UID) is a new pod: the
//      incarnation placer still holds — its deletion may not have reached placer yet — is released
//      for the check; the Binding's UID precondition settles which is current, and a failed bind
//      holds it again;
//   3. check and reserve in the ledgers (placer's rules, as the standalone bind) — the reservation
//      holds the capacity while the POST is in flight, so that two binds cannot both take the last
//      slot of a host (kube-scheduler's "assume");
//   4. POST (KubeClient.post, on connections of its own, as scheduler mode's Bindings): 201
//      commits the placement (the watch then confirms it); 409 "already assigned to node <this
//      node>" is success once the watch shows the pod there with this UID (a bind the API took
//      but whose answer was lost);
//      anything else, or no answer at all and a pod that is not bound there, gives the
//      reservation back — the ledgers end as they were — and the error goes to kube-scheduler.
//
// Any replica binds what its kube-scheduler asks (the one beside it, deploy/): the API server
// arbitrates — a second Binding of a pod is a 409, and the UID precondition refuses a stale pod.
// Preemption victims are not deleted here: kube-scheduler deletes them, and the pod watch
// releases them when the API says they are gone.

import type { Logger } from 'pino';
import type { PlacerState } from '../state/state.js';
import type { KubeClient, Obj } from './client.js';
import type { BindResult, KubeMetrics } from './metrics.js';
import { podReads } from '../state/pod-reads.js';
import { podBindingJson, podBindingPath } from './resources.js';
import type { KubeSync } from './sync.js';

export class KubeBinder {
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(
    private readonly client: KubeClient,
    private readonly state: () => PlacerState,
    private readonly sync: KubeSync,
    private readonly log: Logger,
    private readonly metrics: KubeMetrics | undefined,
    /** The Binding POST's deadline; with confirmMs within kube-scheduler's 5 s extender timeout. */
    private readonly timeoutMs = 3000,
    /** How long an unknown outcome (409, no answer) waits for the pod watch. */
    private readonly confirmMs = 1500,
  ) {}

  /** Bind; resolves with '' when the pod is bound to `node`, else the error for ExtenderBindingResult. */
  async bind(name: string, namespace: string, uid: string, node: string): Promise<string> {
    const key = `${namespace}/${name}`;
    const running = this.inFlight.get(key);
    if (running) {
      // the same pod twice at once (a retry overtaking its original): the second follows the first
      await running;
      const api = this.sync.apiPlacement(namespace, name);
      const held = this.state().heldPod(namespace, name);
      return (api?.node ?? held?.host) === node ? '' : `placer: pod ${key} was being bound concurrently and is not on node ${node}`;
    }
    const p = this.run(name, namespace, uid, node);
    this.inFlight.set(key, p);
    try {
      return await p;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private done(result: BindResult, error: string): string {
    this.metrics?.bindings.inc({ result });
    return error;
  }

  private async run(name: string, namespace: string, uid: string, node: string): Promise<string> {
    const key = `${namespace}/${name}`;
    const api = this.sync.apiPlacement(namespace, name);
    if (api && (uid === '' || api.uid === uid)) {
      return api.node === node
        ? this.done('bound', '')
        : this.done('refused', `placer: pod ${key} is already assigned to node ${api.node}`);
    }
    const state = this.state();
    // a pod re-created under the same name: kube-scheduler names a new UID while placer still holds
    // the previous incarnation (its deletion has not reached placer yet — a watch that fell behind).
    // It is released for the check, and the Binding's UID precondition settles which one is
    // current: a bind that fails holds it again, as it was.
    const held = state.heldPod(namespace, name);
    const previous = uid !== '' && held && held.uid !== null && held.uid !== uid ? held : undefined;
    if (previous) {
      state.mirrorGone('Pod', namespace, name, previous.uid!);
      this.log.info({ pod: key, uid, previous: previous.uid }, 'pod re-created under the same name: its previous incarnation is released');
    }
    const putBack = (): void => {
      if (previous && !state.heldPod(namespace, name)) state.mirrorRestore(previous);
    };
    // the pod's spec: from a filter this replica served, else from the pod watch (this incarnation's)
    const pending = this.sync.pendingPod(namespace, name);
    const pendingUid = (pending?.metadata as { uid?: unknown } | undefined)?.uid;
    let from: { pod: Obj; reads: string } | undefined;
    if (pending && (uid === '' || pendingUid === uid) && !state.heldPod(namespace, name)) {
      try {
        // the filter's template when the watch's version reads the same: parsed once per pod
        const reads = podReads(pending);
        state.pendingPodTemplate(pending, reads);
        from = { pod: pending, reads };
      } catch {
        // unreadable: state.bind reports that it does not know the pod
      }
    }
    const { error, created } = state.bind(name, namespace, uid, node);
    if (error !== '') {
      putBack();
      return this.done('refused', error.startsWith('placer') ? error : `placer: ${error}`);
    }
    this.sync.assume(namespace, name, uid);
    if (created && from) this.sync.heldFrom(from.pod, from.reads);
    const undo = (): void => {
      this.sync.forget(namespace, name);
      // give the reservation back, unless the API shows this pod there meanwhile
      const api = this.sync.apiPlacement(namespace, name);
      if (created && !(api && (uid === '' || api.uid === uid))) state.mirrorGone('Pod', namespace, name, uid || undefined);
      putBack();
    };
    const json = podBindingJson(namespace, name, uid, node);
    let failure: string;
    try {
      const r = await this.client.post(podBindingPath(namespace, name), json, this.timeoutMs);
      if (r.code === 201 || r.code === 200) {
        this.log.debug({ pod: key, node }, 'bound');
        return this.done('bound', '');
      }
      const message = String(r.body?.message ?? '');
      failure = `the API server refused the Binding of pod ${key} to node ${node}: ${r.code} ${String(r.body?.reason ?? '')}: ${message}`;
      // a 409 is ours only if the pod is already on this very node (a UID precondition failure, a
      // pod being deleted or on another node are final): then the watch tells whether it is this UID
      const assigned = /is already assigned to node "(.*)"$/.exec(message);
      if (r.code === 409 && assigned?.[1] === node && (await this.boundThere(namespace, name, uid, node))) return this.done('bound', '');
    } catch (err) {
      // no answer: the API server may have taken it
      failure = `creating the Binding of pod ${key} to node ${node} failed: ${err instanceof Error ? err.message : String(err)}`;
      if (await this.boundThere(namespace, name, uid, node)) return this.done('bound', '');
    }
    undo();
    this.log.warn({ pod: key, node, err: failure }, 'bind failed');
    return this.done('refused', `placer: ${failure}`);
  }

  private boundThere(namespace: string, name: string, uid: string, node: string): Promise<boolean> {
    return boundThere(this.sync, namespace, name, uid, node, this.confirmMs);
  }
}

/**
 * Does the API show the pod (this UID) on `node`? Read from the pod watch, waiting up to
 * `confirmMs` for it to catch up (the ClusterRole grants no `get` on pods: list and watch are enough).
 */
export async function boundThere(
  sync: KubeSync,
  namespace: string,
  name: string,
  uid: string,
  node: string,
  confirmMs: number,
): Promise<boolean> {
  const deadline = performance.now() + confirmMs;
  for (;;) {
    const api = sync.apiPlacement(namespace, name);
    // another incarnation's entry is not an answer: wait for this one's
    if (api && (uid === '' || api.uid === uid)) return api.node === node;
    if (performance.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
