// The fake API server's storage: etcd-like revisions, a bounded event history and watchers.
//
// One global revision counter (etcd's): every write bumps it and stamps the written object's
// metadata.resourceVersion. The history keeps the last `historyLimit` events; a watch from a
// revision older than the oldest retained one is "too old" (410 Expired), as with a compacted
// etcd or a rolled-over watch cache. Objects are stored and handed out as deep copies.

import { randomUUID } from 'node:crypto';

export type Obj = Record<string, unknown>;

/** A resource the fake serves: enough of its REST mapping to route and list it. */
export interface ResourceType {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
  /** The registry strategy's AllowUnconditionalUpdate: a PUT without metadata.resourceVersion is accepted (else 422). */
  unconditionalUpdate: boolean;
  /** The registry strategy's AllowCreateOnUpdate: a PUT of a missing object creates it (else 404). */
  createOnUpdate: boolean;
}

export const RESOURCES: readonly ResourceType[] = [
  // the built-in strategies allow unconditional updates and no create on update, except Lease's
  // (pkg/registry/coordination/lease/strategy.go); custom resources allow neither
  { group: '', version: 'v1', plural: 'nodes', kind: 'Node', namespaced: false, unconditionalUpdate: true, createOnUpdate: false },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod', namespaced: true, unconditionalUpdate: true, createOnUpdate: false },
  {
    group: '',
    version: 'v1',
    plural: 'namespaces',
    kind: 'Namespace',
    namespaced: false,
    unconditionalUpdate: true,
    createOnUpdate: false,
  },
  {
    group: '',
    version: 'v1',
    plural: 'resourcequotas',
    kind: 'ResourceQuota',
    namespaced: true,
    unconditionalUpdate: true,
    createOnUpdate: false,
  },
  {
    group: 'scheduling.k8s.io',
    version: 'v1',
    plural: 'priorityclasses',
    kind: 'PriorityClass',
    namespaced: false,
    unconditionalUpdate: true,
    createOnUpdate: false,
  },
  {
    group: 'policy',
    version: 'v1',
    plural: 'poddisruptionbudgets',
    kind: 'PodDisruptionBudget',
    namespaced: true,
    unconditionalUpdate: true,
    createOnUpdate: false,
  },
  {
    group: 'placer.dev',
    version: 'v1alpha1',
    plural: 'namespacepolicies',
    kind: 'NamespacePolicy',
    namespaced: true,
    unconditionalUpdate: false,
    createOnUpdate: false,
  },
  // vm-operator's CRDs, at their storage version (service/apiserver/resources.ts reads them there)
  {
    group: 'vmoperator.vmware.com',
    version: 'v1alpha6',
    plural: 'virtualmachines',
    kind: 'VirtualMachine',
    namespaced: true,
    unconditionalUpdate: false,
    createOnUpdate: false,
  },
  {
    group: 'vmoperator.vmware.com',
    version: 'v1alpha6',
    plural: 'virtualmachineclasses',
    kind: 'VirtualMachineClass',
    namespaced: true,
    unconditionalUpdate: false,
    createOnUpdate: false,
  },
  {
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    kind: 'Lease',
    namespaced: true,
    unconditionalUpdate: false,
    createOnUpdate: true,
  },
];

export const apiVersionOf = (r: ResourceType): string => (r.group === '' ? r.version : `${r.group}/${r.version}`);
/** "pods", "leases.coordination.k8s.io": how Status messages name a resource (GroupResource.String()). */
export const groupResource = (r: ResourceType): string => (r.group === '' ? r.plural : `${r.plural}.${r.group}`);

/**
 * The object's etcd key as kube-apiserver's default storage prefixes make it (built-in resources
 * under /registry/<resource> — Nodes under their historical "minions" — custom resources under
 * /registry/<group>/<plural>): the API server quotes it in a storage precondition failure.
 */
export function etcdKey(r: ResourceType, namespace: string, name: string): string {
  const prefix =
    r.kind === 'Node' ? 'minions' : r.group.includes('.') && !r.group.endsWith('.k8s.io') ? `${r.group}/${r.plural}` : r.plural;
  return `/registry/${prefix}/${r.namespaced ? `${namespace}/` : ''}${name}`;
}

/**
 * 409 for a failed UID precondition (the object was deleted and created again under its name):
 * the storage layer's "invalid object" error that the registry wraps in a Conflict.
 */
