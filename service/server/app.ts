// The Hono app: extender routes under /scheduler, the native API under /v1, health, metrics.
// createApp builds it without listening (tests call app.request; service/serve.ts serves it).
// Every request is authenticated and authorized (auth/middleware.ts) before any route runs, and
// every one that can change state leaves an audit line (auth/audit.ts).
// What it needs from the API server comes in through ports (ports.ts).

import { Hono } from 'hono';
import type { Logger } from 'pino';
import { auditMiddleware } from './auth/audit.js';
import { authMiddleware, type AuthConfig } from './auth/middleware.js';
import { DEFAULT_LIMITS, readBody, type BodyLimits } from './body.js';
import type { Metrics } from './metrics.js';
import { extenderRoutes } from './routes/extender.js';
import { etags } from './etag.js';
import { healthRoutes, type Lifecycle } from './routes/health.js';
import { failoverRoutes } from './routes/failover.js';
import { inspectRoutes } from './routes/inspect.js';
import { API_VERSION, nativeRoutes } from './routes/native.js';
import { uiRoutes } from './routes/ui.js';
import type { BindingPort, KubernetesPort } from './ports.js';
import type { ExtenderChoice } from './routes/extender-choice.js';
import { nativeWriteRefusal } from './readonly.js';
import type { PlacerState } from '../state/state.js';
import { takes } from './query.js';
import { failure, notFound, statusOf, StatusError } from './status.js';
import { versionInfo } from './version.js';

export interface AppDeps {
  /** The state, once loaded; routes that need it answer 503 before. */
  state: () => PlacerState | undefined;
  lifecycle: Lifecycle;
  metrics: Metrics;
  logger: Logger;
  limits?: Partial<BodyLimits>;
  /** Creates Bindings in the API server for the extender's bind (optional). */
  binder?: BindingPort;
  /** Kubernetes mode: the API server is the source of truth; the native API only reads and plans. */
  kube?: KubernetesPort;
  /** The built web console (default: dist/ui of the package). */
  uiDir?: string;
  /** Who may do what (default: no authentication, everything allowed to system:anonymous). */
  auth?: AuthConfig;
  /** Where the audit lines go (default: the logger). */
  audit?: Logger;
  /** Who picks among the nodes that pass the extender's filter (default kube-scheduler). */
  extenderChoice?: ExtenderChoice;
  /** kube-scheduler scores ImageLocality (default true): see ExtenderDeps.imageLocality. */
  imageLocality?: boolean;
}

/** Routes whose requests are logged at debug level (the extender's verbs run thousands of times a second). */
const QUIET = /^\/(scheduler\/|livez|readyz|healthz|metrics)/;
/** Probes: a 503 is their answer, not a failure of the server (health.ts logs what changes, as Kubernetes components do). */
const PROBES = /^\/(livez|readyz|healthz)$/;

export function createApp(deps: AppDeps): Hono {
  const limits: BodyLimits = { ...DEFAULT_LIMITS, ...deps.limits };
  const app = new Hono();
  const log = deps.logger;

  app.use(async (c, next) => {
    const start = performance.now();
    await next();
    const status = c.res.status;
    const path = c.req.path;
    // the entry is built only for a line that is written (the extender's verbs are debug lines)
    const level = status >= 500 && !PROBES.test(path) ? 'error' : QUIET.test(path) ? 'debug' : 'info';
    if (!log.isLevelEnabled(level)) return;
    const entry = { method: c.req.method, path, status, ms: Math.round((performance.now() - start) * 1000) / 1000 };
    if (level === 'error') log.error(entry, 'request failed');
    else log[level](entry, 'request');
  });

  app.use(auditMiddleware(deps.audit ?? log));
  app.use(authMiddleware(deps.auth));

  // a body on a route that reads none is still bounded
  app.use(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || c.req.method === 'DELETE') {
      const declared = Number(c.req.header('content-length') ?? 0);
      if (declared > limits.other) await readBody(c, limits.other);
    }
    await next();
  });

  const kube = deps.kube;
  app.route('/', healthRoutes(deps.lifecycle, log, kube && (() => kube.checks())));

  app.get('/version', takes(), (c) => c.json(versionInfo()));

  app.get('/metrics', takes(), async (c) => {
    const text = await deps.metrics.registry.metrics();
    return c.body(text, 200, { 'content-type': deps.metrics.registry.contentType });
  });

  const requireState = (): PlacerState => {
    const s = deps.state();
    if (!s) throw new StatusError(503, 'ServiceUnavailable', 'placer is loading its state from the store; try again shortly');
    return s;
  };
  app.use('/scheduler/*', async (_c, next) => {
    requireState();
    await next();
  });
  app.use('/v1/*', async (c, next) => {
    // Kubernetes mode: the native API reads and plans; changes go through the API server
    if (kube && c.req.method !== 'GET' && c.req.method !== 'HEAD') {
      const refused = nativeWriteRefusal(c.req.method, c.req.path, (n) => c.req.query(n));
      if (refused)
        return c.json(
          failure(refused.code, refused.reason, refused.message),
          refused.code,
          refused.allow === undefined ? {} : { allow: refused.allow },
        );
    }
    requireState();
    await next();
  });
  app.route(
    '/scheduler',
    extenderRoutes({
      state: requireState,
      metrics: deps.metrics,
      logger: log,
      limits,
      ...(deps.binder && { binder: deps.binder }),
      ...(kube && { kube }),
      ...(deps.extenderChoice && { choice: deps.extenderChoice }),
      ...(deps.imageLocality !== undefined && { imageLocality: deps.imageLocality }),
    }),
  );
  // GETs under /v1 carry ETags (304 when unchanged): the console polls with them
  app.use(
    '/v1/*',
    etags(() => deps.state()?.store.generation),
  );
  app.route('/v1', nativeRoutes({ state: requireState, metrics: deps.metrics, limits }));
  // the web console (/ui) and the read endpoints it is built on
  app.route('/v1', inspectRoutes({ state: requireState, limits, apiVersion: API_VERSION }));
  app.route('/v1', failoverRoutes({ state: requireState, limits }));
  app.route('/', uiRoutes(deps.uiDir));

  app.notFound((c) => {
    const s = notFound(`the server could not find the requested resource (${c.req.method} ${c.req.path})`);
    return c.json(failure(s.code, s.reason, s.message), 404);
  });

  app.onError((err, c) => {
    const { status, internal } = statusOf(err);
    if (internal) log.error({ err, method: c.req.method, path: c.req.path }, 'internal error');
    return c.json(status, status.code as 400);
  });

  return app;
}
