// The pending table of the store (schema 2) and the pending set's retry bookkeeping: rows upserted
// and deleted in the change that makes them, shapes shared with placements and kept while either
// references them, a schema-1 store upgraded on open; marks, kube-scheduler's backoff and the
// retry order. A real SQLite file in a temporary directory.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkloadTemplate } from '../../model/types.js';
import { PendingSet, type PendingWorkload } from '../../service/state/pending.js';
import { SCHEMA_VERSION, Store, type StoredPending, type StoredPlacement } from '../../service/state/store.js';

const row = (name: string, shape: string, attempts = 1): StoredPending => ({
  kind: 'Pod',
  namespace: 'team-a',
  name,
  uid: null,
  shape,
  owner: 'Deployment/web',
  reason: 'exceeded quota: q',
  grade: 'UnschedulableAndUnresolvable',
  since: '2026-01-01T00:00:00.000Z',
  lastAttempt: '2026-01-01T00:00:00.000Z',
  attempts,
});
const placement = (name: string, shape: string): StoredPlacement => ({
  kind: 'Pod',
  namespace: 'team-a',
  name,
  uid: null,
  host: 'esx-01',
  owner: 'Deployment/web',
  origin: 'retry',
  shape,
});
const key = (name: string) => ({ kind: 'Pod', namespace: 'team-a', name });

describe('Store: the pending table', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'placer-pending-'));
    store = Store.open(dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const bodies = () => [...store.shapes().values()].sort();

  it('rows are upserted, survive a reopen, and a placement that replaces one shares its shape', () => {
    store.commit({ putPending: [row('a', '{"s":1}'), row('b', '{"s":1}')] });
    store.commit({ putPending: [row('a', '{"s":1}', 2)] });
    store.close();
    store = Store.open(dir);
    expect(store.pendingRows().map((r) => [r.name, r.attempts])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
    expect(store.isEmpty()).toBe(false);
    // a retry places a: the pending row goes and the placement comes in one change; the shape stays
    store.commit({ deletePending: [key('a')], putPlacements: [placement('a', '{"s":1}')] });
    expect(bodies()).toEqual(['{"s":1}']);
    store.commit({ deletePending: [key('b')] });
    expect(bodies()).toEqual(['{"s":1}']);
    store.commit({ deletePlacements: [key('a')] });
    expect(bodies()).toEqual([]);
  });

  it('a shape only pending rows reference is kept on open, and dropped with the last row', () => {
    store.commit({ putPending: [row('a', '{"s":1}')] });
    store.close();
    store = Store.open(dir);
    expect(bodies()).toEqual(['{"s":1}']);
    // a row recorded again with another shape releases the old one
    store.commit({ putPending: [row('a', '{"s":2}')] });
    expect(bodies()).toEqual(['{"s":2}']);
    store.commit({ deletePending: [key('a')] });
    expect(bodies()).toEqual([]);
    expect(store.isEmpty()).toBe(true);
  });

  it('a schema-1 store (no pending table) is upgraded on open, its placements kept', () => {
    store.commit({ putPlacements: [placement('a', '{"s":1}')] });
    store.close();
    const db = new Database(join(dir, 'placer.db'));
    db.exec("DROP TABLE pending; UPDATE meta SET value = '1' WHERE key = 'schema'");
    db.close();
    store = Store.open(dir);
    expect(store.pendingRows()).toEqual([]);
    store.commit({ putPending: [row('b', '{"s":1}')] });
    expect(store.placementCount()).toBe(1);
    store.close();
    const check = new Database(join(dir, 'placer.db'));
    expect(check.prepare("SELECT value FROM meta WHERE key = 'schema'").pluck().get()).toBe(String(SCHEMA_VERSION));
    check.close();
    store = Store.open(dir);
  });

  it('a store of a newer schema is refused, naming both', () => {
    store.close();
    const db = new Database(join(dir, 'placer.db'));
    db.exec("UPDATE meta SET value = '99' WHERE key = 'schema'");
    db.close();
    expect(() => Store.open(dir)).toThrow(/store schema 99 is not supported by this placer \(schema 2\)/);
    const fix = new Database(join(dir, 'placer.db'));
    fix.exec(`UPDATE meta SET value = '${SCHEMA_VERSION}' WHERE key = 'schema'`);
    fix.close();
    store = Store.open(dir);
  });
});

describe('PendingSet: marks, backoff and the retry order', () => {
  const template = { kind: 'Pod', namespace: 'ns', instances: [] } as unknown as WorkloadTemplate;
  const at = (ms: number) => new Date(ms).toISOString();
  const pw = (name: string, namespace: string, priority: number, attempts: number, lastAttempt: number): PendingWorkload => ({
    namespace,
    kind: 'Pod',
    name,
    owner: null,
    uid: null,
    reason: 'r',
    grade: 'Unschedulable',
    since: at(0),
    lastAttempt: at(lastAttempt),
    attempts,
    template,
    instance: 0,
    shape: '{}',
    priority,
  });

  it('backs off as kube-scheduler does: 1 s after the first attempt, doubled per attempt, at most 10 s', () => {
    const s = new PendingSet();
    expect([1, 2, 3, 4, 5, 9].map((n) => s.dueAt(pw('a', 'ns', 0, n, 0)))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('only marked workloads whose backoff passed are taken, highest priority first, then in the order marked', () => {
    const s = new PendingSet();
    let woken = 0;
    s.onMark = () => woken++;
    s.record(pw('low-old', 'a', 1, 1, 0));
    s.record(pw('high', 'a', 100, 1, 0));
    s.record(pw('low-new', 'a', 1, 1, 0));
    s.record(pw('waiting', 'a', 1000, 4, 0)); // due at 8 s
    s.record(pw('other-ns', 'b', 1000, 1, 0));
    s.mark('a');
    expect(woken).toBe(1);
    expect(s.markedCount).toBe(4);
    const first = s.takeDue(5000);
    expect(first.due.map((p) => p.name)).toEqual(['high', 'low-old', 'low-new']);
    expect(first.next).toBe(8000);
    expect(s.takeDue(5000).due).toEqual([]);
    expect(s.takeDue(8000).due.map((p) => p.name)).toEqual(['waiting']);
    // nothing marked: nothing taken, not even what is due
    expect(s.takeDue(60_000)).toEqual({ due: [], next: Infinity });
    // a forgotten workload is never taken; marking an empty namespace wakes nobody
    s.mark();
    s.forget('Pod', 'b', 'other-ns');
    expect(s.takeDue(60_000).due.map((p) => p.name)).toEqual(['waiting', 'high', 'low-old', 'low-new']);
    s.mark('nobody');
    expect(woken).toBe(2);
  });
});
