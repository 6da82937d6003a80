// The placements table (held.ts) and the on-disk store forget owners and shapes with their last
// placement: rollouts and Jobs bring new ones all the time, and a long-running placer must not
// keep every one it ever saw. A real SQLite file in a temporary directory.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HeldTable, type Held } from '../../service/state/held.js';
import { Store, type StoredPlacement } from '../../service/state/store.js';

const held = (name: string, shape: string, owner: string | null, host = 'esx-01'): Held => ({
  kind: 'Pod',
  namespace: 'team-a',
  name,
  uid: `uid-${name}`,
  host,
  owner,
  origin: 'apply',
  shape,
});
const stored = (name: string, shape: string, host = 'esx-01'): StoredPlacement => ({
  kind: 'Pod',
  namespace: 'team-a',
  name,
  uid: `uid-${name}`,
  host,
  owner: 'rs-1',
  origin: 'apply',
  shape,
});
const key = (name: string) => ({ kind: 'Pod', namespace: 'team-a', name });

describe('HeldTable: owners and shapes are counted per placement', () => {
  it('a namespace goes with its last placement, and its id is reused clean', () => {
    const t = new HeldTable();
    const inNs = (ns: string, name: string, host = 'esx-01'): Held => ({ ...held(name, '{"v":1}', null, host), namespace: ns });
    t.add(inNs('keep', 'k'));
    for (let r = 0; r < 500; r++) {
      t.add(inNs(`ci-${r}`, 'a', 'esx-01'));
      t.add(inNs(`ci-${r}`, 'b', 'esx-02'));
      t.add(inNs(`ci-${r}`, 'b', 'esx-03')); // replaced in place: the namespace stays
      expect(t.namespaceCount).toBe(2);
      expect(t.remove('Pod', `ci-${r}`, 'a')).toBe(true);
      expect(t.remove('Pod', `ci-${r}`, 'b')).toBe(true);
      expect(t.seenNamespace(`ci-${r}`)).toBe(false);
    }
    expect(t.namespaceCount).toBe(1);
    t.add(inNs('late', 'x', 'esx-02'));
    expect([...t.inNamespace('late')].map((h) => [h.namespace, h.name, h.host])).toEqual([['late', 'x', 'esx-02']]);
    expect(t.namespacesOn('esx-02')).toEqual(new Map([['late', 1]]));
    expect(t.namespacesOn('esx-03')).toEqual(new Map());
    expect(t.get('Pod', 'keep', 'k')?.namespace).toBe('keep');
    expect(t.keyOfUid('uid-x')).toBe('Pod/late/x');
  });

  it('a rollout replaces every placement: the old owner and shape are forgotten, the new ones kept', () => {
    const t = new HeldTable();
    for (let i = 0; i < 3; i++) t.add(held(`web-old-${i}`, '{"v":1}', 'ReplicaSet/web-old'));
    expect(t.distinct).toEqual({ owners: 1, shapes: 1 });
    for (let i = 0; i < 3; i++) t.add(held(`web-new-${i}`, '{"v":2}', 'ReplicaSet/web-new'));
    expect(t.distinct).toEqual({ owners: 2, shapes: 2 });
    for (let i = 0; i < 2; i++) t.remove('Pod', 'team-a', `web-old-${i}`);
    expect(t.distinct).toEqual({ owners: 2, shapes: 2 }); // one old replica still runs
    expect(t.get('Pod', 'team-a', 'web-old-2')).toMatchObject({ owner: 'ReplicaSet/web-old', shape: '{"v":1}' });
    t.remove('Pod', 'team-a', 'web-old-2');
    expect(t.distinct).toEqual({ owners: 1, shapes: 1 });
    expect([...t.values()].map((h) => [h.name, h.owner, h.shape])).toEqual(
      [0, 1, 2].map((i) => [`web-new-${i}`, 'ReplicaSet/web-new', '{"v":2}']),
    );
  });

  it('replacing a placement under the same name releases what it held; the same owner and shape again keep their ids in use', () => {
    const t = new HeldTable();
    t.add(held('job-1-abc', '{"job":1}', 'Job/job-1'));
    t.add(held('job-1-abc', '{"job":1}', 'Job/job-1', 'esx-02')); // re-placed: same owner and shape
    expect(t.distinct).toEqual({ owners: 1, shapes: 1 });
    expect(t.get('Pod', 'team-a', 'job-1-abc')?.host).toBe('esx-02');
    t.add(held('job-1-abc', '{"job":2}', null)); // replaced by a bare pod of another shape
    expect(t.distinct).toEqual({ owners: 0, shapes: 1 });
    expect(t.get('Pod', 'team-a', 'job-1-abc')).toMatchObject({ owner: null, shape: '{"job":2}' });
    // a freed id is reused by the next new name, and answers with that name
    t.add(held('job-3-xyz', '{"job":3}', 'Job/job-3'));
    expect(t.get('Pod', 'team-a', 'job-3-xyz')).toMatchObject({ owner: 'Job/job-3', shape: '{"job":3}' });
    expect(t.get('Pod', 'team-a', 'job-1-abc')).toMatchObject({ owner: null, shape: '{"job":2}' });
    expect(t.size).toBe(2);
  });
});

