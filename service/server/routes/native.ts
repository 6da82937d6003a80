// The native API under /v1 (docs/api.md): apply manifests, list hosts, namespaces and
// placements, release a workload, remove a host, a ResourceQuota or a NamespacePolicy. JSON by default; msgpack in (Content-Type) and
// out (Accept) with application/vnd.msgpack. Errors are Kubernetes Status objects.

import { type Context, Hono } from 'hono';
import type { NamespaceList } from '../../placement/api-types.js';
import type { PlacementResult } from '../../placement/result.js';
import { requirementMatches } from '../../../model/selectors.js';
import { parseSelectorString } from '../../manifests/labels.js';
import { formatAmounts, parseText, type Manifest } from '../../manifests/index.js';
import { scanJson } from '../../manifests/jsonscan.js';
import { objectsOf } from '../auth/audit.js';
import { bodyKind, parseJsonBody, readBody, reply, unpackBody, utf8, type BodyLimits } from '../body.js';
import { hostColumns, labelKeys } from '../hostcolumns.js';
import type { Metrics } from '../metrics.js';
import type { PlacerState } from '../../state/state.js';
import { BOOL, DRY_RUN, FIELD_VALIDATION, flag, integer, NAMESPACE, NAMESPACE_LIST, oneOf, param, takes, TEXT } from '../query.js';
import { badRequest, notFound, success } from '../status.js';
import { warningHeader } from '../warning.js';

export const API_VERSION = 'placer.dev/v1alpha1';
const LABEL = 'request body';
/**
 * `?packingEffort=` on apply: workloads the packing phase may place again after this batch (0:
 * off). Bounded so that one request cannot hold the single-writer state for long: the phase's
 * work grows with it (docs/placement-rules.md).
 */
const PACKING_EFFORT = integer(0, 1_000_000);

/** Kinds placer places, by every name a client may use in a path. */
const KINDS: Record<string, 'Pod' | 'VirtualMachine'> = {
  pod: 'Pod',
  pods: 'Pod',
  virtualmachine: 'VirtualMachine',
  virtualmachines: 'VirtualMachine',
  vm: 'VirtualMachine',
  vms: 'VirtualMachine',
};

/** Namespaced objects a DELETE removes, by every name a client may use in a path. */
const OBJECT_KINDS: Record<string, 'ResourceQuota' | 'NamespacePolicy'> = {
  resourcequota: 'ResourceQuota',
  resourcequotas: 'ResourceQuota',
  quota: 'ResourceQuota',
  namespacepolicy: 'NamespacePolicy',
  namespacepolicies: 'NamespacePolicy',
};

