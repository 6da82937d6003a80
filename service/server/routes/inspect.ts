// Read endpoints of the native API that the web console is built on, general enough for any
// client (docs/api.md): one host in detail, the pending workloads, and explain — where a workload
// would go now and why every other host is rejected — for pasted manifests or a pending workload.
// None of them changes anything.

import { Hono } from 'hono';
import type { ExplanationList, HostDetail, PendingList } from '../../placement/api-types.js';
import { formatAmounts } from '../../manifests/index.js';
import { bodyKind, readBody, reply, type BodyLimits } from '../body.js';
import { explanationOf } from '../explanation.js';
import type { PlacerState } from '../../state/state.js';
import { InputError } from '../../../model/errors.js';
import { BOOL, FIELD_VALIDATION, NAMESPACE, TEXT, param, takes } from '../query.js';
import { badRequest, notFound } from '../status.js';
import { warningHeader } from '../warning.js';
import { parseShape } from '../../placement/capacity.js';
import { kindOf, manifestsOf } from './native.js';

export interface InspectDeps {
  state: () => PlacerState;
  limits: BodyLimits;
  apiVersion: string;
}

export function inspectRoutes(deps: InspectDeps): Hono {
  const app = new Hono();
  const apiVersion = deps.apiVersion;

  app.get('/hosts/:name', takes(), (c) => {
    const name = c.req.param('name');
    const state = deps.state();
    const obj = state.engine.hostObj(name);
    const usage = obj && state.engine.hostUsage().find((h) => h.name === name);
    if (!obj || !usage) throw notFound(`host ${JSON.stringify(name)} not found`, { name, kind: 'hosts' });
    const utilization = Object.fromEntries(
      [...usage.allocatable].filter(([, a]) => a !== 0n).map(([k, a]) => [k, Number(((usage.used.get(k) ?? 0n) * 1000n) / a) / 10]),
    );
    const namespaces = [...state.namespacesOn(name)]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([namespace, workloads]) => ({ namespace, workloads }));
    return reply(c, {
      apiVersion,
      kind: 'Host',
      name,
      unschedulable: obj.unschedulable,
      labels: Object.fromEntries(obj.labels),
      taints: obj.taints.map((t) => ({ key: t.key, ...(t.value !== '' && { value: t.value }), effect: t.effect })),
      allocatable: formatAmounts(usage.allocatable, true),
      used: formatAmounts(usage.used, true),
      utilization,
      workloads: state.heldOn(name),
      namespaces,
    } satisfies HostDetail);
  });

  app.get('/pending', takes({ namespace: NAMESPACE }), (c) => {
    const items = deps
      .state()
      .pending.list(param(c, 'namespace'))
      .map((p) => ({
        namespace: p.namespace,
        kind: p.kind,
        name: p.name,
        ...(p.owner !== null && { owner: p.owner }),
        reason: p.reason,
        grade: p.grade,
        since: p.since,
        lastAttempt: p.lastAttempt,
        attempts: p.attempts,
      }));
    return reply(c, { apiVersion, kind: 'PendingList', items } satisfies PendingList);
  });

  app.post('/explain', takes({ fieldValidation: FIELD_VALIDATION }), async (c) => {
    const kind = bodyKind(c, ['json', 'yaml', 'msgpack', 'unspecified']);
    const manifests = manifestsOf(kind, await readBody(c, deps.limits.apply));
    const explained = deps.state().explain(manifests, param(c, 'fieldValidation') === 'Strict');
    const items = explained.items.map(({ template, name, explanation }) => explanationOf(template, name, explanation));
    for (const w of explained.warnings) c.header('warning', warningHeader(w), { append: true });
    return reply(c, { apiVersion, kind: 'ExplanationList', items } satisfies ExplanationList);
  });

  // How many more replicas fit: a shape of requests (?shape=cpu=8,memory=32Gi, in ?namespace= or
  // every namespace with ?allNamespaces=true) or the workload manifests of the body. Nothing changes.
  const capacityParams = { shape: TEXT, namespace: NAMESPACE, allNamespaces: BOOL, zoneKey: TEXT, fieldValidation: FIELD_VALIDATION };
  app.post('/capacity', takes(capacityParams), async (c) => {
    const shapeText = param(c, 'shape');
    const namespace = param(c, 'namespace');
    const all = param(c, 'allNamespaces');
    const zoneKey = param(c, 'zoneKey');
    const body = await readBody(c, deps.limits.apply);
    if (shapeText === undefined) {
      if (namespace !== undefined || all !== undefined)
        throw badRequest('namespace and allNamespaces go with shape: workload manifests carry their namespaces');
      const manifests = manifestsOf(bodyKind(c, ['json', 'yaml', 'msgpack', 'unspecified']), body);
      const strict = param(c, 'fieldValidation') === 'Strict';
      const { report, warnings } = deps.state().capacity({ manifests, strict, ...(zoneKey && { zoneKey }) });
      for (const w of warnings) c.header('warning', warningHeader(w), { append: true });
      return reply(c, report);
    }
    if (body.length > 0) throw badRequest('with shape, the request has no body: the shape is the workload');
    if (namespace !== undefined && all === 'true') throw badRequest('give namespace or allNamespaces=true, not both');
    let shape: Record<string, string>;
    try {
      shape = parseShape(shapeText);
    } catch (err) {
      if (err instanceof InputError) throw badRequest(`query parameter ${err.message}`);
      throw err;
    }
    const { report } = deps.state().capacity({
      shape,
      allNamespaces: all === 'true',
      ...(namespace && { namespace }),
      ...(zoneKey && { zoneKey }),
    });
    return reply(c, report);
  });

  app.get('/namespaces/:namespace/:kind/:name/explain', takes(), (c) => {
    const { namespace, name } = c.req.param();
    const kind = kindOf(c.req.param('kind'));
    const { pending, explanation } = deps.state().explainPending(kind, namespace, name);
    return reply(c, {
      apiVersion,
      kind: 'ExplanationList',
      items: [explanationOf(pending.template, pending.name, explanation)],
    } satisfies ExplanationList);
  });

  return app;
}
