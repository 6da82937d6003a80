// Child processes of the real-control-plane tests: started with their output in a log file, killed
// by id when a test ends — and when the test process exits, so that no etcd or API server outlives
// a failed run. Plus free ports and bounded waits.

import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface Proc {
  name: string;
  proc: ChildProcess;
  log: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The log so far (for failure messages). */
  output(): string;
  /** Kill by pid and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

export function start(name: string, cmd: string, args: string[], log: string, env: NodeJS.ProcessEnv = process.env): Proc {
  const fd = openSync(log, 'a');
  const proc = spawn(cmd, args, { stdio: ['ignore', fd, fd], env });
  closeSync(fd);
  running.add(proc);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => {
      running.delete(proc);
      resolve({ code, signal });
    }),
  );
  const output = (): string => {
    try {
      return readFileSync(log, 'utf8');
    } catch {
      return '';
    }
  };
  return {
    name,
    proc,
    log,
    exited,
    output,
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      await exited;
    },
  };
}

/** A port free right now on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Poll `cond` every `everyMs` until it holds (a throw counts as not yet); throws after `ms` naming `what`. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string, everyMs = 50): Promise<void> {
  const end = performance.now() + ms;
  let last = '';
  for (;;) {
    let ok = false;
    try {
      ok = await cond();
    } catch (err) {
      last = ` (last: ${err instanceof Error ? err.message : String(err)})`;
    }
    if (ok) return;
    if (performance.now() > end) throw new Error(`${what}: not so within ${ms} ms${last}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
