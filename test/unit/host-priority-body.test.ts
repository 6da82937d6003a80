// The general path's HostPriorityList (extender-wire.ts hostPriorityBody): byte for byte what
// JSON.stringify writes of [{Host, Score}], for any names (escapes, non-ASCII) and every score,
// the first time a name is seen and every time after (its encoding is kept per name).

import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { hostPriorityBody } from '../../service/server/routes/extender-wire.js';

const name = fc.oneof(fc.constantFrom('kb-1', 'kb-2', 'node.example', ''), fc.string({ unit: 'binary', maxLength: 12 }));

test.prop([fc.array(fc.tuple(name, fc.integer({ min: 0, max: 255 })), { maxLength: 40 })])(
  'hostPriorityBody writes what JSON.stringify does',
  (hosts) => {
    const names = hosts.map(([n]) => n);
    const score = Uint8Array.from(hosts.map(([, s]) => s));
    const want = JSON.stringify(hosts.map(([Host, Score]) => ({ Host, Score })));
    expect(hostPriorityBody(names, score).toString('utf8')).toBe(want);
    expect(hostPriorityBody(names, score).toString('utf8')).toBe(want);
  },
);
