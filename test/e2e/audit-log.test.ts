// --audit-log-path and its rotation, on a real `placer serve` process: the lines in a file of
// their own (none on stderr), `-` for stdout, the file reopened on SIGHUP after logrotate moved
// it, rotated by size (--audit-log-maxsize) keeping --audit-log-maxbackup backups — every line
// whole, none lost but those of the backups deleted —, and the flags' mistakes refused at start.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, expect, it } from 'vitest';
import { call, killAll, removeDirs, start, tempDir, type Obj, type Server } from './server.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'placer.js');
afterEach(() => killAll());
afterAll(() => removeDirs());

/** The audit records of a text of JSON lines. */
const audits = (text: string): Obj[] =>
  text
    .split('\n')
    .filter((l) => l.includes('"msg":"audit"'))
    .map((l) => (JSON.parse(l) as { audit: Obj }).audit);

/**
 * A change that is audited (a host that does not exist: 404); with `pad`, a query parameter the
 * route does not take (400, audited too) makes the line that many bytes longer.
 */
const change = (s: Server, i: number, pad = 0) => call(s, 'POST', `/v1/hosts/h-${i}/cordon${pad > 0 ? `?pad=${'x'.repeat(pad)}` : ''}`);

it('writes the audit lines to the file, not stderr; reopens it on SIGHUP after logrotate moved it', async () => {
  const dir = tempDir();
  const file = join(dir, 'audit.log');
  const s = await start(join(dir, 'data'), ['--audit-log-path', file, '--log-level', 'info']);
  for (let i = 0; i < 3; i++) expect((await change(s, i)).status).toBe(404);
  const first = audits(readFileSync(file, 'utf8'));
  expect(first.map((a) => [a.user, a.verb, a.path, a.object, a.code])).toEqual(
    [0, 1, 2].map((i) => ['system:anonymous', 'post', `/v1/hosts/h-${i}/cordon`, `host h-${i}`, 404]),
  );
  expect(audits(s.stderr())).toEqual([]);
  // logrotate: move the file, then SIGHUP; the lines after the reopen go to a new file at the path
  renameSync(file, `${file}.1`);
  s.proc.kill('SIGHUP');
  let n = 3;
  const deadline = Date.now() + 10_000;
  while (!existsSync(file) || audits(readFileSync(file, 'utf8')).length === 0) {
    if (Date.now() > deadline) throw new Error('no new audit file after SIGHUP');
    await change(s, n++);
    await new Promise((r) => setTimeout(r, 50));
  }
  for (let k = 0; k < 2; k++) await change(s, n++);
  const moved = audits(readFileSync(`${file}.1`, 'utf8'));
  const fresh = audits(readFileSync(file, 'utf8'));
  // nothing lost, nothing twice, in order; the process is still serving
  expect([...moved, ...fresh].map((a) => a.path)).toEqual(Array.from({ length: n }, (_, i) => `/v1/hosts/h-${i}/cordon`));
  expect(fresh.length).toBeGreaterThanOrEqual(3);
  expect(s.proc.exitCode).toBeNull();
});

it('rotates by size: files of at most --audit-log-maxsize MiB, --audit-log-maxbackup backups, every line whole', async () => {
  const dir = tempDir();
  const file = join(dir, 'audit.log');
  const s = await start(join(dir, 'data'), ['--audit-log-path', file, '--audit-log-maxsize', '1', '--audit-log-maxbackup', '2']);
  // lines of ~10 KiB: 1 MiB holds about 100; 400 of them rotate the file three times or more
  const N = 400;
  for (let i = 0; i < N; i++) expect((await change(s, i, 10_000)).status).toBe(400);
  const names = readdirSync(dir).filter((f) => f.startsWith('audit'));
  const backups = names.filter((f) => /^audit-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d\.\d{3}\.log$/.test(f)).sort();
  expect(names.sort()).toEqual(['audit.log', ...backups].sort());
  expect(backups.length).toBe(2);
  const files = [...backups, 'audit.log'].map((f) => join(dir, f));
  for (const f of files) expect(statSync(f).size).toBeLessThanOrEqual(1024 * 1024);
  // the kept lines are the last ones, whole and in order: the oldest went with the deleted backups
  const kept = files.flatMap((f) => audits(readFileSync(f, 'utf8'))).map((a) => a.path);
  expect(kept.length).toBeGreaterThan(150);
  expect(kept).toEqual(Array.from({ length: kept.length }, (_, k) => `/v1/hosts/h-${N - kept.length + k}/cordon`));
});

it("'-' writes the audit lines to stdout", async () => {
  const dir = tempDir();
  const s = await start(join(dir, 'data'), ['--audit-log-path', '-']);
  expect((await change(s, 7)).status).toBe(404);
  const deadline = Date.now() + 5000;
  while (audits(s.stdout()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(audits(s.stdout())).toMatchObject([{ user: 'system:anonymous', path: '/v1/hosts/h-7/cordon', object: 'host h-7', code: 404 }]);
  expect(audits(s.stderr())).toEqual([]);
});

it.each([
  [['--audit-log-path', '/nonexistent-dir/audit.log'], /--audit-log-path \/nonexistent-dir\/audit\.log: ENOENT/],
  [['--audit-log-maxsize', '10'], /--audit-log-maxsize needs --audit-log-path with a file/],
  [['--audit-log-path', '-', '--audit-log-maxbackup', '3'], /--audit-log-maxbackup needs --audit-log-path with a file/],
  [['--audit-log-maxsize', '-1'], /expected a non-negative integer/],
])('%j is refused at start with a clear message', (args, message) => {
  const r = spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', join(tempDir(), 'd'), ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.status).not.toBe(0);
  expect(r.stderr).toMatch(message);
});
