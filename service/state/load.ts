// A restart rebuilds the engine from the store: infrastructure objects through the same adapters
// as the CLI and into the engine through the infrastructure table, then every placement bound
// back, one shape (template) at a time, into the engine and the held table; then the pending
// workloads, one template per shape and owner, as apply left them.

import type { Engine } from '../../core-wasm/src/engine.js';
import type { WorkloadInstance, WorkloadTemplate } from '../../model/types.js';
import type { UnplacedEntry } from '../placement/result.js';
import { parseManifests, parseText, resolveInput, type Manifest } from '../manifests/index.js';
import { HeldTable, type HeldRun } from './held.js';
import { entriesOf, InfraTable, syncEngine } from './infra.js';
import type { PendingWorkload } from './pending.js';
import { templateOf } from './shapes.js';
import type { Store } from './store.js';

export interface Loaded {
  infra: InfraTable;
  held: HeldTable;
}

/**
 * Load what `store` holds into `engine` (a new one), yielding between batches: each yield is a
 * point where the caller may pause.
 */
export function* loadFromStore(store: Store, engine: Engine, opts: { cpuMhzPerCore: number }): Generator<void, Loaded> {
  const held = new HeldTable();
  const rows = store.objects();
  // parseText, not JSON.parse: long numbers keep every digit
  const manifests: Manifest[] = rows.map((r, doc) => ({
    ...parseText(r.manifest, 'store')[0],
    source: { file: 'store', doc, path: '' },
  }));
  const parsed = parseManifests(manifests);
  const entries = entriesOf(parsed, manifests);
  // checked as apply checks it: the options, and the PriorityClasses the policies name
  resolveInput(parsed, opts);
  const empty = new InfraTable();
  syncEngine(engine, empty, { changed: entries }, []);
  const infra = empty.with({ changed: entries });
  yield;
  const shapes = store.shapes();
  for (const { shapeId, common, rows } of store.placementBatches()) {
    const body = shapes.get(shapeId);
    if (body === undefined) {
      const r = rows[0];
      throw new Error(`store: placement ${common?.kind ?? r[4]} ${common?.namespace ?? r[5]}/${r[0]} references missing shape ${shapeId}`);
    }
    const n = rows.length;
    const names: string[] = new Array(n);
    const uids: (string | null)[] = new Array(n);
    const hosts = new Int32Array(n);
    const instances: WorkloadInstance[] = new Array(n);
    for (let k = 0; k < n; k++) {
      const [name, uid, text] = rows[k];
      // the table's one string per host name, for every instance bound there (each row brings a copy)
      const hid = held.hostId(text);
      const host = held.hostName(hid);
      names[k] = name;
      uids[k] = uid;
      hosts[k] = hid;
      instances[k] = uid !== null ? { name, uid, boundHost: host } : { name, boundHost: host };
    }
    // one template per shape: the engine compiles it, then commits every instance
    engine.bindExisting([templateOf(body, instances)]);
    if (common) {
      held.addRun({ ...common, shape: body }, names, uids, hosts, 0, n);
      yield;
      continue;
    }
    // rows that differ in kind, namespace, owner or origin: the table takes runs that agree
    let start = 0;
    while (start < n) {
      const a = rows[start];
      let end = start + 1;
      while (end < n) {
        const b = rows[end];
        if (b[4] !== a[4] || b[5] !== a[5] || b[6] !== a[6] || b[7] !== a[7]) break;
        end++;
      }
      const run: HeldRun = { kind: a[4]!, namespace: a[5]!, owner: a[6]!, origin: a[7]!, shape: body };
      held.addRun(run, names, uids, hosts, start, end);
      start = end;
    }
    yield;
  }
  return { infra, held };
}

/** The pending workloads the store keeps: the instances of one shape and owner share a template. */
export function loadPending(store: Store, engine: Engine): PendingWorkload[] {
  const rows = store.pendingRows();
  const groups = new Map<string, { t: WorkloadTemplate; priority: number }>();
  const out: PendingWorkload[] = [];
  for (const r of rows) {
    const gk = `${r.owner ?? ''}\u0000${r.shape}`;
    let g = groups.get(gk);
    if (!g) {
      const t = templateOf(r.shape, [], r.owner ?? undefined);
      g = { t, priority: engine.compile(t).priority };
      groups.set(gk, g);
    }
    const instance = g.t.instances.length;
    g.t.instances.push(r.uid !== null ? { name: r.name, uid: r.uid } : { name: r.name });
    out.push({
      namespace: r.namespace,
      kind: r.kind,
      name: r.name,
      owner: r.owner,
      uid: r.uid,
      reason: r.reason,
      grade: r.grade as UnplacedEntry['grade'],
      since: r.since,
      lastAttempt: r.lastAttempt,
      attempts: r.attempts,
      template: g.t,
      instance,
      shape: r.shape,
      priority: g.priority,
    });
  }
  return out;
}
