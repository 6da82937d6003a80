// Kubernetes mode's store (MEMORY) counts its commits and writes no rows: the API server is the
// record, and the state's own tables answer. An on-disk store writes the same change.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MEMORY, Store, type Change } from '../../service/state/store.js';

const change: Change = {
  putObjects: [{ kind: 'Node', namespace: '', name: 'esx-01', manifest: '{"kind":"Node"}' }],
  putPlacements: [
    { kind: 'Pod', namespace: 'team-a', name: 'web-0', uid: 'uid-web-0', host: 'esx-01', owner: null, origin: 'bind', shape: '{"s":1}' },
  ],
};

describe('the MEMORY store', () => {
  it('counts a commit (the ETags change) and keeps no row', () => {
    const s = Store.open(MEMORY);
    s.commit(change);
    s.commit(change); // the same placement twice: nothing is written, so nothing conflicts
    expect(s.generation).toBe(2);
    expect(s.isEmpty()).toBe(true);
    expect(s.shapeCount).toBe(0);
    s.close();
  });

  it('an on-disk store writes the change', () => {
    const dir = mkdtempSync(join(tmpdir(), 'placer-store-'));
    try {
      const s = Store.open(dir);
      s.commit(change);
      expect(s.generation).toBe(1);
      expect(s.objects().map((o) => o.name)).toEqual(['esx-01']);
      expect(s.placementCount()).toBe(1);
      expect(s.shapeCount).toBe(1);
      s.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
