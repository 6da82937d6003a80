// Authentication and authorization over every route of the app (app.request, a real store): the
// roles of docs/security.md, by group, against a table that walks app.routes, so a route added
// later is in it without anyone listing it. Tokens come from a real token file; the authorizer is
// the one `placer serve` uses. Also: the 401 and 403 Status bodies, the probes answered to
// anyone, and the audit lines.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { verbOf } from '../../service/server/auth/access.js';
import { groupAuthorizer } from '../../service/server/auth/groups.js';
import { TokenFile } from '../../service/server/auth/token-file.js';
import { harness, type Harness, type Obj } from './harness.js';

const hostsFile = join(import.meta.dirname, '..', '..', 'examples', 'cluster', 'hosts.json');

const dir = mkdtempSync(join(tmpdir(), 'placer-auth-'));
const ROLES = {
  viewer: 'placer:viewers',
  scheduler: 'placer:schedulers',
  operator: 'placer:operators',
  master: 'system:masters',
  stranger: 'team-shop:developers',
} as const;
type Role = keyof typeof ROLES | 'anonymous';
const token = (r: Role): string => `token-of-${r}`;
const tokenFile = join(dir, 'tokens.csv');
writeFileSync(
  tokenFile,
  (Object.keys(ROLES) as (keyof typeof ROLES)[]).map((r, i) => `${token(r)},${r}-user,${i + 1},"${ROLES[r]},extra:group"`).join('\n') +
    '\n',
);

let h: Harness;
beforeAll(async () => {
  h = await harness({ auth: { authenticators: [new TokenFile(tokenFile)], authorizer: groupAuthorizer } });
  const hosts = JSON.parse(readFileSync(hostsFile, 'utf8')) as Obj;
  const apply = await h.json('POST', '/v1/apply', hosts, { authorization: `Bearer ${token('operator')}` });
  expect(apply.status).toBe(200);
});
afterAll(() => {
  h.close();
  rmSync(dir, { recursive: true, force: true });
});

const as = (r: Role): Record<string, string> => (r === 'anonymous' ? {} : { authorization: `Bearer ${token(r)}` });

/**
 * Who may call a route, as docs/security.md says it: the probes and the console's files anyone; the extender's verbs the
 * schedulers; GETs the viewers and operators; every other /v1 method the operators; masters all.
 */
function allowed(role: Role, method: string, path: string): boolean {
  if (/^\/(livez|readyz|healthz)$/.test(path)) return true;
  if (method === 'GET' && /^\/(ui(\/.*)?)?$/.test(path)) return true; // the console's files: no data

  if (role === 'master') return true;
  if (path.startsWith('/scheduler/')) return role === 'scheduler';
  if (method === 'GET') return role === 'viewer' || role === 'operator';
  if (path.startsWith('/v1/')) return role === 'operator';
  return false;
}

/** Every route of the app, its parameters filled in (what test/e2e/requests.test.ts walks). */
function routes(): { method: string; path: string }[] {
  const fill: Record<string, string> = { name: 'no-such-object', namespace: 'team-shop', kind: 'Pod' };
  const seen = new Set<string>();
  const out: { method: string; path: string }[] = [];
  for (const r of h.routes) {
    if (r.method === 'ALL') continue; // middleware
    const path = r.path.replace(/:([a-zA-Z]+)/g, (_, p: string) => fill[p]).replace(/\*$/, 'index.html');
    if (seen.has(`${r.method} ${path}`)) continue;
    seen.add(`${r.method} ${path}`);
    out.push({ method: r.method, path });
  }
  return out;
}

