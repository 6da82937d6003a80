// The machine a run measured: every results file carries it, because figures from different
// machines (or from a busy one) are not comparable. Ratios measured side by side in one run are.

import { execFileSync } from 'node:child_process';
import { cpus, freemem, loadavg, release, totalmem, type } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  v8: string;
  os: string;
  memoryGiB: number;
  /** 1-minute load average when the run started (a busy machine reads slow). */
  load: number;
  date: string;
  git: { commit: string; dirty: boolean } | null;
}

function git(): Machine['git'] {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return { commit, dirty: status.length > 0 };
  } catch {
    return null;
  }
}

export function machine(): Machine {
  const c = cpus();
  return {
    cpu: (c[0]?.model ?? 'unknown').trim(),
    cores: c.length,
    node: process.version,
    v8: process.versions.v8,
    os: `${type()} ${release()} ${process.arch}`,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    load: Math.round(loadavg()[0] * 100) / 100,
    date: new Date().toISOString(),
    git: git(),
  };
}

/** Free memory in GiB (suites skip sizes the machine cannot hold). */
export function freeGiB(): number {
  return freemem() / 1024 ** 3;
}
