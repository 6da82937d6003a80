// A real `placer serve` process on 127.0.0.1 (a free port, a temp data dir) for end-to-end tests.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Obj = Record<string, unknown>;
const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'placer.js');

export interface Server {
  url: string;
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();
const dirs: string[] = [];

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'placer-serve-'));
  dirs.push(d);
  return d;
}

/**
 * Start `placer serve` with the given arguments, on a free port of 127.0.0.1 unless `where` says
 * otherwise, Node itself given `nodeArgs` (e.g. --cpu-prof); resolves with its URL once `ready`
 * shows on stdout.
 */
export async function spawnServe(
  args: string[],
  ready = /placer serving on (http:\/\/127\.0\.0\.1:\d+)/,
  where = ['--port', '0', '--host', '127.0.0.1'],
  nodeArgs: string[] = [],
): Promise<Server> {
  const proc = spawn(process.execPath, [...nodeArgs, bin, 'serve', ...where, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  let err = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    }),
  );
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`placer serve did not start in 30 s:\n${out}\n${err}`)), 30_000);
    proc.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`placer serve exited (${code}) before serving:\n${out}\n${err}`));
    });
  });
  return { url, proc, stdout: () => out, stderr: () => err, exited };
}

/** A standalone server over `dataDir`. */
export function start(dataDir: string, args: string[] = []): Promise<Server> {
  return spawnServe(['--data-dir', dataDir, '--log-level', 'warn', ...args]);
}

/** Kill every server still running (afterEach). */
export function killAll(): void {
  for (const p of running) p.kill('SIGKILL');
}

/** Remove the temp data dirs (afterAll). */
export function removeDirs(): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

export async function call(
  s: Server,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Obj }> {
  // a fresh connection per call: a test that blocks its event loop (spawnSync of the CLI) for
  // longer than the server's keep-alive timeout would otherwise reuse a socket the server closed
  // meanwhile ("other side closed")
  const init: RequestInit = { method, headers: { connection: 'close', ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(s.url + path, init);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Obj };
}

/**
 * Waits until the retry loop has tried every change (`placer_pending_retry_backlog 0`): a test
 * that compares the state before and after a request must not see a retry's commit in between.
 */
export async function quiet(s: Server, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // a fresh connection, as call() makes: a pooled one may be reused after the server closed it
    const text = await (await fetch(`${s.url}/metrics`, { headers: { connection: 'close' } })).text();
    const m = /^placer_pending_retry_backlog (\d+)$/m.exec(text);
    if (!m) throw new Error('placer_pending_retry_backlog is not on /metrics');
    if (m[1] === '0') return;
    if (Date.now() > deadline) throw new Error(`the retry loop still has ${m[1]} workloads to try after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
