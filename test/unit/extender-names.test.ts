// NameReader (service/server/routes/extender-names.ts): a NodeNames list read from the names of
// earlier lists answers exactly what JSON.parse reads of the same bytes, or nothing — never a name
// it learnt in place of another (the bytes are compared in full), never a list of text that is not
// one (whitespace, escapes, another shape, a truncated or malformed list).

import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { NameReader } from '../../service/server/routes/extender-names.js';

const bytes = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

/** What JSON.parse reads of the bytes, or undefined when they are not JSON. */
function parsed(b: Uint8Array): unknown {
  try {
    return JSON.parse(Buffer.from(b).toString('utf8'));
  } catch {
    return undefined;
  }
}

const plainName = fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,14}$/);
const anyName = fc.oneof(plainName, fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 6 }), fc.constant('a"b'));
const isPlain = (n: string): boolean => /^[\x20-\x7e]+$/.test(n) && !n.includes('"') && !n.includes('\\');

describe('NameReader', () => {
  it('reads a compact list of learnt names as the same strings, in order, duplicates kept', () => {
    const r = new NameReader();
    r.learn(['kb-1', 'kb-2', 'kb-3']);
    expect(r.read(bytes('["kb-3","kb-1","kb-3"]'))).toEqual(['kb-3', 'kb-1', 'kb-3']);
    expect(r.read(bytes('[]'))).toEqual([]);
  });

  it('does not read a name it has not learnt, one that differs in a byte, or another shape', () => {
    const r = new NameReader();
    r.learn(['kb-1', 'kb-2']);
    const texts = ['["kb-1","kb-9"]', '["kb-1","kb-"]', '["kb-1","kb-22"]', '[ "kb-1"]', '["kb-1" ,"kb-2"]', '["kb\\u002d1"]'];
    for (const text of [...texts, '["kb-1",]', '["kb-1"', '"kb-1"', '["kb-1"]x', '[""]', '["kb-1""kb-2"]'])
      expect(r.read(bytes(text)), text).toBeUndefined();
  });

  test.prop([fc.array(anyName, { maxLength: 20 }), fc.array(anyName, { maxLength: 30 }), fc.integer({ min: 0, max: 3 })])(
    'answers what JSON.parse reads of the bytes, or nothing',
    (learnt, list, spoil) => {
      const r = new NameReader();
      r.learn(learnt);
      let text = JSON.stringify(list);
      // spoilt lists: whitespace, a cut, a byte changed
      if (spoil === 1) text = text.replace(',', ', ');
      if (spoil === 2) text = text.slice(0, Math.max(0, text.length - 2));
      if (spoil === 3 && text.length > 3) text = `${text.slice(0, 2)}${text[2] === 'x' ? 'y' : 'x'}${text.slice(3)}`;
      const b = bytes(text);
      const got = r.read(b);
      if (got !== undefined) expect(got).toEqual(parsed(b));
      // a list of learnt plain names in Go's form is always read
      if (spoil === 0 && list.every((n) => isPlain(n) && learnt.includes(n))) expect(got).toEqual(list);
    },
  );

  test.prop([fc.uniqueArray(plainName, { minLength: 1, maxLength: 50 })])('after learning a list, reads it back in any order', (names) => {
    const r = new NameReader();
    expect(r.read(bytes(JSON.stringify(names)))).toBeUndefined();
    r.learn(names);
    r.learn(names);
    expect(r.size).toBe(names.length);
    expect(r.read(bytes(JSON.stringify(names)))).toEqual(names);
    expect(r.read(bytes(JSON.stringify([...names].reverse())))).toEqual([...names].reverse());
  });
});
