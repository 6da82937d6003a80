// The static token file in kube-apiserver's format: quoted groups, optional columns, refusals
// naming file and line, and the file re-read when it changes (a broken rewrite keeps the tokens
// read before).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { parseTokens, TokenFile } from '../../service/server/auth/token-file.js';
import { watchFiles } from '../../service/server/auth/watch.js';

const dir = mkdtempSync(join(tmpdir(), 'placer-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parseTokens', () => {
  it('reads token,user,uid,"groups" records; groups and further columns optional', () => {
    const t = parseTokens('t1,alice,1,"placer:operators,dev"\n\nt2,bob,,\nt3,"carol ""c""",3,viewers,ignored\nt4,dave,4\n', 'f.csv');
    expect(Object.fromEntries(t)).toEqual({
      t1: { name: 'alice', uid: '1', groups: ['placer:operators', 'dev'] },
      t2: { name: 'bob', groups: [] },
      t3: { name: 'carol "c"', uid: '3', groups: ['viewers'] },
      t4: { name: 'dave', uid: '4', groups: [] },
    });
  });

  it.each([
    ['t1,alice\n', 'f.csv: line 1: expected at least 3 columns (token, user name, user uid), found 2'],
    ['t1,alice,1\nt2,"bob,2\n', 'f.csv: line 2: not a CSV record (an unterminated quote?)'],
    [',alice,1\n', 'f.csv: line 1: the token and the user name must not be empty'],
    ['t1,alice,1\nt1,bob,2\n', 'f.csv: line 2: the token of user "bob" is already given to another user'],
  ])('refuses %j naming the line', (text, message) => {
    expect(() => parseTokens(text, 'f.csv')).toThrow(message);
  });
});

describe('TokenFile', () => {
  it('re-reads the file when it changes; a broken rewrite keeps the tokens before', async () => {
    const file = join(dir, 'tokens.csv');
    writeFileSync(file, 'old-token,alice,1,"placer:viewers"\n');
    const tokens = new TokenFile(file);
    const warnings: string[] = [];
    tokens.watch(pino({ level: 'info' }, { write: (l: string) => void (JSON.parse(l).level === 40 && warnings.push(l)) }), 20);
    try {
      expect(tokens.authenticate({ authorization: 'Bearer old-token' })).toEqual({
        user: { name: 'alice', uid: '1', groups: ['placer:viewers'] },
      });
      writeFileSync(file, 'new-token,bob,2,"placer:operators"\n');
      await expect
        .poll(() => tokens.authenticate({ authorization: 'Bearer new-token' }), { timeout: 5000 })
        .toEqual({
          user: { name: 'bob', uid: '2', groups: ['placer:operators'] },
        });
      expect(tokens.authenticate({ authorization: 'Bearer old-token' })).toEqual({ error: 'the bearer token is not valid' });
      writeFileSync(file, 'broken,record\n');
      await expect.poll(() => warnings.length, { timeout: 5000 }).toBeGreaterThan(0);
      expect(warnings[0]).toContain('line 1: expected at least 3 columns');
      expect(tokens.authenticate({ authorization: 'Bearer new-token' })).toMatchObject({ user: { name: 'bob' } });
    } finally {
      tokens.stop();
    }
  });

  it('watchFiles: a change right after the watch starts is seen; files changed together are one round', async () => {
    const a = join(dir, 'a.crt');
    const b = join(dir, 'b.key');
    writeFileSync(a, 'a');
    writeFileSync(b, 'b');
    let rounds = 0;
    const stop = watchFiles([a, b], () => rounds++, 10);
    try {
      writeFileSync(a, 'a2'); // before any poll: the baseline is the state when watchFiles was called
      writeFileSync(b, 'b2');
      await expect.poll(() => rounds, { timeout: 5000 }).toBe(1);
      rmSync(b);
      await expect.poll(() => rounds, { timeout: 5000 }).toBe(2);
    } finally {
      stop();
    }
  });

  it('no bearer token: not its business (undefined)', () => {
    writeFileSync(join(dir, 'one.csv'), 't,u,1\n');
    expect(new TokenFile(join(dir, 'one.csv')).authenticate({})).toBeUndefined();
  });

  it('a file that cannot be read is an error naming it', () => {
    expect(() => new TokenFile(join(dir, 'missing.csv'))).toThrow(/cannot read the token file .*missing\.csv/);
  });
});
