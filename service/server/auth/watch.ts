// Files re-read when they change: the serving certificate pair, the client CA and the token file.
// Polled with fs.watchFile (a stat per file per interval) rather than fs.watch, because a mounted
// Secret changes by swapping a symlink (..data), which a stat of the path follows and an inotify
// watch on the old file misses. The watchers do not keep the process alive.

import { unwatchFile, watchFile, type Stats } from 'node:fs';

/** How often the files are checked, in milliseconds. */
export const WATCH_INTERVAL_MS = 1000;

/** Call `changed` (once per round of changes) whenever one of `paths` changes; returns the stop. */
export function watchFiles(paths: string[], changed: () => void, intervalMs = WATCH_INTERVAL_MS): () => void {
  const listener = (cur: Stats, prev: Stats): void => {
    if (cur.mtimeMs !== prev.mtimeMs || cur.ino !== prev.ino || cur.size !== prev.size) changed();
  };
  for (const p of paths) watchFile(p, { interval: intervalMs, persistent: false }, listener);
  return () => {
    for (const p of paths) unwatchFile(p, listener);
  };
}
