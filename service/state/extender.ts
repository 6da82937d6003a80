// The extender's use cases over the state: pods as kube-scheduler sends them turned into
// templates (and remembered, so that bind knows what it binds), Nodes it sends refreshing the
// hosts, and bind — placer's rules checked and the placement committed. The preempt checks are
// preempt.ts's.

import { InputError } from '../../model/errors.js';
import type { WorkloadTemplate } from '../../model/types.js';
import { parseManifests } from '../manifests/index.js';
import { resourceVersionOf } from '../manifests/meta.js';
import type { StateCore } from './core.js';
import { heldOf } from './held.js';
import { syncEngine, type InfraEntry, type InfraTable } from './infra.js';
import { nodeManifest } from './manifest-text.js';
import { PodParseMemo, podContentKey } from './pod-parse-memo.js';
import { podReads } from './pod-reads.js';
import { shapeOf } from './shapes.js';

const REQUEST_BODY = 'request body';
/** Distinct pod texts whose templates the extender keeps (filter, prioritize and retries of recent pods). */
const POD_TEXT_CACHE = 256;

/** A parsed extender pod; `priorityClass` when its priority depends on whether placer knows that PriorityClass. */
interface ParsedPod {
  t: WorkloadTemplate;
  priorityClass?: string;
  classKnown: boolean;
}

/**
 * kube-scheduler's pods (and the API server's) carry their resolved priority: one that names a
 * PriorityClass placer does not know gets priority 0, not an error. Whether the class is known;
 * undefined when the pod's priority does not depend on it.
 */
export function settlePodPriority(infra: InfraTable, t: WorkloadTemplate): boolean | undefined {
  if (t.priority !== undefined || t.priorityClassName === undefined) return undefined;
  const known = infra.has('PriorityClass', '', t.priorityClassName);
  if (!known) t.priority = 0;
  return known;
}

export class ExtenderCases {
  /**
   * Templates of pods seen by filter, prioritize or preempt and not bound yet, for bind (LRU by
   * uid, else namespace/name; at most podCacheSize: pods filtered and never bound leave with age).
   */
  private readonly podCache = new Map<string, WorkloadTemplate>();
  /** Pods by the exact request text they came in (podTemplateCached). */
  private readonly podTextCache = new Map<string, ParsedPod>();
  /** Parses by pod content: the pods of one controller are parsed once (pod-parse-memo.ts). */
  private readonly parses = new PodParseMemo(POD_TEXT_CACHE);
  /** What placer read of the pod each template was parsed from (podReads): freed with the template. */
  private readonly readsOf = new WeakMap<WorkloadTemplate, string>();

  constructor(private readonly core: StateCore) {}

  /**
   * A Pod as kube-scheduler sends it (no kind/apiVersion, resolved spec.priority) → its
   * template, remembered for bind. `path` prefixes error field paths (e.g. `Pod`).
   */
  podTemplate(pod: unknown, path: string): WorkloadTemplate {
    const { t } = this.parsePod(pod, path);
    this.rememberPod(t);
    return t;
  }

  /**
   * podTemplate() for a pod known by the exact request text `key` it came in (the extender sends
   * the same pod to filter, prioritize and again on retries): the same text gives the same
   * template, parsed once. The priority fix-up (settlePodPriority) is re-checked on every hit.
   */
  podTemplateCached(key: string, pod: unknown, path: string): WorkloadTemplate {
    const hit = this.podTextCache.get(key);
    if (hit && (hit.priorityClass === undefined || this.core.infra.has('PriorityClass', '', hit.priorityClass) === hit.classKnown)) {
      this.podTextCache.delete(key);
      this.podTextCache.set(key, hit);
      this.rememberPod(hit.t);
      return hit.t;
    }
    const parsed = this.parsePod(pod, path);
    this.rememberPod(parsed.t);
    this.podTextCache.delete(key);
    this.podTextCache.set(key, parsed);
    if (this.podTextCache.size > POD_TEXT_CACHE) this.podTextCache.delete(this.podTextCache.keys().next().value!);
    return parsed.t;
  }

