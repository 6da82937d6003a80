// --delegated-auth against the real API server (v1.24): placer as deploy/placer.yaml's DaemonSet
// runs it (HTTPS only, client certificates signed by the cluster's CA, TokenReview and
// SubjectAccessReview), its ServiceAccount allowed to create the reviews by
// deploy/placer-access.yaml, and that file's ClusterRoles deciding who may do what: a
// service-account token (TokenRequest) bound to placer:viewer reads and may not write, a user
// bound to placer:operator writes, a user without a binding is refused with a 403, a token the API
// server does not know is a 401, kube-scheduler's client certificate (CN system:kube-scheduler)
// may call the extender's verbs and nothing else.

import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { killAll } from '../e2e/server.js';
import { ControlPlane } from './controlplane.js';
import type { Obj } from './kube.js';
import { applyDeploy, createNamespace, createNode } from './objects.js';
import { makeCa, SERVING_EXT, signCert } from './pki.js';
import { callPlacer, logLines, startShippedPlacer, type Caller, type Placer } from './placer.js';
import { freePort, until } from './procs.js';
import { describeReal } from './suite.js';

const CLIENT_EXT = ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth'];
const SA = 'system:serviceaccount:ops:console';

describeReal('--delegated-auth against the real API server, placer as deploy/ runs it', (bins) => {
  let cp: ControlPlane;
  let p: Placer;
  let saToken: string;
  let as: (who: Caller, method: string, path: string, body?: unknown) => ReturnType<typeof callPlacer>;
  const crt = (name: string): Caller => ({ certFile: join(cp.dir, `${name}.crt`), keyFile: join(cp.dir, `${name}.key`) });

  beforeAll(async () => {
    cp = await ControlPlane.start(bins);
    await applyDeploy(cp.admin);
    // the cluster's CA (the API server's) signs placer's serving certificate and kube-scheduler's client certificate
    signCert(cp.dir, 'placer-serving', '/CN=placer', SERVING_EXT, 'ca');
    signCert(cp.dir, 'scheduler-client', '/CN=system:kube-scheduler', CLIENT_EXT, 'ca');
    makeCa(cp.dir, 'other-ca', 'other-ca');
    signCert(cp.dir, 'forged-client', '/O=system:masters/CN=system:kube-scheduler', CLIENT_EXT, 'other-ca');
    p = await startShippedPlacer(
      cp,
      {
        '/etc/placer/tls': { 'tls.crt': join(cp.dir, 'placer-serving.crt'), 'tls.key': join(cp.dir, 'placer-serving.key') },
        '/etc/placer/client-ca': { 'ca.crt': cp.pki.caCert },
      },
      await freePort(),
    );
    as = (who, method, path, body) => callPlacer(p.url, cp.pki.caCert, who, method, path, body);

    // a service account with a token from the TokenRequest API, bound to placer:viewer; alice to placer:operator
    await createNamespace(cp.admin, 'ops');
    await cp.admin.create('/api/v1/namespaces/ops/serviceaccounts', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'console' },
    });
    const tr = await cp.admin.create('/api/v1/namespaces/ops/serviceaccounts/console/token', {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    });
    saToken = String((tr.status as Obj).token);
    const bind = (name: string, role: string, subject: Obj) =>
      cp.admin.create('/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [subject],
      });
    await bind('console-viewer', 'placer:viewer', { kind: 'ServiceAccount', name: 'console', namespace: 'ops' });
    await bind('alice-operator', 'placer:operator', { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' });
    await createNode(cp.admin, 'da-1');
    await until(
      async () =>
        (JSON.stringify((await as({ token: cp.tokens.admin }, 'GET', '/v1/hosts')).body.items) ?? '').startsWith('[{"name":"da-1"'),
      30_000,
      'placer mirrors the node',
    );
  });
  afterAll(async () => {
    killAll();
    await cp?.stop();
  });

  it('a service-account token is accepted (TokenReview); placer:viewer reads, and a write is a 403 naming user, verb and path', async () => {
    const hosts = await as({ token: saToken }, 'GET', '/v1/hosts');
    expect(hosts.code).toBe(200);
    expect((hosts.body.items as Obj[]).map((h) => h.name)).toEqual(['da-1']);
    expect((await as({ token: saToken }, 'GET', '/metrics')).code).toBe(200);
    const write = await as({ token: saToken }, 'POST', '/v1/hosts/da-1/cordon');
    expect(write.code).toBe(403);
    expect(write.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403 });
    expect(write.body.message).toMatch(new RegExp(`^forbidden: User "${SA}" cannot post path "/v1/hosts/da-1/cordon"`));
    expect((await as({ token: saToken }, 'POST', '/scheduler/filter', {})).code).toBe(403);
    // the refusal is in the audit trail, with the groups the TokenReview gave
    // (audit lines on stderr are buffered for up to 100 ms)
    const line = () =>
      logLines(p)
        .map((l) => l.audit as Obj | undefined)
        .find((a) => a?.user === SA && a.path === '/v1/hosts/da-1/cordon');
    await until(() => line() !== undefined, 5000, 'the audit line');
    const audit = line();
    expect(audit).toMatchObject({ verb: 'post', code: 403, object: 'host da-1' });
    expect(audit!.groups).toEqual(expect.arrayContaining(['system:serviceaccounts', 'system:serviceaccounts:ops', 'system:authenticated']));
  });

  it("a user bound to placer:operator may write (the route answers, Kubernetes mode's own refusal); the extender's verbs are not the operator's", async () => {
    const alice = { token: cp.tokens.alice };
    expect((await as(alice, 'GET', '/v1/hosts')).code).toBe(200);
    // authorized: the route itself answers that Kubernetes mode's native API is read-only
    const cordon = await as(alice, 'POST', '/v1/hosts/da-1/cordon');
    expect([cordon.code, cordon.body.reason]).toEqual([405, 'MethodNotAllowed']);
    const plan = await as(alice, 'POST', '/v1/hosts/da-1/drain?dryRun=true');
    expect(plan.code).toBe(200);
    const filter = await as(alice, 'POST', '/scheduler/filter', {});
    expect([filter.code, filter.body.message]).toEqual([
      403,
      expect.stringMatching(/^forbidden: User "alice" cannot post path "\/scheduler\/filter"/),
    ]);
  });

  it('a user without a binding is refused with a 403; an unknown token is a 401; no credentials a 401; the probes answer anyone', async () => {
    const mallory = await as({ token: cp.tokens.mallory }, 'GET', '/v1/hosts');
    expect(mallory.code).toBe(403);
    expect(mallory.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(mallory.body.message).toMatch(/^forbidden: User "mallory" cannot get path "\/v1\/hosts"/);
    const bad = await as({ token: 'not-a-token-anyone-issued' }, 'GET', '/v1/hosts');
    expect(bad.code).toBe(401);
    expect(bad.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect(bad.body.message).toMatch(/^Unauthorized: the bearer token is not valid/);
    const anonymous = await as({}, 'GET', '/v1/hosts');
    expect(anonymous.code).toBe(401);
    expect(anonymous.body.message).toMatch(/User "system:anonymous" cannot get path "\/v1\/hosts"/);
    for (const path of ['/livez', '/readyz', '/healthz']) expect([path, (await as({}, 'GET', path)).code]).toEqual([path, 200]);
  });

  it("kube-scheduler's client certificate (CN system:kube-scheduler) calls the extender through placer:scheduler, and nothing else; another CA's is a 401", async () => {
    const filter = await as(crt('scheduler-client'), 'POST', '/scheduler/filter', {
      Pod: { metadata: { name: 'x', namespace: 'default', uid: 'u-x' }, spec: { containers: [{ name: 'c' }] } },
      NodeNames: ['da-1'],
    });
    expect(filter.code).toBe(200);
    expect(filter.body.NodeNames).toEqual(['da-1']);
    const read = await as(crt('scheduler-client'), 'GET', '/v1/hosts');
    expect([read.code, read.body.message]).toEqual([
      403,
      expect.stringMatching(/^forbidden: User "system:kube-scheduler" cannot get path/),
    ]);
    const forged = await as(crt('forged-client'), 'POST', '/scheduler/filter', {});
    expect(forged.code).toBe(401);
    expect(forged.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized' });
  });

  it('speaks HTTPS only: a plain HTTP request to its port gets no answer', async () => {
    const plain = p.url.replace(/^https:/, 'http:');
    await expect(fetch(`${plain}/livez`, { signal: AbortSignal.timeout(5000) })).rejects.toThrow();
  });
});
