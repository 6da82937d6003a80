// Nodes-mode answers are assembled from each Node's JSON bytes, kept per name and resourceVersion.

import { describe, expect, it } from 'vitest';
import { NodeJsonCache, filterBody } from '../../service/server/routes/extender-wire.js';

const node = (name: string, rv: string | undefined, cpu = '64') => ({
  metadata: { name, ...(rv !== undefined && { resourceVersion: rv }) },
  status: { allocatable: { cpu } },
});

describe('NodeJsonCache', () => {
  it('reuses the bytes of a name at the same resourceVersion, encodes a new version, never keeps a Node without one', () => {
    const c = new NodeJsonCache();
    const a = c.json(node('esx-1', '10'), 'esx-1');
    expect(JSON.parse(a.toString())).toEqual(node('esx-1', '10'));
    expect(c.json(node('esx-1', '10'), 'esx-1')).toBe(a);
    const b = c.json(node('esx-1', '11', '96'), 'esx-1');
    expect(JSON.parse(b.toString())).toEqual(node('esx-1', '11', '96'));
    const bare = c.json(node('esx-2', undefined), 'esx-2');
    expect(c.json(node('esx-2', undefined), 'esx-2')).not.toBe(bare);
  });

  it('empties itself when the next Node would pass the byte budget', () => {
    const one = Buffer.byteLength(JSON.stringify(node('esx-1', '1')));
    const c = new NodeJsonCache(2 * one); // room for two
    const a = c.json(node('esx-1', '1'), 'esx-1');
    c.json(node('esx-2', '1'), 'esx-2');
    expect(c.json(node('esx-1', '1'), 'esx-1')).toBe(a);
    c.json(node('esx-3', '1'), 'esx-3'); // over budget: cleared, then esx-3 kept
    expect(c.json(node('esx-1', '1'), 'esx-1')).not.toBe(a);
  });
});

describe('filterBody', () => {
  const failed = { 'esx-2': 'placer: Insufficient cpu' };
  const unresolvable = { 'esx-3': 'placer: node(s) had untolerated taint {a: b}' };
  it('Nodes mode: the passing Node objects as given, keys in ExtenderFilterResult order', () => {
    const nodes = [node('esx-1', '1'), node('esx-2', '1'), node('esx-4', undefined)];
    const c = new NodeJsonCache();
    const body = filterBody(
      'Nodes',
      { resourceVersion: '7' },
      [],
      (i) => c.json(nodes[i], nodes[i].metadata.name),
      [0, 2],
      failed,
      unresolvable,
    );
    expect(body.toString()).toBe(
      JSON.stringify({
        Nodes: { metadata: { resourceVersion: '7' }, items: [nodes[0], nodes[2]] },
        NodeNames: null,
        FailedNodes: failed,
        FailedAndUnresolvableNodes: unresolvable,
        Error: '',
      }),
    );
    const none = filterBody('Nodes', {}, [], () => Buffer.alloc(0), [], {}, {});
    expect(JSON.parse(none.toString())).toEqual({
      Nodes: { metadata: {}, items: [] },
      NodeNames: null,
      FailedNodes: {},
      FailedAndUnresolvableNodes: {},
      Error: '',
    });
  });
  it('NodeNames mode: the passing names', () => {
    const body = filterBody('NodeNames', {}, ['esx-1', 'esx-4'], () => Buffer.alloc(0), [0, 2], failed, unresolvable);
    expect(body.toString()).toBe(
      JSON.stringify({
        Nodes: null,
        NodeNames: ['esx-1', 'esx-4'],
        FailedNodes: failed,
        FailedAndUnresolvableNodes: unresolvable,
        Error: '',
      }),
    );
  });
});
