// The native API under /v1 (docs/api.md): apply manifests, list hosts, namespaces and
// placements, release a workload, remove a host. JSON by default; msgpack in (Content-Type) and
// out (Accept) with application/vnd.msgpack. Errors are Kubernetes Status objects.

import { Hono } from 'hono';
import { formatAmount, parseText, type Manifest } from '../../k8s/index.js';
import { bodyKind, readBody, reply, unpackBody, utf8, type BodyLimits } from '../body.js';
import { hostColumns, labelKeys } from '../hostcolumns.js';
import type { Metrics } from '../metrics.js';
import type { PlacerState } from '../state.js';
import { badRequest, notFound, success } from '../status.js';

export const API_VERSION = 'placer.dev/v1alpha1';
const LABEL = 'request body';

/** Kinds placer places, by every name a client may use in a path. */
const KINDS: Record<string, 'Pod' | 'VirtualMachine'> = {
  pod: 'Pod',
  pods: 'Pod',
  virtualmachine: 'VirtualMachine',
  virtualmachines: 'VirtualMachine',
  vm: 'VirtualMachine',
  vms: 'VirtualMachine',
};

/** A kind in a path (`pods`, `vm`, `Pod`, …) → Pod or VirtualMachine; NotFound otherwise. */
export function kindOf(param: string): 'Pod' | 'VirtualMachine' {
  const kind = KINDS[param.toLowerCase()] ?? (param === 'Pod' || param === 'VirtualMachine' ? param : undefined);
  if (!kind) throw notFound(`the server could not find the requested resource: placer places Pod and VirtualMachine, not ${JSON.stringify(param)}`, { kind: param });
  return kind;
}

export interface NativeDeps {
  state: () => PlacerState;
  metrics: Metrics;
  limits: BodyLimits;
}

function percent(used: bigint, alloc: bigint): number {
  return alloc === 0n ? 0 : Number((used * 1000n) / alloc) / 10;
}

const amounts = (m: ReadonlyMap<string, bigint>, skipZero = false): Record<string, string> =>
  Object.fromEntries([...m].filter(([, v]) => !skipZero || v !== 0n).map(([k, v]) => [k, formatAmount(k, v)]));

/** Manifests from a body: YAML (multi-document), JSON object, List or array; msgpack object or array. */
export function manifestsOf(kind: ReturnType<typeof bodyKind>, bytes: Uint8Array): Manifest[] {
  if (kind === 'msgpack') return parseText(JSON.stringify(unpackBody(bytes), (_, v) => (typeof v === 'bigint' ? v.toString() : v)), LABEL);
  const text = utf8(bytes);
  if (text.trim() === '') throw badRequest('the request body is empty');
  if (kind === 'json' && !/^\s*[{[]/.test(text)) throw badRequest(`${LABEL}: invalid JSON: a JSON object or array was expected`);
  return parseText(text, LABEL);
}

export function nativeRoutes(deps: NativeDeps): Hono {
  const app = new Hono();

  app.post('/apply', async (c) => {
    const kind = bodyKind(c, ['json', 'yaml', 'msgpack', 'unspecified']);
    const bytes = await readBody(c, deps.limits.apply);
    const manifests = manifestsOf(kind, bytes);
    const start = performance.now();
    let out;
    try {
      out = deps.state().apply(manifests);
    } catch (err) {
      deps.metrics.attempt('native', 'error', (performance.now() - start) / 1000);
      throw err;
    }
    const seconds = (performance.now() - start) / 1000;
    deps.metrics.attempt('native', 'scheduled', seconds, out.placed);
    deps.metrics.attempt('native', 'unschedulable', seconds, out.unplaced);
    return reply(c, out.result);
  });

  app.get('/hosts', (c) => {
    const state = deps.state();
    if (c.req.query('format') === 'columns') return reply(c, hostColumns(state, API_VERSION, labelKeys(c.req.query('labels'))));
    const items = state.engine
      .hostUsage()
      .map((h) => ({
        name: h.name,
        unschedulable: h.unschedulable,
        allocatable: amounts(h.allocatable, true),
        used: amounts(h.used, true),
        utilization: Object.fromEntries([...h.allocatable].filter(([, a]) => a !== 0n).map(([k, a]) => [k, percent(h.used.get(k) ?? 0n, a)])),
        workloads: state.heldOn(h.name),
      }));
    return reply(c, { apiVersion: API_VERSION, kind: 'HostList', items });
  });

  app.delete('/hosts/:name', (c) => {
    const name = c.req.param('name');
    deps.state().removeHost(name);
    return reply(c, success({ name, kind: 'hosts' }, `host ${name} removed`));
  });

  app.get('/namespaces', (c) => {
    const state = deps.state();
    const items = state.engine
      .namespaceUsage()
      .filter((ns) => state.listedNamespace(ns.namespace))
      .map((ns) => ({
        namespace: ns.namespace,
        used: amounts(ns.used, true),
        reservation: amounts(ns.reservation),
        quotas: ns.quotas.map((q) => ({ name: q.name, hard: amounts(q.hard), used: amounts(q.used) })),
      }));
    return reply(c, { apiVersion: API_VERSION, kind: 'NamespaceList', items });
  });

  app.get('/placements', (c) => {
    const ns = c.req.query('namespace');
    const items = deps
      .state()
      .placements(ns === undefined || ns === '' ? undefined : ns)
      .map((p) => ({
        namespace: p.namespace,
        kind: p.kind,
        name: p.name,
        host: p.host,
        ...(p.uid !== null && { uid: p.uid }),
        ...(p.owner !== null && { owner: p.owner }),
        origin: p.origin,
      }));
    return reply(c, { apiVersion: API_VERSION, kind: 'PlacementList', items });
  });

  app.delete('/namespaces/:namespace/:kind/:name', (c) => {
    const { namespace, name } = c.req.param();
    const kind = kindOf(c.req.param('kind'));
    const released = deps.state().release(kind, namespace, name);
    return reply(c, success({ name, kind }, `${kind} ${namespace}/${name} released from host ${released.host}`));
  });

  return app;
}
