// The audit trail: one JSON line for every request that can change state, whether it was
// allowed or not (a 401 or 403 is part of the trail): who (user, groups), what (verb, path, its
// query, the object), and the result (the HTTP code, and the
// error of a bind that answers 200 with one). Requests that can change state are every
// method but GET and HEAD under /v1 (apply, delete, cordon, drain, rebalance, move; their dry
// runs too, with dryRun in the query) and the extender's bind. The line goes to its own logger,
// at info whatever --log-level says.

import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { accessOf, ADMIN, verbOf, WRITE } from './access.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** What a route acted on, for its audit line, when the path does not name it (the extender's bind). */
    auditObject: string;
    /** A refusal a route answers with 200 (the extender's bind answers its Error in the body). */
    auditError: string;
  }
}

/** Whether a request is audited. */
export function audited(method: string, path: string): boolean {
  const access = accessOf(method, path);
  return access === WRITE || access === ADMIN || (method === 'POST' && path === '/scheduler/bind');
}

/** The object a path names: a host, a namespace, or a workload (kind namespace/name). */
export function objectOfPath(path: string): string | undefined {
  const s = path.split('/').slice(2).map(decodeURIComponent);
  if (s[0] === 'hosts' && s[1] !== undefined) return `host ${s[1]}`;
  if (s[0] === 'namespaces' && s.length >= 4) return `${s[2]} ${s[1]}/${s[3]}`;
  if (s[0] === 'namespaces' && s[1] !== undefined) return `namespace ${s[1]}`;
  return undefined;
}

export function auditMiddleware(audit: Logger): MiddlewareHandler {
  return async (c, next) => {
    const { method, path } = c.req;
    if (!audited(method, path)) return next();
    await next();
    const object = (c.get('auditObject') as string | undefined) ?? objectOfPath(path);
    const error = c.get('auditError') as string | undefined;
    const user = c.get('user') as ReturnType<typeof c.get<'user'>> | undefined;
    const query = c.req.query();
    audit.info(
      {
        audit: {
          user: user?.name ?? null,
          groups: user?.groups ?? [],
          verb: verbOf(method),
          path,
          ...(Object.keys(query).length > 0 && { query }),
          ...(object !== undefined && { object }),
          code: c.res.status,
          ...(error !== undefined && { error }),
        },
      },
      'audit',
    );
  };
}
