// Files re-read when they change: the serving certificate pair, the client CA and the token file.
// Polled (a stat per file per interval) rather than watched with fs.watch, because a mounted Secret
// changes by swapping a symlink (..data), which a stat of the path follows and an inotify watch on
// the old file misses. The poll does not keep the process alive.

import { statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';

/** How often the files are checked, in milliseconds. */
export const WATCH_INTERVAL_MS = 1000;

/**
 * Call `changed` once per round in which any of `paths` changed; returns the stop. The files'
 * state is taken now, synchronously, as the baseline: a change made right after the call is seen
 * at the first poll (fs.watchFile takes its baseline at its first, asynchronous stat, and would
 * miss it).
 */
export function watchFiles(paths: string[], changed: () => void, intervalMs = WATCH_INTERVAL_MS): () => void {
  let seen = paths.map(currentState);
  let polling = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    void Promise.all(paths.map((p) => stat(p).then(stateOf, () => MISSING))).then((now) => {
      polling = false;
      if (stopped || now.every((s, i) => s === seen[i])) return;
      seen = now;
      changed();
    });
  }, intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** What a change shows in a stat: the modification time, the inode (a swapped symlink) and the size. */
function stateOf(s: Stats): string {
  return `${s.mtimeMs}/${s.ino}/${s.size}`;
}

/** The state of a file that cannot be stat'ed (missing, or not readable). */
const MISSING = 'missing';

function currentState(path: string): string {
  try {
    return stateOf(statSync(path));
  } catch {
    return MISSING;
  }
}
