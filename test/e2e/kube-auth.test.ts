// Kubernetes mode with --delegated-auth against the fake API server (test/apiserver/): bearer
// tokens checked with TokenReview (a service account's token works), every request authorized
// with a SubjectAccessReview of its non-resource URL (verb, path), the answers cached briefly,
// the probes anonymous, refusals as 401/403 Status bodies.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApiServer } from '../apiserver/fake-apiserver.js';
import { killAll, kubeconfigFor, removeTempDirs, startReplica, type Replica } from '../apiserver/replica.js';

type Obj = Record<string, unknown>;
let f: FakeApiServer;
let r: Replica;
const SA = 'system:serviceaccount:ops:console';

const call = async (path: string, token?: string, method = 'GET'): Promise<{ status: number; body: Obj }> => {
  const res = await fetch(r.url + path, { method, headers: { connection: 'close', ...(token && { authorization: `Bearer ${token}` }) } });
  const text = await res.text();
  return { status: res.status, body: (/json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : { text }) as Obj };
};
const reviews = (kind: string): number => f.requests.filter((q) => q.method === 'POST' && q.path.endsWith(kind)).length;

beforeAll(async () => {
  f = await FakeApiServer.start({ token: 'placer-token' });
  f.reviewTokens.set('sa-token', { username: SA, uid: 'u-sa', groups: ['system:serviceaccounts', 'system:authenticated'] });
  f.reviewTokens.set('metrics-token', { username: 'prometheus', groups: ['system:authenticated'] });
  // RBAC as the test grants it: the service account may read /v1/*; prometheus /metrics
  f.allowAccess = (user, _groups, verb, path) =>
    (user === SA && verb === 'get' && path.startsWith('/v1/')) || (user === 'prometheus' && verb === 'get' && path === '/metrics');
  r = await startReplica(kubeconfigFor(f), ['--delegated-auth', '--host', '0.0.0.0']);
}, 60_000);
afterAll(async () => {
  killAll();
  removeTempDirs();
  await f?.stop();
});

describe('Kubernetes mode, --delegated-auth', () => {
  it('a service-account token (TokenReview) reads what RBAC allows (SubjectAccessReview)', async () => {
    expect((await call('/v1/hosts', 'sa-token')).status).toBe(200);
    const refused = await call('/metrics', 'sa-token');
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
    expect(refused.body.message).toMatch(/^forbidden: User "system:serviceaccount:ops:console" cannot get path "\/metrics"/);
    expect((await call('/metrics', 'metrics-token')).status).toBe(200);
    expect((await call('/v1/hosts', 'metrics-token')).status).toBe(403);
  });

  it('sends the user, groups, uid, verb and path in the SubjectAccessReview', async () => {
    const seen: string[] = [];
    const allow = f.allowAccess;
    f.allowAccess = (user, groups, verb, path) => {
      seen.push(`${user}|${groups.join(',')}|${verb}|${path}`);
      return allow(user, groups, verb, path);
    };
    expect((await call('/v1/namespaces', 'sa-token')).status).toBe(200);
    expect(seen).toEqual([`${SA}|system:serviceaccounts,system:authenticated|get|/v1/namespaces`]);
    f.allowAccess = allow;
  });

  it('caches the reviews: the same token and request do not ask again', async () => {
    await call('/v1/placements', 'sa-token');
    const [tokens, access] = [reviews('/tokenreviews'), reviews('/subjectaccessreviews')];
    for (let i = 0; i < 5; i++) expect((await call('/v1/placements', 'sa-token')).status).toBe(200);
    expect([reviews('/tokenreviews'), reviews('/subjectaccessreviews')]).toEqual([tokens, access]);
  });

  it('an unknown token is a 401; no token is system:anonymous, refused with a 401; probes answer anyone', async () => {
    const bad = await call('/v1/hosts', 'who-knows');
    expect(bad.status).toBe(401);
    expect(bad.body.message).toMatch(/the bearer token is not valid \(TokenReview: token not found\)/);
    const anon = await call('/v1/hosts');
    expect(anon.status).toBe(401);
    expect(anon.body.message).toMatch(/User "system:anonymous" cannot get path "\/v1\/hosts"/);
    for (const p of ['/livez', '/readyz', '/healthz']) expect((await call(p)).status).toBe(200);
  });

  it('the extender needs RBAC too: a token without the scheduler role is refused', async () => {
    const res = await call('/scheduler/filter', 'sa-token', 'POST');
    expect(res.status).toBe(403);
    expect(res.body.message).toMatch(/cannot post path "\/scheduler\/filter"/);
  });
});