describe('Store: a shape no placement references is deleted with its last placement', () => {
  let dir: string;
  let store: Store;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'placer-store-'));
    store = Store.open(dir);
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const bodies = () => [...store.shapes().values()].sort();

  it('in the transaction that deletes the last placement, not before', () => {
    store.commit({ putPlacements: [stored('a', '{"s":1}'), stored('b', '{"s":1}'), stored('c', '{"s":2}')] });
    expect(bodies()).toEqual(['{"s":1}', '{"s":2}']);
    store.commit({ deletePlacements: [key('a'), key('c')] });
    expect(bodies()).toEqual(['{"s":1}']);
    store.commit({ deletePlacements: [key('b')] });
    expect(bodies()).toEqual([]);
    // the same shape again is a new row, and survives a restart
    store.commit({ putPlacements: [stored('d', '{"s":1}')] });
    store.close();
    store = Store.open(dir);
    expect(bodies()).toEqual(['{"s":1}']);
    expect([...store.placementBatches()].flatMap((p) => p.rows.map((r) => r[0]))).toEqual(['d']);
  });

  it('a placement that moves (deleted and put again in one change) keeps its shape', () => {
    store.commit({ putPlacements: [stored('a', '{"s":1}', 'esx-01')] });
    store.commit({ deletePlacements: [key('a')], putPlacements: [stored('a', '{"s":1}', 'esx-02')] });
    expect(bodies()).toEqual(['{"s":1}']);
    expect([...store.placementBatches()][0].rows[0][2]).toBe('esx-02');
  });

  it('opening a store that an earlier placer left with unreferenced shapes deletes them', () => {
    store.commit({ putPlacements: [stored('a', '{"s":1}')] });
    store.close();
    const db = new Database(join(dir, 'placer.db'));
    db.prepare('INSERT INTO shapes (body) VALUES (?)').run('{"orphan":true}');
    db.close();
    store = Store.open(dir);
    expect(bodies()).toEqual(['{"s":1}']);
  });

  it('a change that fails deletes nothing, and the shapes it would have dropped are still known', () => {
    store.commit({ putPlacements: [stored('a', '{"s":1}'), stored('b', '{"s":2}')] });
    // deleting a, then placing b a second time: a constraint violation rolls the whole change back
    expect(() => store.commit({ deletePlacements: [key('a')], putPlacements: [stored('b', '{"s":2}')] })).toThrow();
    expect(bodies()).toEqual(['{"s":1}', '{"s":2}']);
    store.commit({ putPlacements: [stored('c', '{"s":1}')] }); // the known id of {"s":1} is still valid
    store.commit({ deletePlacements: [key('a')] });
    expect(bodies()).toEqual(['{"s":1}', '{"s":2}']);
  });
});