  /**
   * A pending pod as the pod watch has it (Kubernetes mode's bind), `reads` its podReads(): the
   * template a filter or prioritize call parsed for this incarnation when what placer reads of it is
   * the same (kube-scheduler sends the pod its informer has), else parsed now. Remembered for bind.
   */
  pendingPodTemplate(pod: Record<string, unknown>, reads: string): WorkloadTemplate {
    const md = (typeof pod.metadata === 'object' && pod.metadata !== null ? pod.metadata : {}) as Record<string, unknown>;
    const name = typeof md.name === 'string' ? md.name : '';
    const namespace = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default';
    const hit =
      (typeof md.uid === 'string' && md.uid !== '' ? this.podCache.get(md.uid) : undefined) ?? this.podCache.get(`${namespace}/${name}`);
    if (hit && this.readsOf.get(hit) === reads && hit.namespace === namespace && hit.instances[0].name === name) return hit;
    return this.podTemplate(pod, 'Pod');
  }

  private parsePod(pod: unknown, path: string): ParsedPod {
    const obj = (typeof pod === 'object' && pod !== null ? pod : {}) as Record<string, unknown>;
    const key = podContentKey(obj, path);
    let t = key === undefined ? undefined : this.parses.template(key, obj);
    if (t === undefined) {
      const parsed = parseManifests([
        { apiVersion: 'v1', kind: 'Pod', obj: { ...obj, apiVersion: 'v1', kind: 'Pod' }, source: { file: REQUEST_BODY, doc: 0, path } },
      ]);
      t = parsed.workloads[0];
      if (!t)
        throw new InputError({ file: REQUEST_BODY, doc: 0, path }, 'status.phase', 'the pod has terminated; there is nothing to place');
      this.core.dropIgnored(t);
      if (key !== undefined) this.parses.keep(key, t);
    }
    this.readsOf.set(t, podReads(obj));
    const classKnown = settlePodPriority(this.core.infra, t);
    return classKnown === undefined ? { t, classKnown: false } : { t, priorityClass: t.priorityClassName, classKnown };
  }

  private rememberPod(t: WorkloadTemplate): void {
    const inst = t.instances[0];
    const cacheKey = inst.uid ?? `${t.namespace}/${inst.name}`;
    this.podCache.delete(cacheKey);
    this.podCache.set(cacheKey, t);
    if (this.podCache.size > this.core.opts.podCacheSize) this.podCache.delete(this.podCache.keys().next().value!);
  }

  /**
   * A bound pod's template leaves the cache: the held placement answers a replayed bind, and a
   * pod the cache kept after binding would stay until 50,000 newer ones pushed it out.
   */
  private forgetPod(t: WorkloadTemplate): void {
    const inst = t.instances[0];
    if (inst.uid !== undefined && this.podCache.get(inst.uid) === t) this.podCache.delete(inst.uid);
    const byName = `${t.namespace}/${inst.name}`;
    if (this.podCache.get(byName) === t) this.podCache.delete(byName);
  }

  /** Templates the extender keeps: pods seen but not bound (LRU), pod texts (LRU) and pod contents (LRU). */
  cacheEntries(): { pods: number; podTexts: number; podContents: number } {
    return { pods: this.podCache.size, podTexts: this.podTextCache.size, podContents: this.parses.entries };
  }