describe('authorization of every route', () => {
  it('the table holds every route of the service', () => {
    const names = routes().map((r) => `${r.method} ${r.path}`);
    for (const r of [
      'POST /v1/apply',
      'DELETE /v1/hosts/no-such-object',
      'POST /scheduler/bind',
      'GET /metrics',
      'GET /livez',
      'GET /ui/index.html',
    ])
      expect(names).toContain(r);
    expect(names.length).toBeGreaterThanOrEqual(28);
  });

  const roles: Role[] = ['anonymous', 'viewer', 'scheduler', 'operator', 'master', 'stranger'];
  // the routes are read once the harness is up: the table is built inside each test
  it.each(roles)('%s: allowed routes answer, refused ones are a 401 or 403 Status naming user, verb and path', async (role) => {
    const checked: string[] = [];
    for (const { method, path } of routes()) {
      // a body that is no valid request: an allowed route answers it with a 4xx of its own (or a 200), never 401/403
      const body = method === 'GET' || method === 'DELETE' ? undefined : '{"not":"a request"}';
      const res = await h.request(method, path, body, { ...as(role), ...(body && { 'content-type': 'application/json' }) });
      const text = await res.text();
      if (allowed(role, method, path)) {
        expect([401, 403], `${role} ${method} ${path}: ${text}`).not.toContain(res.status);
      } else {
        const code = role === 'anonymous' ? 401 : 403;
        expect(res.status, `${role} ${method} ${path}: ${text}`).toBe(code);
        const status = JSON.parse(text) as Obj;
        const user = role === 'anonymous' ? 'system:anonymous' : `${role}-user`;
        expect(status).toMatchObject({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code,
          reason: code === 401 ? 'Unauthorized' : 'Forbidden',
        });
        expect(status.message).toContain(`User "${user}" cannot ${method.toLowerCase()} path "${path}"`);
      }
      checked.push(`${method} ${path}`);
    }
    expect(checked.length).toBeGreaterThanOrEqual(28);
  });

  it('the refused requests changed nothing: the hosts the operator applied are all there', async () => {
    const hosts = await h.json<{ items: unknown[] }>('GET', '/v1/hosts', undefined, as('viewer'));
    expect(hosts.status).toBe(200);
    expect(hosts.body.items.length).toBe((JSON.parse(readFileSync(hostsFile, 'utf8')) as { items: unknown[] }).items.length);
  });
});

