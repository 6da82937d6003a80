// Health endpoints in the API server's style: machines read the status code, `?verbose` prints
// one `[+]check ok` / `[-]check failed` line per check for humans.
//
//   /livez    the process answers (no dependencies)
//   /readyz   the state is loaded from the store and the server is not shutting down; in
//             Kubernetes mode also: every resource listed (informers-synced) and this replica
//             leads (leader) — followers are not ready, so a Service sends traffic to the leader
//   /healthz  the same as /readyz, for old probes

import { Hono, type Context } from 'hono';
import { PRESENCE, TEXT, takes } from '../query.js';

export interface Lifecycle {
  /** True once the state was rebuilt from the store (and --bootstrap applied). */
  loaded: boolean;
  /** True from SIGTERM on. */
  shuttingDown: boolean;
}

function answer(c: Context, name: string, checks: [string, boolean][]): Response {
  const ok = checks.every(([, pass]) => pass);
  const verbose = c.req.query('verbose') !== undefined;
  const excluded = new Set(c.req.queries('exclude') ?? []);
  const shown = checks.filter(([n]) => !excluded.has(n));
  const okShown = shown.every(([, pass]) => pass);
  if (!verbose) return c.text(okShown ? 'ok' : `${name} check failed`, okShown ? 200 : 503);
  const lines = shown.map(([n, pass]) => (pass ? `[+]${n} ok` : `[-]${n} failed`));
  lines.push(okShown ? `${name} check passed` : `${name} check failed`);
  return c.text(`${lines.join('\n')}\n`, ok || okShown ? 200 : 503);
}

/** `extra`: more readiness checks (Kubernetes mode: informers-synced, leader). */
export function healthRoutes(life: Lifecycle, extra: () => [string, boolean][] = () => []): Hono {
  const app = new Hono();
  // as the API server's: ?verbose lists the checks, ?exclude=<check> (repeated) leaves one out
  const params = takes({ verbose: PRESENCE, exclude: { ...TEXT, repeated: true } });
  app.get('/livez', params, (c) => answer(c, 'livez', [['ping', true]]));
  const ready = (c: Context): Response =>
    answer(c, 'readyz', [['ping', true], ['state-loaded', life.loaded], ['shutdown', !life.shuttingDown], ...extra()]);
  app.get('/readyz', params, ready);
  app.get('/healthz', params, ready);
  return app;
}
