// What a request needs, derived from its method and path alone, so that every route, present or
// added later, falls in one class without a list of routes to keep up to date:
//
//   PUBLIC    /livez, /readyz, /healthz: the probes, answered to anyone; and GET of the web
//             console's files (/, /ui, /ui/*), which hold no data (every figure it shows comes
//             from /v1, authorized) and must load to ask for a token
//   SCHEDULE  anything under /scheduler: the kube-scheduler extender's verbs
//   READ      GET or HEAD anywhere else: /v1, /metrics, /version
//   WRITE     any other method under /v1: apply, delete, cordon, drain, rebalance, move, plans
//   ADMIN     anything else (no such route today): system:masters only
//
// Classes are bits, so that a role grants a set of them (groups.ts).

export const READ = 1;
export const SCHEDULE = 2;
export const WRITE = 4;
export const ADMIN = 8;
export const ALL = READ | SCHEDULE | WRITE | ADMIN;
/** Not a class a role grants: the probes need no identity. */
export const PUBLIC = 0;

export type Access = typeof PUBLIC | typeof READ | typeof SCHEDULE | typeof WRITE | typeof ADMIN;

const PROBES = /^\/(livez|readyz|healthz)$/;
const CONSOLE = /^\/(ui(\/.*)?)?$/;

const under = (path: string, prefix: string): boolean => path === prefix || path.startsWith(`${prefix}/`);

export function accessOf(method: string, path: string): Access {
  if (PROBES.test(path)) return PUBLIC;
  if ((method === 'GET' || method === 'HEAD') && CONSOLE.test(path)) return PUBLIC;
  if (under(path, '/scheduler')) return SCHEDULE;
  if (method === 'GET' || method === 'HEAD') return READ;
  if (under(path, '/v1')) return WRITE;
  return ADMIN;
}

/** The verb of a non-resource request as kube-apiserver names it for RBAC: the method in lower case, HEAD as get. */
export function verbOf(method: string): string {
  return method === 'HEAD' ? 'get' : method.toLowerCase();
}
