// The manifests under deploy/ agree with the code: the CRD's schema takes every NamespacePolicy
// the project ships and refuses what policy.ts refuses; the ClusterRole grants list/watch on
// exactly the resources placer mirrors, create on pods/binding and the Lease verbs; the
// KubeSchedulerConfiguration's verbs are routes the extender serves; the Deployment's flags exist.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadPaths } from '../../service/manifests/index.js';
import { WATCHED } from '../../service/apiserver/resources.js';
import { DEFAULT_LIMITS } from '../../service/server/body.js';
import { Metrics } from '../../service/server/metrics.js';
import { extenderRoutes } from '../../service/server/routes/extender.js';

type Obj = Record<string, unknown>;
const root = join(import.meta.dirname, '..', '..');
const docs = (file: string): Obj[] => parseAllDocuments(readFileSync(join(root, 'deploy', file), 'utf8')).map((d) => d.toJS() as Obj);

/** A small structural-schema check: types, enums, closed objects (additionalProperties: false). */
function validate(schema: Obj, v: unknown, path: string): string[] {
  if (schema['x-kubernetes-int-or-string']) return typeof v === 'string' || Number.isInteger(v) ? [] : [`${path}: not an int or string`];
  if (schema.anyOf)
    return (schema.anyOf as Obj[]).some((s) => validate(s, v, path).length === 0) ? [] : [`${path}: no anyOf branch matches`];
  const type = schema.type as string | undefined;
  if (type === 'object') {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return [`${path}: not an object`];
    const props = (schema.properties ?? {}) as Record<string, Obj>;
    const errs: string[] = [];
    for (const [k, x] of Object.entries(v as Obj)) {
      if (props[k]) errs.push(...validate(props[k], x, `${path}.${k}`));
      else if (typeof schema.additionalProperties === 'object')
        errs.push(...validate(schema.additionalProperties as Obj, x, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}.${k}: unknown field`);
    }
    return errs;
  }
  if (type === 'array')
    return Array.isArray(v) ? v.flatMap((x, i) => validate(schema.items as Obj, x, `${path}[${i}]`)) : [`${path}: not an array`];
  if (type === 'string' && typeof v !== 'string') return [`${path}: not a string`];
  if (type === 'boolean' && typeof v !== 'boolean') return [`${path}: not a boolean`];
  if (type === 'integer' && !Number.isInteger(v)) return [`${path}: not an integer`];
  if (schema.enum && !(schema.enum as unknown[]).includes(v)) return [`${path}: not one of ${(schema.enum as unknown[]).join(', ')}`];
  return [];
}

describe('deploy/', () => {
  const crd = docs('namespacepolicy-crd.yaml')[0];
  const version = ((crd.spec as Obj).versions as Obj[])[0];
  const schema = (version.schema as Obj).openAPIV3Schema as Obj;

  it('the NamespacePolicy CRD serves placer.dev/v1alpha1 and its schema takes every policy the examples ship', async () => {
    expect((crd.spec as Obj).group).toBe('placer.dev');
    expect(version.name).toBe('v1alpha1');
    const nsWatch = WATCHED.find((r) => r.kind === 'NamespacePolicy')!;
    expect(nsWatch.path).toBe(`/apis/placer.dev/v1alpha1/${((crd.spec as Obj).names as Obj).plural}`);
    const policies = (await loadPaths([join(root, 'examples')])).filter((m) => m.kind === 'NamespacePolicy');
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) expect(validate(schema, p.obj, p.source.file)).toEqual([]);
  });

  it('the CRD schema refuses what placer refuses: unknown fields, unknown strategies', () => {
    const bad = {
      apiVersion: 'placer.dev/v1alpha1',
      kind: 'NamespacePolicy',
      metadata: { name: 'x' },
      spec: { reservations: { cpu: '1' }, placement: { strategy: 'Random' } },
    };
    expect(validate(schema, bad, 'x')).toEqual([
      'x.spec.reservations: unknown field',
      'x.spec.placement.strategy: not one of LeastAllocated, MostAllocated, BalancedAllocation, RequestedToCapacityRatio',
    ]);
  });

  it('the ClusterRole grants list/watch on exactly the mirrored resources and create on pods/binding; a Role in placer-system the Lease verbs', () => {
    const grantsOf = (role: Obj): string[] => {
      const grants = new Set<string>();
      for (const rule of role.rules as Obj[]) {
        for (const g of rule.apiGroups as string[]) {
          for (const r of rule.resources as string[]) {
            for (const v of rule.verbs as string[])
              grants.add(`${g}/${r}:${v}${rule.resourceNames ? `@${(rule.resourceNames as string[]).join(',')}` : ''}`);
          }
        }
      }
      return [...grants].sort();
    };
    const rbac = docs('rbac.yaml');
    const mirrored = WATCHED.flatMap((w) => {
      const seg = w.path.split('/');
      const group = seg[1] === 'api' ? '' : seg[2];
      const plural = seg[seg.length - 1];
      return [`${group}/${plural}:list`, `${group}/${plural}:watch`];
    });
    expect(grantsOf(rbac.find((d) => d.kind === 'ClusterRole')!)).toEqual([...mirrored, '/pods/binding:create'].sort());
    const role = rbac.find((d) => d.kind === 'Role')!;
    const deployment = docs('placer.yaml').find((d) => d.kind === 'Deployment')!;
    expect((role.metadata as Obj).namespace).toBe((deployment.metadata as Obj).namespace);
    expect(grantsOf(role)).toEqual([
      'coordination.k8s.io/leases:create',
      'coordination.k8s.io/leases:get@placer',
      'coordination.k8s.io/leases:update@placer',
    ]);
    // both bound to the Deployment's service account
    const sa = ((deployment.spec as Obj).template as { spec: Obj }).spec.serviceAccountName;
    for (const kind of ['ClusterRoleBinding', 'RoleBinding']) {
      const b = rbac.find((d) => d.kind === kind)!;
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: sa, namespace: (deployment.metadata as Obj).namespace }]);
    }
  });

  it('the KubeSchedulerConfiguration points every verb at a route the extender serves, on the Service', () => {
    const cfg = docs('kube-scheduler-config.yaml')[0];
    expect(cfg.apiVersion).toBe('kubescheduler.config.k8s.io/v1');
    const ext = (cfg.extenders as Obj[])[0];
    const routes = extenderRoutes({
      state: () => undefined as never,
      metrics: new Metrics(() => undefined),
      limits: DEFAULT_LIMITS,
    }).routes.map((r) => `${r.method} ${r.path}`);
    for (const verb of ['filterVerb', 'prioritizeVerb', 'preemptVerb', 'bindVerb']) expect(routes).toContain(`POST /${String(ext[verb])}`);
    const svc = docs('placer.yaml').find((d) => d.kind === 'Service')!;
    const port = ((svc.spec as Obj).ports as Obj[])[0].port;
    expect(ext.urlPrefix).toBe(`http://${(svc.metadata as Obj).name}.${(svc.metadata as Obj).namespace}.svc:${port}/scheduler`);
    expect(ext).toMatchObject({
      nodeCacheCapable: true,
      ignorable: false,
      managedResources: [{ name: 'placer.dev/managed', ignoredByScheduler: true }],
    });
    expect(ext.weight).toBeGreaterThan(0);
  });

  it('the Deployment runs two replicas with flags placer serve has, and probes its health routes', () => {
    const dep = docs('placer.yaml').find((d) => d.kind === 'Deployment')!;
    expect((dep.spec as Obj).replicas).toBe(2);
    const container = ((((dep.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0];
    // the built CLI's own help (service/cli/main.ts runs the program when imported)
    const help = spawnSync(process.execPath, [join(root, 'bin', 'placer.js'), 'serve', '--help'], { encoding: 'utf8' }).stdout;
    const flags = new Set([...help.matchAll(/(--[a-z-]+)/g)].map((m) => m[1]));
    const args = container.args as string[];
    expect(args[0]).toBe('serve');
    for (const a of args.slice(1)) expect(flags).toContain(a.split('=')[0]);
    expect(args).toContain('--in-cluster');
    expect(container).toMatchObject({ readinessProbe: { httpGet: { path: '/readyz' } }, livenessProbe: { httpGet: { path: '/livez' } } });
  });
});
