// The Binding body scheduler mode and the extender's bind post, written as text
// (resources.ts podBindingJson): it must read back as the object kube-scheduler's DefaultBinder
// sends, for any names (JSON escapes) and with or without the pod's UID as a precondition.

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { podBindingJson } from '../../service/apiserver/resources.js';

const binding = (namespace: string, name: string, uid: string, node: string) => ({
  apiVersion: 'v1',
  kind: 'Binding',
  metadata: { name, namespace, ...(uid !== '' && { uid }) },
  target: { apiVersion: 'v1', kind: 'Node', name: node },
});

describe('podBindingJson', () => {
  it('is the DefaultBinder Binding, the UID a precondition when known', () => {
    expect(JSON.parse(podBindingJson('team-a', 'web-0', 'u-1', 'hv-7'))).toEqual(binding('team-a', 'web-0', 'u-1', 'hv-7'));
    expect(JSON.parse(podBindingJson('team-a', 'web-0', '', 'hv-7'))).toEqual(binding('team-a', 'web-0', '', 'hv-7'));
    expect(JSON.parse(podBindingJson('team-a', 'web-0', '', 'hv-7')).metadata).not.toHaveProperty('uid');
  });

  test.prop([fc.string(), fc.string(), fc.string(), fc.string({ unit: 'grapheme' })])(
    'reads back as the object for any strings',
    (ns, name, uid, node) => {
      expect(JSON.parse(podBindingJson(ns, name, uid, node))).toEqual(binding(ns, name, uid, node));
    },
  );
});
