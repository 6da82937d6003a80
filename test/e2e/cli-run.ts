// Runs the real CLI (bin/placer.js) as a child process from the repository root: what a user's
// shell does, with the exit code, stdout and stderr kept apart.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The repository root: the CLI's working directory, and where examples/ lives. */
export const ROOT = join(import.meta.dirname, '..', '..');

/** `placer <args>` with `input` on stdin; output up to 256 MiB per stream. */
export function placer(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'placer.js'), ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    maxBuffer: 256 << 20,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
