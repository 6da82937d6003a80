// kubectl's -l selector syntax (apimachinery labels.Parse) → node-selector requirements, and
// requirement matching against host labels.

import { describe, expect, it } from 'vitest';
import { requirementMatches } from '../../../model/selectors.js';
import { parseSelectorString } from '../../../service/manifests/labels.js';

describe('parseSelectorString', () => {
  it.each([
    ['zone=a', [{ key: 'zone', operator: 'In', values: ['a'] }]],
    ['zone==a', [{ key: 'zone', operator: 'In', values: ['a'] }]],
    ['zone!=a', [{ key: 'zone', operator: 'NotIn', values: ['a'] }]],
    ['rack in (r1, r2)', [{ key: 'rack', operator: 'In', values: ['r1', 'r2'] }]],
    ['rack notin (r1)', [{ key: 'rack', operator: 'NotIn', values: ['r1'] }]],
    ['placer.dev/maintenance', [{ key: 'placer.dev/maintenance', operator: 'Exists', values: [] }]],
    ['!placer.dev/maintenance', [{ key: 'placer.dev/maintenance', operator: 'DoesNotExist', values: [] }]],
    ['gen>3', [{ key: 'gen', operator: 'Gt', values: ['3'] }]],
    [
      'topology.kubernetes.io/zone=dc1-zone-b, rack in (r1,r2),!retired',
      [
        { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['dc1-zone-b'] },
        { key: 'rack', operator: 'In', values: ['r1', 'r2'] },
        { key: 'retired', operator: 'DoesNotExist', values: [] },
      ],
    ],
  ])('%s', (text, want) => {
    expect(parseSelectorString(text)).toEqual(want);
  });

  it.each([
    ['', /the selector is empty/],
    ['zone=a,', /empty requirement/],
    ['a b', /expected 'key', '!key'/],
    ['-bad=a', /key "-bad": name part must consist of alphanumeric characters/],
    ['zone=a b', /value "a b": a valid label must be an empty string/],
    ['gen>x', /> needs an integer, got "x"/],
  ])('rejects %j', (text, message) => {
    expect(() => parseSelectorString(text)).toThrow(message);
  });
});

describe('requirementMatches', () => {
  const labels = new Map([
    ['zone', 'a'],
    ['gen', '4'],
  ]);
  it.each([
    [{ key: 'zone', operator: 'In' as const, values: ['a', 'b'] }, true],
    [{ key: 'zone', operator: 'NotIn' as const, values: ['a'] }, false],
    [{ key: 'rack', operator: 'NotIn' as const, values: ['r1'] }, true], // absent key: NotIn holds
    [{ key: 'rack', operator: 'Exists' as const, values: [] }, false],
    [{ key: 'rack', operator: 'DoesNotExist' as const, values: [] }, true],
    [{ key: 'gen', operator: 'Gt' as const, values: ['3'] }, true],
    [{ key: 'gen', operator: 'Lt' as const, values: ['4'] }, false],
    [{ key: 'zone', operator: 'Gt' as const, values: ['1'] }, false], // not an integer: never matches
  ])('%j → %s', (r, want) => {
    expect(requirementMatches(r, labels)).toBe(want);
  });
});
