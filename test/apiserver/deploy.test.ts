// The manifests under deploy/ agree with the code, statically (test/realk8s/deploy.test.ts applies
// them to a real API server): the CRD serves the path placer watches and closes its objects with
// the power sets of their fields; the ClusterRole grants list/watch on exactly the resources placer
// mirrors and create on pods/binding; the KubeSchedulerConfiguration's verbs are routes the
// extender serves, on the port of the placer beside it, over HTTPS with a client certificate; the
// DaemonSet's flags exist and the files they name are in the volumes it mounts.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { WATCHED } from '../../service/apiserver/resources.js';
import { DEFAULT_LIMITS } from '../../service/server/body.js';
import { Metrics } from '../../service/server/metrics.js';
import { extenderRoutes } from '../../service/server/routes/extender.js';

type Obj = Record<string, unknown>;
const root = join(import.meta.dirname, '..', '..');
const docs = (file: string): Obj[] => parseAllDocuments(readFileSync(join(root, 'deploy', file), 'utf8')).map((d) => d.toJS() as Obj);

/** The power set of `keys`, largest subsets first: the anyOf that closes an object in the CRD. */
function closedBranches(keys: string[]): Obj[] {
  const out: string[][] = [];
  for (let m = 0; m < 1 << keys.length; m++) out.push(keys.filter((_, i) => m & (1 << i)));
  out.sort((a, b) => b.length - a.length);
  return out.map((s) => (s.length === 0 ? { maxProperties: 0 } : { required: s, maxProperties: s.length }));
}

/** A role's grants as `group/resource:verb`, sorted. */
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