/** A kind in a path (`pods`, `vm`, `Pod`, …) → Pod or VirtualMachine; NotFound otherwise. */
export function kindOf(param: string): 'Pod' | 'VirtualMachine' {
  const kind = KINDS[param.toLowerCase()] ?? (param === 'Pod' || param === 'VirtualMachine' ? param : undefined);
  if (!kind)
    throw notFound(`the server could not find the requested resource: placer places Pod and VirtualMachine, not ${JSON.stringify(param)}`, {
      kind: param,
    });
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

/** Manifests from a body: YAML (multi-document), JSON object, List or array; msgpack object or array. */
export function manifestsOf(kind: ReturnType<typeof bodyKind>, bytes: Uint8Array): Manifest[] {
  try {
    return decodeManifests(kind, bytes);
  } catch (e) {
    // msgpack nested past the stack (JSON and YAML say so themselves, as a 400 too)
    if (e instanceof RangeError) throw badRequest('the request body is nested too deeply');
    throw e;
  }
}

function decodeManifests(kind: ReturnType<typeof bodyKind>, bytes: Uint8Array): Manifest[] {
  if (kind === 'msgpack')
    return parseText(
      JSON.stringify(unpackBody(bytes), (_, v) => (typeof v === 'bigint' ? v.toString() : v)),
      LABEL,
    );
  const text = utf8(bytes);
  if (text.trim() === '') throw badRequest('the request body is empty');
  if (kind === 'json' && !/^\s*[{[]/.test(text)) throw badRequest(`${LABEL}: invalid JSON: a JSON object or array was expected`);
  return parseText(text, LABEL);
}

/** A small JSON object body (operations' parameters). */
export async function smallJson(c: Context, limit: number): Promise<Record<string, unknown>> {
  bodyKind(c, ['json', 'unspecified']);
  const bytes = await readBody(c, limit);
  const problem = scanJson(utf8(bytes));
  if (problem) throw badRequest(`the request body is not valid JSON: ${problem.message}`);
  const v = parseJsonBody(bytes);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw badRequest('the request body must be a JSON object');
  return v as Record<string, unknown>;
}

/** The answer with its warnings also as Kubernetes `Warning: 299` headers (kubectl prints them). */
function warned(c: Context, result: PlacementResult): Response {
  for (const w of result.warnings ?? []) c.header('warning', warningHeader(w), { append: true });
  return reply(c, result);
}

export function nativeRoutes(deps: NativeDeps): Hono {
  const app = new Hono();

  // dryRun (All, as the Kubernetes API spells it, or true): what would happen, nothing changed
  // fieldValidation=Strict: an object of a kind nobody defines is a 400 rather than a warning
  // packingEffort: the packing phase's effort for this batch (placer place --packing-effort)
  app.post('/apply', takes({ dryRun: DRY_RUN, fieldValidation: FIELD_VALIDATION, packingEffort: PACKING_EFFORT }), async (c) => {
    const dryRun = flag(c, 'dryRun');
    const strict = param(c, 'fieldValidation') === 'Strict';
    const effort = param(c, 'packingEffort');
    const packingEffort = effort === undefined ? undefined : Number(effort);
    const kind = bodyKind(c, ['json', 'yaml', 'msgpack', 'unspecified']);
    const bytes = await readBody(c, deps.limits.apply);
    const manifests = manifestsOf(kind, bytes);
    c.set('auditObject', objectsOf(manifests));
    if (dryRun) return warned(c, deps.state().apply(manifests, { dryRun: true, strict, packingEffort }).result);
    const start = performance.now();
    let out;
    try {
      out = deps.state().apply(manifests, { strict, packingEffort });
    } catch (err) {
      deps.metrics.attempt('native', 'error', (performance.now() - start) / 1000);
      throw err;
    }
    const seconds = (performance.now() - start) / 1000;
    deps.metrics.attempt('native', 'scheduled', seconds, out.placed);
    deps.metrics.attempt('native', 'unschedulable', seconds, out.unplaced);
    return warned(c, out.result);
  });

  app.get('/hosts', takes({ format: oneOf('columns', ''), labels: TEXT }), (c) => {
    const state = deps.state();
    if (param(c, 'format') === 'columns') return reply(c, hostColumns(state, API_VERSION, labelKeys(param(c, 'labels'))));
    if (param(c, 'labels') !== undefined) throw badRequest('query parameter labels: only with format=columns');
    const items = state.engine.hostUsage().map((h) => ({
      name: h.name,
      unschedulable: h.unschedulable,
      allocatable: formatAmounts(h.allocatable, true),
      used: formatAmounts(h.used, true),
      utilization: Object.fromEntries([...h.allocatable].filter(([, a]) => a !== 0n).map(([k, a]) => [k, percent(h.used.get(k) ?? 0n, a)])),
      workloads: state.heldOn(h.name),
    }));
    return reply(c, { apiVersion: API_VERSION, kind: 'HostList', items });
  });

  app.delete('/hosts/:name', takes(), (c) => {
    const name = c.req.param('name');
    deps.state().removeHost(name);
    return reply(c, success({ name, kind: 'hosts' }, `host ${name} removed`));
  });

  // Operations (docs/operations.md): plans by default only with dryRun=true; executed otherwise.
  app.post('/hosts/:name/drain', takes({ dryRun: DRY_RUN, allowPartial: BOOL }), (c) => {
    return reply(c, deps.state().drain([c.req.param('name')], flag(c, 'dryRun'), flag(c, 'allowPartial')));
  });

  app.post('/drain', takes({ dryRun: DRY_RUN, allowPartial: BOOL }), async (c) => {
    const body = await smallJson(c, deps.limits.other);
    const state = deps.state();
    let hosts: string[];
    if (Array.isArray(body.hosts) && body.hosts.every((h) => typeof h === 'string') && body.selector === undefined)
      hosts = body.hosts as string[];
    else if (typeof body.selector === 'string' && body.hosts === undefined) {
      let reqs;
      try {
        reqs = parseSelectorString(body.selector);
      } catch (err) {
        throw badRequest((err as Error).message);
      }
      hosts = state.engine
        .hostUsage()
        .map((h) => h.name)
        .filter((n) => reqs.every((r) => requirementMatches(r, state.engine.hostObj(n)!.labels)));
      if (hosts.length === 0) throw notFound(`no host matches the selector ${JSON.stringify(body.selector)}`, { kind: 'hosts' });
    } else throw badRequest('the body must be {"hosts": ["<name>", ...]} or {"selector": "<label selector>"}');
    c.set('auditObject', `hosts ${hosts.join(', ')}`);
    return reply(c, state.drain(hosts, flag(c, 'dryRun'), flag(c, 'allowPartial')));
  });

  app.post('/hosts/:name/cordon', takes(), (c) => {
    const name = c.req.param('name');
    deps.state().setUnschedulable(name, true);
    return reply(c, success({ name, kind: 'hosts' }, `host ${name} cordoned`));
  });

  app.post('/hosts/:name/uncordon', takes(), (c) => {
    const name = c.req.param('name');
    deps.state().setUnschedulable(name, false);
    return reply(c, success({ name, kind: 'hosts' }, `host ${name} uncordoned`));
  });

  app.post('/rebalance', takes({ dryRun: DRY_RUN, maxMoves: integer(1, 10_000), resource: TEXT }), (c) => {
    const maxMoves = Number(param(c, 'maxMoves') ?? 10);
    c.set('auditObject', 'every host');
    return reply(c, deps.state().rebalance(flag(c, 'dryRun'), maxMoves, param(c, 'resource')));
  });

  app.post(
    '/consolidate',
    takes({
      dryRun: DRY_RUN,
      maxMoves: integer(1, 1_000_000),
      effort: integer(1, 100_000_000),
      sparePerZone: integer(0, 10_000),
      excludeNamespaces: NAMESPACE_LIST,
      includeBinPacking: BOOL,
    }),
    (c) => {
      const number = (name: string) => (param(c, name) === undefined ? undefined : Number(param(c, name)));
      const excluded = param(c, 'excludeNamespaces');
      c.set('auditObject', 'every host');
      return reply(
        c,
        deps.state().consolidate(
          {
            ...(number('maxMoves') !== undefined && { maxMoves: number('maxMoves') }),
            ...(number('effort') !== undefined && { effort: number('effort') }),
            ...(number('sparePerZone') !== undefined && { sparePerZone: number('sparePerZone') }),
            ...(excluded !== undefined && { excludeNamespaces: excluded.split(',') }),
            includeBinPacking: flag(c, 'includeBinPacking'),
          },
          flag(c, 'dryRun'),
        ),
      );
    },
  );

  app.post('/namespaces/:namespace/move', takes({ dryRun: DRY_RUN }), async (c) => {
    const body = await smallJson(c, deps.limits.other);
    if (typeof body.to !== 'string')
      throw badRequest('the body must be {"to": "<label selector of the hosts>"}, e.g. {"to": "topology.kubernetes.io/zone=zone-b"}');
    return reply(c, deps.state().moveNamespace(c.req.param('namespace'), body.to, flag(c, 'dryRun')));
  });

  app.get('/namespaces', takes(), (c) => {
    const state = deps.state();
    const items = state.engine
      .namespaceUsage()
      .filter((ns) => state.listedNamespace(ns.namespace))
      .map((ns) => ({
        namespace: ns.namespace,
        used: formatAmounts(ns.used, true),
        reservation: formatAmounts(ns.reservation),
        quotas: ns.quotas.map((q) => ({ name: q.name, hard: formatAmounts(q.hard), used: formatAmounts(q.used) })),
      }));
    return reply(c, { apiVersion: API_VERSION, kind: 'NamespaceList', items } satisfies NamespaceList);
  });

  app.get('/placements', takes({ namespace: NAMESPACE }), (c) => {
    const items = deps
      .state()
      .placements(param(c, 'namespace'))
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

  app.delete('/namespaces/:namespace/:kind/:name', takes(), (c) => {
    const { namespace, name } = c.req.param();
    const object = OBJECT_KINDS[c.req.param('kind').toLowerCase()];
    if (object) {
      deps.state().removeObject(object, namespace, name);
      return reply(c, success({ name, kind: object }, `${object} ${namespace}/${name} deleted`));
    }
    const kind = kindOf(c.req.param('kind'));
    const removed = deps.state().remove(kind, namespace, name);
    if ('withdrawn' in removed)
      return reply(c, success({ name, kind }, `${kind} ${namespace}/${name} withdrawn: it was pending and is not tried again`));
    return reply(c, success({ name, kind }, `${kind} ${namespace}/${name} released from host ${removed.held.host}`));
  });

  return app;
}
