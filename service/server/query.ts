// Query parameters mean what they say: every route declares the parameters it takes and the
// values each accepts, and a request naming another parameter, giving a value the route does not
// accept, or giving a parameter twice is a 400 `Status` naming it — never silently ignored.
//
//   app.post('/apply', takes({ dryRun: DRY_RUN }), (c) => …)   // then read with param(c, 'dryRun')
//
// Every route of the app is registered with `takes` (test/service/query.test.ts walks app.routes
// and sends each an unknown parameter, so a new route cannot be left out).

import type { Context, MiddlewareHandler } from 'hono';
import { StatusError } from './status.js';

export interface Param {
  /** What the parameter takes, for the message of a refusal: `true or false`. */
  expects: string;
  /** Does `value` fit? */
  accepts(value: string): boolean;
  /** May be given more than once (`exclude` of the health checks). */
  repeated?: boolean;
}

/** A parameter from a fixed set of values. */
export function oneOf(...values: string[]): Param {
  return { expects: values.map((v) => (v === '' ? 'empty' : v)).join(', '), accepts: (v) => values.includes(v) };
}

/** A flag: true or false (empty: false). */
export const BOOL = oneOf('true', 'false', '');

/** dryRun as the Kubernetes API spells it (All) and as the operation endpoints take it (true, false). */
export const DRY_RUN = oneOf('All', 'true', 'false', '');

/**
 * fieldValidation as the Kubernetes API takes it: Strict refuses objects of unknown kinds, Warn (the
 * default) warns. Ignore is not taken: placer never drops what it read without saying so.
 */
export const FIELD_VALIDATION = oneOf('Strict', 'Warn', '');

/** A namespace name (a DNS-1123 label), or empty for all namespaces. */
export const NAMESPACE: Param = {
  expects: 'a namespace name (a DNS-1123 label) or empty',
  accepts: (v) => v === '' || (v.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v)),
};

/** Namespace names (DNS-1123 labels), comma-separated. */
export const NAMESPACE_LIST: Param = {
  expects: 'namespace names (DNS-1123 labels), comma-separated',
  accepts: (v) => v.split(',').every((n) => n.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n)),
};

/** An integer within bounds. */
export function integer(min: number, max: number): Param {
  return { expects: `an integer from ${min} to ${max}`, accepts: (v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max };
}

/** Any text (checked by the route: a resource name it looks up, a list of label keys). */
export const TEXT: Param = { expects: 'text', accepts: () => true };

/** Present or not, any value (the health checks' `verbose`, as the API server takes it). */
export const PRESENCE: Param = { expects: 'no value', accepts: () => true };

/** The routes' declarations, by request: read back by param(). */
const DECLARED = Symbol('placer.query');

/**
 * Refuses, with 400 naming the parameter, a query parameter the route does not declare in
 * `params`, a value its Param does not accept, or a parameter given twice that is not `repeated`.
 */
export function takes(params: Record<string, Param> = {}): MiddlewareHandler {
  const names = Object.keys(params);
  return async (c, next) => {
    // most requests carry no query (every extender call): no URL to parse then
    const url = c.req.url;
    const q = url.indexOf('?');
    if (q < 0) {
      (c as unknown as Record<symbol, unknown>)[DECLARED] = params;
      return next();
    }
    // (the query as URL reads it: from the first `?`, which URLSearchParams drops, to a `#`)
    const query = new URLSearchParams(url.slice(q).split('#', 1)[0]);
    const seen = new Set<string>();
    for (const [name, value] of query) {
      const p = params[name];
      const route = `${c.req.method} ${c.req.routePath}`;
      if (p === undefined) {
        const known = names.length === 0 ? 'takes no query parameters' : `takes ${names.join(', ')}`;
        throw refusal(name, `unknown query parameter ${JSON.stringify(name)}: ${route} ${known}`, 'FieldValueNotSupported');
      }
      if (seen.has(name) && !p.repeated) throw refusal(name, `query parameter ${name} is given more than once`, 'FieldValueDuplicate');
      seen.add(name);
      if (!p.accepts(value))
        throw refusal(
          name,
          `query parameter ${name}: unsupported value ${JSON.stringify(value)}: expected ${p.expects}`,
          'FieldValueNotSupported',
        );
    }
    (c as unknown as Record<symbol, unknown>)[DECLARED] = params;
    await next();
  };
}

function refusal(field: string, message: string, reason: string): StatusError {
  return new StatusError(400, 'BadRequest', message, { causes: [{ reason, message, field }] });
}

/** The value of a declared query parameter; undefined when absent or empty. */
export function param(c: Context, name: string): string | undefined {
  const declared = (c as unknown as Record<symbol, Record<string, Param> | undefined>)[DECLARED];
  if (!declared || !(name in declared))
    throw new Error(`${c.req.method} ${c.req.routePath} reads query parameter ${name} it does not declare`);
  const v = c.req.query(name);
  return v === undefined || v === '' ? undefined : v;
}

/** A declared flag (BOOL or DRY_RUN): true for true and All. */
export function flag(c: Context, name: string): boolean {
  const v = param(c, name);
  return v === 'true' || v === 'All';
}