const container = (): Obj => {
  const ds = docs('placer.yaml').find((d) => d.kind === 'DaemonSet')!;
  return ((((ds.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0];
};

describe('deploy/', () => {
  const crd = docs('namespacepolicy-crd.yaml')[0];
  const version = ((crd.spec as Obj).versions as Obj[])[0];
  const schema = (version.schema as Obj).openAPIV3Schema as Obj;

  it('the NamespacePolicy CRD serves placer.dev/v1alpha1 at the path placer watches', () => {
    expect((crd.spec as Obj).group).toBe('placer.dev');
    expect(version.name).toBe('v1alpha1');
    const nsWatch = WATCHED.find((r) => r.kind === 'NamespacePolicy')!;
    expect(nsWatch.path).toBe(`/apis/placer.dev/v1alpha1/${((crd.spec as Obj).names as Obj).plural}`);
  });

  it("closes spec, spec.placement, spec.failover and every toleration with an anyOf over exactly the power set of their properties (test/realk8s/deploy.test.ts holds the API server's verdicts to placer's)", () => {
    const spec = (schema.properties as Record<string, Obj>).spec;
    const placement = (spec.properties as Record<string, Obj>).placement;
    const failover = (spec.properties as Record<string, Obj>).failover;
    const toleration = ((placement.properties as Record<string, Obj>).tolerations as { items: Obj }).items;
    for (const o of [spec, placement, failover, toleration]) {
      expect(o['x-kubernetes-preserve-unknown-fields']).toBe(true);
      expect(o.anyOf).toEqual(closedBranches(Object.keys(o.properties as Obj)));
    }
  });

  it("the ClusterRole grants list/watch on exactly the mirrored resources and create on pods/binding, nothing else, to the DaemonSet's ServiceAccount", () => {
    const rbac = docs('rbac.yaml');
    expect(rbac.map((d) => d.kind)).toEqual(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding']);
    const mirrored = WATCHED.flatMap((w) => {
      const seg = w.path.split('/');
      const group = seg[1] === 'api' ? '' : seg[2];
      const plural = seg[seg.length - 1];
      return [`${group}/${plural}:list`, `${group}/${plural}:watch`];
    });
    expect(grantsOf(rbac.find((d) => d.kind === 'ClusterRole')!)).toEqual([...mirrored, '/pods/binding:create'].sort());
    const ds = docs('placer.yaml').find((d) => d.kind === 'DaemonSet')!;
    const sa = ((ds.spec as Obj).template as { spec: Obj }).spec.serviceAccountName;
    expect(rbac.find((d) => d.kind === 'ClusterRoleBinding')!.subjects).toEqual([
      { kind: 'ServiceAccount', name: sa, namespace: (ds.metadata as Obj).namespace },
    ]);
  });

  it("placer-scheduler.yaml grants scheduler mode's writes — pods/status patch, pods/eviction create, events create, its Lease — and nothing else, to the same ServiceAccount", () => {
    const sched = docs('placer-scheduler.yaml');
    expect(sched.map((d) => d.kind)).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding']);
    expect(grantsOf(sched[0])).toEqual(['/pods/eviction:create', '/pods/status:patch', 'events.k8s.io/events:create']);
    expect(grantsOf(sched[2])).toEqual([
      'coordination.k8s.io/leases:create',
      'coordination.k8s.io/leases:get',
      'coordination.k8s.io/leases:update',
    ]);
    expect((sched[2].metadata as Obj).namespace).toBe('placer-system');
    const subjects = docs('rbac.yaml').find((d) => d.kind === 'ClusterRoleBinding')!.subjects;
    for (const [binding, role] of [
      [sched[1], sched[0]],
      [sched[3], sched[2]],
    ]) {
      expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: role.kind, name: (role.metadata as Obj).name });
      expect(binding.subjects).toEqual(subjects);
    }
  });

  it('the KubeSchedulerConfiguration points every verb at a route the extender serves, on the loopback port of the placer beside it', () => {
    const cfg = docs('kube-scheduler-config.yaml')[0];
    expect(cfg.apiVersion).toBe('kubescheduler.config.k8s.io/v1');
    expect(cfg.leaderElection).toEqual({ leaderElect: true, leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '500ms' });
    const ext = (cfg.extenders as Obj[])[0];
    const routes = extenderRoutes({
      state: () => undefined as never,
      metrics: new Metrics(() => undefined),
      limits: DEFAULT_LIMITS,
    }).routes.map((r) => `${r.method} ${r.path}`);
    for (const verb of ['filterVerb', 'prioritizeVerb', 'preemptVerb', 'bindVerb']) expect(routes).toContain(`POST /${String(ext[verb])}`);
    const args = container().args as string[];
    expect(args).toContain('--host=127.0.0.1');
    const port = args.find((a) => a.startsWith('--port='))!.split('=')[1];
    expect(ext.urlPrefix).toBe(`https://127.0.0.1:${port}/scheduler`);
    // HTTPS with kube-scheduler's client certificate: placer serves TLS and verifies it (docs/security.md)
    expect(ext.enableHTTPS).toBe(true);
    expect(Object.keys(ext.tlsConfig as Obj).sort()).toEqual(['caFile', 'certFile', 'keyFile']);
    expect(args).toEqual(expect.arrayContaining(['--delegated-auth']));
    for (const f of ['--tls-cert-file=', '--tls-private-key-file=', '--client-ca-file='])
      expect(args.some((a) => a.startsWith(f))).toBe(true);
    expect(ext).toMatchObject({
      nodeCacheCapable: true,
      ignorable: false,
      managedResources: [{ name: 'placer.dev/managed', ignoredByScheduler: true }],
    });
    expect(ext.weight).toBeGreaterThan(0);
  });

  it('the DaemonSet runs placer on the control-plane nodes, on their network, with flags placer serve has, probing its health routes on the loopback', () => {
    const ds = docs('placer.yaml').find((d) => d.kind === 'DaemonSet')!;
    const pod = ((ds.spec as Obj).template as Obj).spec as Obj;
    expect(pod).toMatchObject({ hostNetwork: true, nodeSelector: { 'node-role.kubernetes.io/control-plane': '' } });
    const c = container();
    // the built CLI's own help (service/cli/main.ts runs the program when imported)
    const help = spawnSync(process.execPath, [join(root, 'bin', 'placer.js'), 'serve', '--help'], { encoding: 'utf8' }).stdout;
    const flags = new Set([...help.matchAll(/(--[a-z-]+)/g)].map((m) => m[1]));
    const args = c.args as string[];
    expect(args[0]).toBe('serve');
    for (const a of args.slice(1)) expect(flags).toContain(a.split('=')[0]);
    expect(args).toContain('--in-cluster');
    const port = Number(args.find((a) => a.startsWith('--port='))!.split('=')[1]);
    expect(c).toMatchObject({
      readinessProbe: { httpGet: { host: '127.0.0.1', path: '/readyz', port, scheme: 'HTTPS' } },
      livenessProbe: { httpGet: { host: '127.0.0.1', path: '/livez', port, scheme: 'HTTPS' } },
    });
    // every file a flag names is in a volume the pod mounts: the Secret's tls.crt/tls.key, the ConfigMap's ca.crt
    const volumes = new Map((pod.volumes as Obj[]).map((v) => [v.name, v]));
    const mounts = (c.volumeMounts as Obj[]).map((m) => [String(m.mountPath), volumes.get(m.name)!] as const);
    const files = args.filter((a) => a.includes('=/')).map((a) => a.split('=')[1]);
    expect(files.length).toBe(3);
    for (const f of files) {
      const [mountPath, volume] = mounts.find(([m]) => f.startsWith(`${m}/`))!;
      const key = f.slice(mountPath.length + 1);
      if (volume.secret) expect(['tls.crt', 'tls.key']).toContain(key);
      else expect([volume.configMap, key]).toEqual([{ name: 'kube-root-ca.crt' }, 'ca.crt']);
    }
  });
});