export function uidPreconditionFailed(r: ResourceType, namespace: string, name: string, want: string, have: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${groupResource(r)} "${name}": StorageError: invalid object, Code: 4, Key: ${etcdKey(r, namespace, name)}, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: ${want}, UID in object meta: ${have}`,
    { name, ...(r.group && { group: r.group }), kind: r.plural },
  );
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredEvent {
  rv: number;
  type: EventType;
  resource: ResourceType;
  object: Obj;
}

export interface Watcher {
  resource: ResourceType;
  namespace: string | undefined;
  send(type: EventType | 'BOOKMARK' | 'ERROR', object: Obj): void;
  close(): void;
}

/** Thrown by writes; the server turns it into a Status response. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: Obj,
  ) {
    super(message);
  }
}

export function status(code: number, reason: string, message: string, details?: Obj): Obj {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details && { details }), code };
}

const md = (o: Obj): Obj => {
  if (typeof o.metadata !== 'object' || o.metadata === null) o.metadata = {};
  return o.metadata as Obj;
};

const keyOf = (r: ResourceType, namespace: string, name: string): string =>
  `${r.plural}\u0000${r.namespaced ? namespace : ''}\u0000${name}`;

export class FakeStorage {
  private rev = 1;
  private readonly objects = new Map<string, { resource: ResourceType; object: Obj }>();
  private history: StoredEvent[] = [];
  /** Revisions up to this one are gone from the history: a watch from before it is too old. */
  private compactedRv = 1;
  readonly watchers = new Set<Watcher>();

  constructor(private readonly historyLimit: number) {}

  get resourceVersion(): number {
    return this.rev;
  }

  get oldestWatchable(): number {
    return this.compactedRv;
  }

  get(r: ResourceType, namespace: string, name: string): Obj | undefined {
    const e = this.objects.get(keyOf(r, namespace, name));
    return e && structuredClone(e.object);
  }

  /** Current objects of a resource, sorted by namespace then name (etcd key order). */
  list(r: ResourceType, namespace?: string): Obj[] {
    const out: Obj[] = [];
    for (const e of this.objects.values()) {
      if (e.resource !== r) continue;
      const m = e.object.metadata as Obj;
      if (namespace !== undefined && m.namespace !== namespace) continue;
      out.push(structuredClone(e.object));
    }
    return out.sort((a, b) => cmp(sortKey(a), sortKey(b)));
  }

  /** Events of a resource after `rv`; throws 410 when `rv` is older than the retained history. */
  since(r: ResourceType, rv: number, namespace: string | undefined): StoredEvent[] {
    if (rv < this.compactedRv) throw new ApiError(410, 'Expired', `too old resource version: ${rv} (${this.compactedRv})`);
    return this.history.filter(
      (e) => e.resource === r && e.rv > rv && (namespace === undefined || (e.object.metadata as Obj).namespace === namespace),
    );
  }

  create(r: ResourceType, obj: Obj): Obj {
    const o = structuredClone(obj);
    const m = md(o);
    const name = m.name;
    if (typeof name !== 'string' || name === '')
      throw new ApiError(422, 'Invalid', `${r.kind} "" is invalid: metadata.name: Required value: name or generateName is required`, {
        kind: r.kind,
      });
    if (r.namespaced) m.namespace = typeof m.namespace === 'string' && m.namespace !== '' ? m.namespace : 'default';
    else delete m.namespace;
    const key = keyOf(r, (m.namespace as string) ?? '', name);
    if (this.objects.has(key))
      throw new ApiError(409, 'AlreadyExists', `${groupResource(r)} "${name}" already exists`, {
        name,
        ...(r.group && { group: r.group }),
        kind: r.plural,
      });
    o.apiVersion = apiVersionOf(r);
    o.kind = r.kind;
    m.uid = typeof m.uid === 'string' && m.uid !== '' ? m.uid : randomUUID();
    m.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    delete m.deletionTimestamp;
    return this.write(r, key, 'ADDED', o);
  }

  /**
   * Replace an object. With metadata.resourceVersion set it must match the stored one (optimistic
   * concurrency, 409 otherwise); without it the update is unconditional.
   */
  update(r: ResourceType, obj: Obj): Obj {
    const o = structuredClone(obj);
    const m = md(o);
    const name = String(m.name ?? '');
    const ns = r.namespaced ? String(m.namespace ?? 'default') : '';
    const key = keyOf(r, ns, name);
    const cur = this.objects.get(key);
    if (!cur) throw notFound(r, name);
    const curMd = cur.object.metadata as Obj;
    // a metadata.uid in the body is a precondition, checked before the resourceVersion (the
    // storage layer checks preconditions, then the registry compares versions)
    if (m.uid !== undefined && m.uid !== '' && m.uid !== curMd.uid)
      throw uidPreconditionFailed(r, ns, name, String(m.uid), String(curMd.uid));
    if (m.resourceVersion !== undefined && m.resourceVersion !== '' && m.resourceVersion !== curMd.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${groupResource(r)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        {
          name,
          ...(r.group && { group: r.group }),
          kind: r.plural,
        },
      );
    }
    o.apiVersion = apiVersionOf(r);
    o.kind = r.kind;
    m.uid = curMd.uid;
    m.creationTimestamp = curMd.creationTimestamp;
    if (r.namespaced) m.namespace = ns;
    return this.write(r, key, 'MODIFIED', o);
  }

  delete(r: ResourceType, namespace: string, name: string): Obj {
    const key = keyOf(r, namespace, name);
    const cur = this.objects.get(key);
    if (!cur) throw notFound(r, name);
    this.objects.delete(key);
    const o = structuredClone(cur.object);
    this.rev++;
    md(o).resourceVersion = String(this.rev);
    this.record({ rv: this.rev, type: 'DELETED', resource: r, object: o });
    return structuredClone(o);
  }

  private write(r: ResourceType, key: string, type: EventType, o: Obj): Obj {
    this.rev++;
    md(o).resourceVersion = String(this.rev);
    this.objects.set(key, { resource: r, object: o });
    this.record({ rv: this.rev, type, resource: r, object: structuredClone(o) });
    return structuredClone(o);
  }

  private record(e: StoredEvent): void {
    this.history.push(e);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.compactedRv = dropped[dropped.length - 1].rv;
    }
    const ns = (e.object.metadata as Obj).namespace;
    for (const w of this.watchers) {
      if (w.resource === e.resource && (w.namespace === undefined || w.namespace === ns)) w.send(e.type, structuredClone(e.object));
    }
  }

  /** Forget the whole history, as an etcd compaction does: every watch from an earlier revision is too old. */
  compact(): void {
    this.history = [];
    this.compactedRv = this.rev;
  }
}

export function notFound(r: ResourceType, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${groupResource(r)} "${name}" not found`, {
    name,
    ...(r.group && { group: r.group }),
    kind: r.plural,
  });
}

function sortKey(o: Obj): string {
  const m = o.metadata as Obj;
  return `${String(m.namespace ?? '')}/${String(m.name)}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
