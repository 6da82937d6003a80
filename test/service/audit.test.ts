// The audit trail over every state-changing route (app.request, a real store, real token file):
// the table below must name exactly the routes the audit middleware covers (walked from
// app.routes, so a new state-changing route fails here until its line is checked), and each
// route's line carries user, groups, verb, path, the object the request acted on, and the result.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { audited } from '../../service/server/auth/audit.js';
import { groupAuthorizer } from '../../service/server/auth/groups.js';
import { TokenFile } from '../../service/server/auth/token-file.js';
import { harness, type Harness, type Obj } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'placer-audit-'));
const tokenFile = join(dir, 'tokens.csv');
writeFileSync(tokenFile, 'token-of-olga,olga,1,"system:masters"\n');
const OLGA = { authorization: 'Bearer token-of-olga' };
const GROUPS = ['system:masters', 'system:authenticated'];

const pod = (ns: string, name: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns },
  spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1', memory: '1Gi' } } }] },
});

interface Case {
  /** The request (the route's parameters filled in). */
  method: string;
  path: string;
  body?: unknown;
  /** The object its audit line names, and the code it answers. */
  object: string;
  code: number;
}

/** Every state-changing route, by Hono's route pattern, in the order they run. */
const CASES: Record<string, Case> = {
  'POST /v1/apply': {
    method: 'POST',
    path: '/v1/apply',
    body: { apiVersion: 'v1', kind: 'List', items: [pod('team-shop', 'web-0'), pod('team-shop', 'web-1')] },
    object: 'Pod team-shop/web-0, Pod team-shop/web-1',
    code: 200,
  },
  'POST /v1/explain': { method: 'POST', path: '/v1/explain', body: pod('team-ml', 'big'), object: 'Pod team-ml/big', code: 200 },
  'POST /v1/capacity': {
    method: 'POST',
    path: '/v1/capacity?shape=cpu=2,memory=4Gi&namespace=team-shop',
    object: 'shape cpu=2,memory=4Gi in namespace team-shop',
    code: 200,
  },
  'POST /v1/failover/simulate': {
    method: 'POST',
    path: '/v1/failover/simulate',
    body: { hosts: ['esx-a01', 'esx-a02'] },
    object: 'hosts esx-a01, esx-a02',
    code: 200,
  },
  'POST /v1/hosts/:name/cordon': { method: 'POST', path: '/v1/hosts/esx-a05/cordon', object: 'host esx-a05', code: 200 },
  'POST /v1/hosts/:name/uncordon': { method: 'POST', path: '/v1/hosts/esx-a05/uncordon', object: 'host esx-a05', code: 200 },
  'POST /v1/hosts/:name/drain': { method: 'POST', path: '/v1/hosts/esx-a06/drain?dryRun=true', object: 'host esx-a06', code: 200 },
  'POST /v1/drain': {
    method: 'POST',
    path: '/v1/drain',
    body: { selector: 'kubernetes.io/hostname in (esx-a07,esx-a08)' },
    object: 'hosts esx-a07, esx-a08',
    code: 200,
  },
  'POST /v1/rebalance': { method: 'POST', path: '/v1/rebalance?dryRun=true', object: 'every host', code: 200 },
  'POST /v1/consolidate': { method: 'POST', path: '/v1/consolidate?dryRun=true&maxMoves=5', object: 'every host', code: 200 },
  'POST /v1/namespaces/:namespace/move': {
    method: 'POST',
    path: '/v1/namespaces/team-shop/move?dryRun=true',
    body: { to: 'topology.kubernetes.io/zone=dc1-zone-b' },
    object: 'namespace team-shop',
    code: 200,
  },
  'POST /scheduler/bind': {
    method: 'POST',
    path: '/scheduler/bind',
    body: { PodName: 'ghost', PodNamespace: 'team-shop', PodUID: 'u-1', Node: 'esx-a01' },
    object: 'pod team-shop/ghost to node esx-a01',
    code: 200,
  },
  'DELETE /v1/namespaces/:namespace/:kind/:name': {
    method: 'DELETE',
    path: '/v1/namespaces/team-shop/Pod/web-1',
    object: 'Pod team-shop/web-1',
    code: 200,
  },
  'DELETE /v1/hosts/:name': { method: 'DELETE', path: '/v1/hosts/esx-c10', object: 'host esx-c10', code: 200 },
};

let h: Harness;
beforeAll(async () => {
  h = await harness({ auth: { authenticators: [new TokenFile(tokenFile)], authorizer: groupAuthorizer } });
  const hosts = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'cluster', 'hosts.json'), 'utf8')) as Obj;
  expect((await h.json('POST', '/v1/apply', hosts, OLGA)).status).toBe(200);
});
afterAll(() => {
  h.close();
  rmSync(dir, { recursive: true, force: true });
});

it('the table holds exactly the routes that are audited', () => {
  const fill = (p: string) => p.replace(/:[a-zA-Z]+/g, 'x');
  const routes = new Set(h.routes.filter((r) => r.method !== 'ALL' && audited(r.method, fill(r.path))).map((r) => `${r.method} ${r.path}`));
  expect([...routes].sort()).toEqual(Object.keys(CASES).sort());
});

it.each(Object.entries(CASES))('%s: one line with user, groups, verb, path, object and result', async (_, c) => {
  const from = h.logs.length;
  const res = await h.request(c.method, c.path, c.body, OLGA);
  expect(res.status, await res.clone().text()).toBe(c.code);
  const lines = h.logs
    .slice(from)
    .filter((l) => l.msg === 'audit')
    .map((l) => l.audit as Obj);
  const u = new URL(c.path, 'http://x');
  expect(lines).toEqual([
    {
      user: 'olga',
      groups: GROUPS,
      verb: c.method.toLowerCase(),
      path: u.pathname,
      ...(u.search !== '' && { query: Object.fromEntries(u.searchParams) }),
      object: c.object,
      code: c.code,
      ...(u.pathname === '/scheduler/bind' && { error: expect.any(String) }),
    },
  ]);
});

it('an apply of many objects names the first hundred and counts them all', async () => {
  const from = h.logs.length;
  const items = Array.from({ length: 150 }, (_, i) => pod('team-web', `many-${i}`));
  expect((await h.request('POST', '/v1/apply?dryRun=All', { apiVersion: 'v1', kind: 'List', items }, OLGA)).status).toBe(200);
  const line = h.logs.slice(from).find((l) => l.msg === 'audit')!.audit as Obj;
  const object = String(line.object);
  expect(object.startsWith('Pod team-web/many-0, Pod team-web/many-1, ')).toBe(true);
  expect(object).toContain('Pod team-web/many-99, … (150 objects)');
  expect(object).not.toContain('many-100');
});

it('a request refused before its body is read names no object: null', async () => {
  const from = h.logs.length;
  expect((await h.request('POST', '/v1/apply', pod('team-shop', 'sneaky'))).status).toBe(401);
  const line = h.logs.slice(from).find((l) => l.msg === 'audit')!.audit as Obj;
  expect(line).toEqual({
    user: 'system:anonymous',
    groups: ['system:unauthenticated'],
    verb: 'post',
    path: '/v1/apply',
    object: null,
    code: 401,
  });
});
