// Health endpoints in the API server's style: machines read the status code, `?verbose` prints
// one `[+]check ok` / `[-]check failed` line per check for humans.
//
//   /livez    the process answers (no dependencies)
//   /readyz   the state is loaded from the store and the server is not shutting down; in
//             Kubernetes mode also: every resource listed (informers-synced) and every watch
//             working (watches: false from a failure until the list or watch succeeds again, while
//             the mirror may be stale)
//   /healthz  the same as /readyz, for old probes
//
// Logged as Kubernetes components do: a failing probe is information, not an error — the probe's
// answer is the 503. The verdict is logged at info when it changes (which checks fail, or that all
// pass again), each probe at debug; a follower's probe does not write a line every few seconds.

import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { PRESENCE, TEXT, takes } from '../query.js';

export interface Lifecycle {
  /** True once the state was rebuilt from the store (and --bootstrap applied). */
  loaded: boolean;
  /** True from SIGTERM on. */
  shuttingDown: boolean;
}

/** Logs a probe's verdict when it changes. */
class VerdictLog {
  private last = new Map<string, string>();
  constructor(private readonly log: Logger | undefined) {}
  note(name: string, checks: [string, boolean][]): void {
    const failed = checks.filter(([, pass]) => !pass).map(([n]) => n);
    const verdict = failed.join(',');
    if (this.last.get(name) === verdict) return;
    const first = !this.last.has(name);
    this.last.set(name, verdict);
    if (failed.length > 0) this.log?.info({ probe: name, failed }, `${name} check failed`);
    else if (!first) this.log?.info({ probe: name }, `${name} check passed`);
  }
}

function answer(c: Context, name: string, checks: [string, boolean][], verdicts: VerdictLog): Response {
  verdicts.note(name, checks);
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

/** `extra`: more readiness checks (Kubernetes mode: informers-synced, watches). */
export function healthRoutes(life: Lifecycle, log?: Logger, extra: () => [string, boolean][] = () => []): Hono {
  const app = new Hono();
  const verdicts = new VerdictLog(log);
  // as the API server's: ?verbose lists the checks, ?exclude=<check> (repeated) leaves one out
  const params = takes({ verbose: PRESENCE, exclude: { ...TEXT, repeated: true } });
  app.get('/livez', params, (c) => answer(c, 'livez', [['ping', true]], verdicts));
  const ready = (c: Context): Response =>
    answer(c, 'readyz', [['ping', true], ['state-loaded', life.loaded], ['shutdown', !life.shuttingDown], ...extra()], verdicts);
  app.get('/readyz', params, ready);
  app.get('/healthz', params, ready);
  return app;
}