describe('authentication', () => {
  it('a token that is not in the file is a 401 Status, with a Bearer challenge', async () => {
    const res = await h.request('GET', '/v1/hosts', undefined, { authorization: 'Bearer not-a-token' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await res.json()).toMatchObject({
      kind: 'Status',
      code: 401,
      reason: 'Unauthorized',
      message: 'Unauthorized: the bearer token is not valid',
    });
  });

  it('an Authorization header that is no bearer token is a 401, not anonymous', async () => {
    const res = await h.request('GET', '/livez', undefined, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(res.status).toBe(200); // the probes read no credentials
    const refused = await h.json<Obj>('GET', '/v1/hosts', undefined, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(refused.status).toBe(401);
    expect(refused.body.message).toMatch(/Authorization header is not accepted/);
  });

  it('the probes answer without credentials', async () => {
    for (const p of ['/livez', '/readyz', '/healthz']) expect((await h.request('GET', p)).status).toBe(200);
  });

  it("a user's groups are the file's, plus system:authenticated (seen in the audit line)", async () => {
    const before = h.logs.length;
    const res = await h.json('POST', '/v1/hosts/esx-a01/cordon', undefined, as('operator'));
    expect(res.status).toBe(200);
    const line = h.logs.slice(before).find((l) => l.msg === 'audit') as { audit: Obj } | undefined;
    expect(line?.audit).toEqual({
      user: 'operator-user',
      groups: ['placer:operators', 'extra:group', 'system:authenticated'],
      verb: 'post',
      path: '/v1/hosts/esx-a01/cordon',
      object: 'host esx-a01',
      code: 200,
    });
  });
});

describe('audit', () => {
  const audits = (from: number): Obj[] =>
    h.logs
      .slice(from)
      .filter((l) => l.msg === 'audit')
      .map((l) => l.audit as Obj);

  it('one line per state-changing request, allowed or refused; none for reads and extender filters', async () => {
    const from = h.logs.length;
    await h.request('GET', '/v1/hosts', undefined, as('viewer'));
    await h.request('POST', '/scheduler/filter', '{}', { ...as('scheduler'), 'content-type': 'application/json' });
    await h.request('DELETE', '/v1/hosts/esx-a02', undefined, as('viewer'));
    await h.request('DELETE', '/v1/hosts/esx-a02', undefined, as('anonymous'));
    await h.request('POST', '/v1/drain?dryRun=true', { hosts: ['esx-a03'] }, as('operator'));
    await h.request('DELETE', '/v1/namespaces/team-shop/Pod/web-0', undefined, as('master'));
    expect(audits(from)).toEqual([
      {
        user: 'viewer-user',
        groups: ['placer:viewers', 'extra:group', 'system:authenticated'],
        verb: 'delete',
        path: '/v1/hosts/esx-a02',
        object: 'host esx-a02',
        code: 403,
      },
      {
        user: 'system:anonymous',
        groups: ['system:unauthenticated'],
        verb: 'delete',
        path: '/v1/hosts/esx-a02',
        object: 'host esx-a02',
        code: 401,
      },
      {
        user: 'operator-user',
        groups: ['placer:operators', 'extra:group', 'system:authenticated'],
        verb: 'post',
        path: '/v1/drain',
        query: { dryRun: 'true' },
        code: 200,
      },
      {
        user: 'master-user',
        groups: ['system:masters', 'extra:group', 'system:authenticated'],
        verb: 'delete',
        path: '/v1/namespaces/team-shop/Pod/web-0',
        object: 'Pod team-shop/web-0',
        code: 404,
      },
    ]);
  });

  it("the extender's bind: the pod and node, and the bind's error although it answers 200", async () => {
    const from = h.logs.length;
    const args = { PodName: 'ghost', PodNamespace: 'team-shop', PodUID: 'u-1', Node: 'no-such-host' };
    const res = await h.json<Obj>('POST', '/scheduler/bind', args, as('scheduler'));
    expect(res.status).toBe(200);
    expect(res.body.Error).not.toBe('');
    expect(audits(from)).toEqual([
      {
        user: 'scheduler-user',
        groups: ['placer:schedulers', 'extra:group', 'system:authenticated'],
        verb: 'post',
        path: '/scheduler/bind',
        object: 'pod team-shop/ghost to node no-such-host',
        code: 200,
        error: res.body.Error,
      },
    ]);
  });
});

describe('deploy/placer-access.yaml', () => {
  interface Rule {
    nonResourceURLs: string[];
    verbs: string[];
  }
  const docs = parseAllDocuments(readFileSync(join(import.meta.dirname, '..', '..', 'deploy', 'placer-access.yaml'), 'utf8')).map(
    (d) => d.toJSON() as { kind: string; metadata: { name: string }; rules?: Rule[] },
  );
  /** RBAC's match of a non-resource URL: the path itself, or a prefix ending in '*'. */
  const grants = (role: string, verb: string, path: string): boolean =>
    docs
      .find((d) => d.kind === 'ClusterRole' && d.metadata.name === role)!
      .rules!.some(
        (r) =>
          (r.verbs.includes(verb) || r.verbs.includes('*')) &&
          r.nonResourceURLs.some((u) => (u.endsWith('*') ? path.startsWith(u.slice(0, -1)) : u === path)),
      );

  it.each([
    ['placer:viewer', 'viewer'],
    ['placer:operator', 'operator'],
    ['placer:scheduler', 'scheduler'],
  ] as const)("%s grants on every route what the group of standalone mode's %s grants", (role, standalone) => {
    for (const { method, path } of routes()) {
      // the probes and the console's files are answered before any authorizer runs
      if (/^\/(livez|readyz|healthz)$/.test(path) || (method === 'GET' && /^\/(ui(\/.*)?)?$/.test(path))) continue;
      expect(grants(role, verbOf(method), path), `${role} ${method} ${path}`).toBe(allowed(standalone, method, path));
    }
  });
});