  /**
   * Upsert hosts from full Node objects (the extender's Nodes mode). Unchanged nodes cost a
   * string comparison (or none: same resourceVersion, same entry); a node that does not parse is
   * reported, not stored.
   */
  refreshNodes(nodes: readonly { obj: Record<string, unknown>; path: string }[]): Map<string, string> {
    const { infra } = this.core;
    const bad = new Map<string, string>();
    const changed: InfraEntry[] = [];
    const versions: { name: string; rv: string }[] = [];
    for (const { obj, path } of nodes) {
      const md = (typeof obj.metadata === 'object' && obj.metadata !== null ? obj.metadata : {}) as Record<string, unknown>;
      const name = typeof md.name === 'string' ? md.name : '';
      const rv = resourceVersionOf(obj) || undefined;
      const current = infra.host(name);
      if (current && rv !== undefined && infra.sameNode(name, rv)) continue;
      const manifest = nodeManifest(obj, name);
      if (current && current.manifest === manifest) {
        if (rv !== undefined) infra.noteNodeVersion(name, rv);
        continue;
      }
      try {
        const parsed = parseManifests([
          { apiVersion: 'v1', kind: 'Node', obj: { ...obj, apiVersion: 'v1', kind: 'Node' }, source: { file: REQUEST_BODY, doc: 0, path } },
        ]);
        const h = parsed.hosts[0];
        changed.push({
          kind: 'Node',
          namespace: '',
          name: h.name,
          manifest: h.name === name ? manifest : nodeManifest(obj, h.name),
          model: h,
        });
        if (rv !== undefined) versions.push({ name: h.name, rv });
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        bad.set(name, `placer cannot read this Node: ${err.message}`);
      }
    }
    if (changed.length === 0) return bad;
    this.core.transact((undo) => {
      syncEngine(this.core.engine, infra, { changed }, undo);
      this.core.store.commit({
        putObjects: changed.map((c) => ({ kind: c.kind, namespace: c.namespace, name: c.name, manifest: c.manifest })),
      });
      infra.update({ changed });
    });
    this.core.pending.mark();
    for (const v of versions) infra.noteNodeVersion(v.name, v.rv);
    return bad;
  }

  /**
   * The extender's bind: commit the pod on `host` if placer's own rules allow it there now.
   * `error` is '' when the pod is bound — also when it already was, to the same host (binding
   * is idempotent; `created` is false then).
   */
  bind(podName: string, namespace: string, uid: string, host: string): { error: string; created: boolean } {
    const { core } = this;
    const h = core.held.get('Pod', namespace, podName);
    const fail = (error: string) => ({ error, created: false });
    if (h) {
      if (h.uid !== null && uid !== '' && h.uid !== uid) {
        return fail(
          `pod ${namespace}/${podName} is already placed on host ${h.host} with uid ${h.uid}; release it before binding uid ${uid}`,
        );
      }
      if (h.host === host) return { error: '', created: false };
      return fail(`pod ${namespace}/${podName} is already bound to host ${h.host}; it cannot be bound to ${host}`);
    }
    const t = (uid !== '' ? this.podCache.get(uid) : undefined) ?? this.podCache.get(`${namespace}/${podName}`);
    if (!t || t.namespace !== namespace || t.instances[0].name !== podName) {
      return fail(
        `placer has not seen pod ${namespace}/${podName} (uid ${uid || 'unknown'}) in a filter or prioritize call since it started; it cannot bind a pod whose resources it does not know`,
      );
    }
    if (!core.engine.hostObj(host)) {
      return fail(
        `placer does not know host ${JSON.stringify(host)}; apply its Node through POST /v1/apply or configure the extender with nodeCacheCapable: false`,
      );
    }
    return core.transact((undo) => {
      const shape = shapeOf(t, core.engine.compile(t).priority);
      const reason = core.engine.tryBind(t, 0, host);
      if (reason !== null) return fail(reason);
      undo.push(() => core.engine.release('Pod', namespace, podName));
      const rec = heldOf(t, podName, uid !== '' ? uid : (t.instances[0].uid ?? null), host, 'bind', shape);
      const wasPending = core.pending.get('Pod', namespace, podName) !== undefined;
      core.store.commit({ putPlacements: [{ ...rec }], ...(wasPending && { deletePending: [{ kind: 'Pod', namespace, name: podName }] }) });
      core.track(rec);
      core.pending.forget('Pod', namespace, podName);
      this.forgetPod(t);
      return { error: '', created: true };
    });
  }
}
