// deploy/ against the real API server (v1.24): every manifest applies as it is shipped, the
// ServiceAccount may do what placer does and nothing more, kube-scheduler takes the shipped
// configuration, the shipped setup is the one docs/security.md describes (placer as the DaemonSet
// runs it — HTTPS only, authenticated, authorized by the cluster's RBAC — and the real
// kube-scheduler binding a pod through it with its client certificate), and the NamespacePolicy
// CRD's verdict on a policy is placer's own — case by case, with the few things a schema cannot
// say listed as such.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseText } from '../../service/manifests/index.js';
import { parseManifests } from '../../service/manifests/parse.js';
import { ROOT } from './binaries.js';
import { ControlPlane } from './controlplane.js';
import type { Kube, Obj } from './kube.js';
import { APPLIED, applyDeploy, createNamespace, createNode, deployDocs, pathOf } from './objects.js';
import { SERVING_EXT, signCert } from './pki.js';
import { callPlacer, logLines, shippedContainer, startShippedPlacer } from './placer.js';
import { freePort, until } from './procs.js';
import { startScheduler } from './scheduler.js';
import { describeReal } from './suite.js';
import { killAll } from '../e2e/server.js';

/** placer's verdict: '' when its reader takes the policy, else its message. */
function placerVerdict(policy: Obj): string {
  try {
    parseManifests(parseText(JSON.stringify(policy), 'case'));
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

const policy = (name: string, spec: unknown): Obj => ({
  apiVersion: 'placer.dev/v1alpha1',
  kind: 'NamespacePolicy',
  metadata: { name, namespace: 'policies' },
  spec,
});

/** Policies both must take. */
const VALID: [string, unknown][] = [
  ['empty', {}],
  ['reservation', { reservation: { cpu: '1.5', memory: '2Gi', pods: 3, 'nvidia.com/gpu': '2', 'ephemeral-storage': '1e3' } }],
  ['quantity-forms', { reservation: { cpu: '+1', memory: '.5Gi', 'example.com/x': '5' } }],
  ['strategies', { placement: { strategy: 'RequestedToCapacityRatio' } }],
  [
    'placement',
    {
      reservation: { cpu: '20' },
      placement: {
        strategy: 'MostAllocated',
        nodeSelector: { zone: 'a', 'placer.dev/storage': 'vsan' },
        tolerations: [
          { operator: 'Exists' },
          { key: 'dedicated', operator: 'Equal', value: 'team-a', effect: 'NoSchedule' },
          { key: 'gpu', operator: 'Exists', effect: 'PreferNoSchedule' },
          { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', tolerationSeconds: 30 },
          { key: 'k', value: '' },
        ],
        priorityClassName: 'business-high',
        spreadAcrossHosts: true,
      },
      failover: { hostFailuresToTolerate: 1, zoneFailuresToTolerate: 1 },
    },
  ],
  ['failover-hosts', { failover: { hostFailuresToTolerate: 3 } }],
  ['failover-zone', { failover: { zoneFailuresToTolerate: 1 } }],
  ['failover-empty', { failover: {} }],
];

/** Policies both must refuse. */
const INVALID: [string, unknown][] = [
  ['typo-spec', { reservations: { cpu: '1' } }],
  ['typo-placement', { placement: { strategy: 'MostAllocated', nodeSelectors: { zone: 'a' } } }],
  ['typo-toleration', { placement: { tolerations: [{ key: 'k', effects: 'NoSchedule' }] } }],
  ['strategy', { placement: { strategy: 'Random' } }],
  ['negative-string', { reservation: { cpu: '-1' } }],
  ['negative-number', { reservation: { cpu: -1 } }],
  ['not-a-quantity', { reservation: { memory: '1x' } }],
  ['not-a-quantity-word', { reservation: { memory: 'lots' } }],
  ['selector-number', { placement: { nodeSelector: { zone: 1 } } }],
  ['spread-string', { placement: { spreadAcrossHosts: 'yes' } }],
  ['priority-number', { placement: { priorityClassName: 5 } }],
  ['tolerations-object', { placement: { tolerations: { key: 'k' } } }],
  ['empty-key-equal', { placement: { tolerations: [{ key: '', operator: 'Equal' }] } }],
  ['no-key-no-operator', { placement: { tolerations: [{ effect: 'NoSchedule' }] } }],
  ['exists-with-value', { placement: { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] } }],
  ['seconds-without-noexecute', { placement: { tolerations: [{ key: 'k', effect: 'NoSchedule', tolerationSeconds: 5 }] } }],
  ['operator', { placement: { tolerations: [{ key: 'k', operator: 'In' }] } }],
  ['effect', { placement: { tolerations: [{ key: 'k', effect: 'NoRun' }] } }],
  ['spec-string', 'everything'],
  ['typo-failover', { failover: { hostFailures: 1 } }],
  ['failover-too-many-hosts', { failover: { hostFailuresToTolerate: 4 } }],
  ['failover-negative', { failover: { hostFailuresToTolerate: -1 } }],
  ['failover-too-many-zones', { failover: { zoneFailuresToTolerate: 2 } }],
  ['failover-string', { failover: { hostFailuresToTolerate: '1' } }],
  ['failover-fraction', { failover: { hostFailuresToTolerate: 1.5 } }],
  ['failover-number', { failover: 1 }],
];

/** What a schema cannot say, and placer refuses: the API server stores it, placer logs and ignores it. */
const ONLY_PLACER_REFUSES: [string, unknown][] = [
  ['fractional-count', { reservation: { pods: '1.5' } }],
  ['fractional-extended', { reservation: { 'example.com/x': '500m' } }],
];

describeReal('deploy/ against the real API server', (bins) => {
  let cp: ControlPlane;
  let admin: Kube;
  beforeAll(async () => {
    cp = await ControlPlane.start(bins);
    admin = cp.admin;
  });
  afterAll(async () => {
    killAll();
    await cp?.stop();
  });

  it('every manifest applies as shipped (server-side apply; applied again, nothing changes), and kube-scheduler takes its configuration', async () => {
    await applyDeploy(admin);
    for (const file of APPLIED) {
      for (const o of deployDocs(file)) {
        // the first re-apply may only record managedFields (1.24 does so once for objects created by an apply)
        const live = await admin.apply(pathOf(o), o);
        expect(live.kind).toBe(o.kind);
        const again = await admin.apply(pathOf(o), o);
        expect([o.kind, (again.metadata as Obj).resourceVersion]).toEqual([o.kind, (live.metadata as Obj).resourceVersion]);
      }
    }
    const crd = await admin.get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions/namespacepolicies.placer.dev');
    const conditions = (crd.status as Obj).conditions as Obj[];
    expect(conditions.find((c) => c.type === 'Established')?.status).toBe('True');
    expect(conditions.find((c) => c.type === 'NonStructuralSchema')).toBeUndefined();
    // the configuration as shipped, pointed at nothing yet: kube-scheduler parses and serves it
    const s = await startScheduler(cp, { placer: 'http://127.0.0.1:9', name: 'config-check', verbosity: 0 });
    await s.kill();
    expect(s.output()).not.toMatch(/^E\d{4}/m);
  });

  it("placer's ServiceAccount may list and watch what it mirrors and create Bindings — nothing else", async () => {
    const placer = cp.client('placer');
    const can = async (method: string, path: string, body?: Obj): Promise<number> => (await placer.call(method, path, body)).code;
    for (const path of [
      '/api/v1/nodes',
      '/api/v1/pods',
      '/api/v1/namespaces',
      '/api/v1/resourcequotas',
      '/apis/scheduling.k8s.io/v1/priorityclasses',
      '/apis/policy/v1/poddisruptionbudgets',
      '/apis/placer.dev/v1alpha1/namespacepolicies',
    ])
      expect([path, await can('GET', path)]).toEqual([path, 200]);
    expect(await can('GET', '/api/v1/pods?watch=1&timeoutSeconds=1')).toBe(200);
    // vm-operator and the coscheduling plugin are not installed here: the API server says 404, not 403
    expect(await can('GET', '/apis/vmoperator.vmware.com/v1alpha6/virtualmachines')).toBe(404);
    expect(await can('GET', '/apis/scheduling.x-k8s.io/v1alpha1/podgroups')).toBe(404);
    expect(await can('GET', '/api/v1/namespaces/default/pods/x')).toBe(403);
    expect(await can('GET', '/api/v1/secrets')).toBe(403);
    expect(await can('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'x' } })).toBe(403);
    expect(await can('PATCH', '/api/v1/nodes/x')).toBe(403);
    expect(await can('POST', '/apis/coordination.k8s.io/v1/namespaces/placer-system/leases', {})).toBe(403);
    // a Binding for a pod that does not exist: authorized, then not found
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'x' }, target: { kind: 'Node', name: 'n' } };
    expect(await can('POST', '/api/v1/namespaces/default/pods/x/binding', binding)).toBe(404);
  });

  it('the shipped setup is TLS + authenticated, as docs/security.md says: kube-scheduler binds a pod through placer over HTTPS with its client certificate', async () => {
    // what the docs show is what is shipped
    const cfg = deployDocs('kube-scheduler-config.yaml')[0];
    const ext = (cfg.extenders as Obj[])[0];
    const c = shippedContainer();
    const args = c.args as string[];
    const security = readFileSync(join(ROOT, 'docs', 'security.md'), 'utf8');
    for (const a of args.filter((x) => x.startsWith('--tls-') || x.startsWith('--client-ca') || x === '--delegated-auth'))
      expect(security).toContain(a);
    for (const v of Object.values(ext.tlsConfig as Obj)) expect(security).toContain(String(v));
    expect(security).toContain(`urlPrefix: ${String(ext.urlPrefix)}`);
    expect(ext.enableHTTPS).toBe(true);
    const port = Number(args.find((a) => a.startsWith('--port='))!.split('=')[1]);
    expect(ext.urlPrefix).toBe(`https://127.0.0.1:${port}/scheduler`);
    expect(args).toEqual(expect.arrayContaining(['--host=127.0.0.1', '--delegated-auth']));
    for (const probe of ['readinessProbe', 'livenessProbe']) expect((c[probe] as Obj).httpGet).toMatchObject({ scheme: 'HTTPS', port });

    // placer as the DaemonSet runs it; kube-scheduler as its configuration says, the certificates
    // the cluster's CA signed (docs/security.md's steps) where tlsConfig names them
    await applyDeploy(admin);
    signCert(cp.dir, 'placer-serving', '/CN=placer', SERVING_EXT, 'ca');
    signCert(cp.dir, 'extender-client', '/CN=system:kube-scheduler', ['extendedKeyUsage=clientAuth'], 'ca');
    const p = await startShippedPlacer(
      cp,
      {
        '/etc/placer/tls': { 'tls.crt': join(cp.dir, 'placer-serving.crt'), 'tls.key': join(cp.dir, 'placer-serving.key') },
        '/etc/placer/client-ca': { 'ca.crt': cp.pki.caCert },
      },
      await freePort(),
    );
    const s = await startScheduler(cp, {
      placer: p.url,
      name: 'kube-scheduler-https',
      tls: { certFile: join(cp.dir, 'extender-client.crt'), keyFile: join(cp.dir, 'extender-client.key'), caFile: cp.pki.caCert },
    });
    try {
      await createNode(admin, 'tls-1');
      await createNamespace(admin, 'tls');
      await until(
        async () =>
          JSON.stringify((await callPlacer(p.url, cp.pki.caCert, { token: cp.tokens.admin }, 'GET', '/v1/hosts')).body).includes('tls-1'),
        30_000,
        'placer sees the node',
      );
      const marker = { 'placer.dev/managed': '1' };
      await admin.create('/api/v1/namespaces/tls/pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web' },
        spec: {
          terminationGracePeriodSeconds: 0,
          containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '1', ...marker }, limits: marker } }],
        },
      });
      await until(
        async () => ((await admin.get('/api/v1/namespaces/tls/pods/web')).spec as Obj).nodeName === 'tls-1',
        30_000,
        'the pod bound',
      );
      // placer bound it: the extender's bind, authenticated as kube-scheduler and audited
      const bind = () =>
        logLines(p)
          .map((l) => l.audit as Obj | undefined)
          .find((a) => a?.path === '/scheduler/bind');
      await until(() => bind() !== undefined, 10_000, "the bind's audit line");
      expect(bind()).toMatchObject({ user: 'system:kube-scheduler', verb: 'post', code: 200, object: 'pod tls/web to node tls-1' });
    } finally {
      await s.kill();
    }
  });

  it('with placer-scheduler.yaml the ServiceAccount may also patch pods/status, evict pods, create Events and hold its Lease — still nothing else', async () => {
    const placer = cp.client('placer');
    const can = async (method: string, path: string, body?: Obj, type?: string): Promise<number> =>
      (await placer.call(method, path, body, type)).code;
    const status = '/api/v1/namespaces/default/pods/x/status';
    const patch = 'application/strategic-merge-patch+json';
    const event = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'x' } };
    const eviction = '/api/v1/namespaces/default/pods/x/eviction';
    const evictionBody = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'x', namespace: 'default' } };
    expect(await can('PATCH', status, { status: {} }, patch)).toBe(403);
    expect(await can('POST', eviction, evictionBody)).toBe(403);
    expect(await can('POST', '/apis/events.k8s.io/v1/namespaces/default/events', event)).toBe(403);
    for (const o of deployDocs('placer-scheduler.yaml')) await admin.apply(pathOf(o), o);
    // authorized now: the pod does not exist, the Event is invalid (no eventTime)
    await until(async () => (await can('PATCH', status, { status: {} }, patch)) === 404, 10_000, 'pods/status authorized');
    expect(await can('POST', '/apis/events.k8s.io/v1/namespaces/default/events', event)).toBe(422);
    // the pod does not exist: authorized, and not found
    expect(await can('POST', eviction, evictionBody)).toBe(404);
    expect(await can('POST', '/api/v1/namespaces/default/pods', { metadata: { name: 'x' } })).toBe(403);
    expect(await can('PATCH', '/api/v1/namespaces/default/pods/x', { metadata: {} }, patch)).toBe(403);
    // its Lease, in its own namespace only
    const lease = (ns: string) => ({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'placer-scheduler', namespace: ns },
    });
    expect(await can('POST', '/apis/coordination.k8s.io/v1/namespaces/placer-system/leases', lease('placer-system'))).toBe(201);
    expect(await can('GET', '/apis/coordination.k8s.io/v1/namespaces/placer-system/leases/placer-scheduler')).toBe(200);
    expect(await can('POST', '/apis/coordination.k8s.io/v1/namespaces/default/leases', lease('default'))).toBe(403);
  });

  it("the NamespacePolicy CRD's verdict is placer's: what it takes is stored unpruned, what it refuses placer refuses", async () => {
    await createNamespace(admin, 'policies');
    const examples = (await import('../../service/manifests/index.js')).loadPaths;
    const shipped = (await examples([new URL('../../examples', import.meta.url).pathname])).filter((m) => m.kind === 'NamespacePolicy');
    expect(shipped.length).toBeGreaterThan(0);
    const cases: [string, Obj, 'both' | 'neither' | 'placer refuses'][] = [
      // each example as plain YAML gives it (placer's reader keeps integers as literals of their source text)
      ...shipped.map((m, i): [string, Obj, 'both'] => [
        `example-${i}`,
        policy(`example-${i}`, (parseAllDocuments(readFileSync(m.source.file, 'utf8'))[m.source.doc].toJS() as Obj).spec),
        'both',
      ]),
      ...VALID.map(([n, spec]): [string, Obj, 'both'] => [n, policy(n, spec), 'both']),
      ...INVALID.map(([n, spec]): [string, Obj, 'neither'] => [n, policy(n, spec), 'neither']),
      ...ONLY_PLACER_REFUSES.map(([n, spec]): [string, Obj, 'placer refuses'] => [n, policy(n, spec), 'placer refuses']),
    ];
    const verdicts: string[] = [];
    for (const [name, p, want] of cases) {
      const r = await admin.call('POST', '/apis/placer.dev/v1alpha1/namespaces/policies/namespacepolicies', p);
      const api = r.code === 201;
      if (!api) expect([name, r.code]).toEqual([name, 422]);
      const placer = placerVerdict(p) === '';
      const got = api && placer ? 'both' : !api && !placer ? 'neither' : api ? 'placer refuses' : 'API refuses';
      verdicts.push(
        `${name}: ${got}${got === want ? '' : ` (wanted ${want}; API: ${String(r.body.message)}; placer: ${placerVerdict(p)})`}`,
      );
      // taken: stored exactly as sent, nothing pruned
      if (api) expect([name, r.body.spec]).toEqual([name, p.spec]);
      if (api) await admin.remove(`/apis/placer.dev/v1alpha1/namespaces/policies/namespacepolicies/${name}`);
    }
    expect(verdicts).toEqual(cases.map(([n, , want]) => `${n}: ${want}`));
  });
});
