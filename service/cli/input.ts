// What every command that reads manifests does with them: reads them with progress (progress.ts),
// says on stderr what it read and does not use (service/manifests/warnings.ts) — `warning: …`, one
// line each — and with --strict refuses objects of a kind nobody defines, before anything is placed.

import { statSync } from 'node:fs';
import { InputError } from '../../model/errors.js';
import type { ClusterInput } from '../../model/types.js';
import { listManifestFiles, readCluster } from '../manifests/index.js';
import type { Progress } from './progress.js';

export interface InputOptions {
  cpuMhzPerCore: number;
  /** Objects of unknown kinds are an error rather than a warning. */
  strict: boolean;
}

/** Reading more than this many bytes takes about a second: progress shows at once. */
const LONG_READ = 32 * 1024 * 1024;

/** The bytes `paths` hold (stdin counts nothing: its size is not known before it is read). */
function totalBytes(paths: readonly string[]): number {
  let total = 0;
  for (const p of paths) {
    if (p === '-') continue;
    try {
      const st = statSync(p);
      const files = st.isDirectory() ? listManifestFiles(p) : [p];
      for (const f of files) total += f === p ? st.size : statSync(f).size;
    } catch {
      // loadPaths names the missing path
    }
  }
  return total;
}

/** The cluster of `paths`, its warnings written to stderr; --strict: an InputError naming every object of unknown kind. */
export async function readInput(
  paths: readonly string[],
  o: InputOptions,
  progress: Progress,
): Promise<{ input: ClusterInput; warnings: string[] }> {
  const bytes = totalBytes(paths);
  progress.stage('reading', bytes, 'bytes', bytes >= LONG_READ);
  const { input, warnings } = await readCluster(paths, { cpuMhzPerCore: o.cpuMhzPerCore, onSource: (n) => progress.tick(n) });
  const unknown = warnings.filter((w) => w.unknown);
  if (o.strict && unknown.length > 0) {
    progress.done();
    throw new InputError(
      undefined,
      '',
      `--strict: objects of unknown kind, nothing was placed:\n  ${unknown.map((w) => w.text).join('\n  ')}`,
    );
  }
  const texts = warnings.map((w) => w.text);
  writeWarnings(texts, progress);
  return { input, warnings: texts };
}

/** `warning: <text>` lines on stderr, below any progress bar: what a command read and does not use. */
export function writeWarnings(texts: readonly string[], progress?: Progress): void {
  if (texts.length === 0) return;
  progress?.done();
  process.stderr.write(texts.map((t) => `warning: ${t}\n`).join(''));
}
