// Requests mean what they say (issue #18), against a real `placer serve --bootstrap examples/` on
// 127.0.0.1: POST /v1/apply?dryRun answers what would happen and changes nothing (the store's
// generation — the ETag —, the placements, hosts, namespaces and pending workloads are the same,
// and the real apply that follows answers exactly the dry run's result); every route of the app
// refuses a query parameter it does not know; values a route does not accept are refused; warnings
// come as `Warning: 299` headers and in the body; GET /version answers like kube-apiserver's.

import { builtCommit } from './build-info.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../service/server/app.js';
import { Metrics } from '../../service/server/metrics.js';
import { warningTexts } from '../../service/server/warning.js';
import { killAll, type Obj, quiet, removeDirs, type Server, start, tempDir } from './server.js';

let s: Server;
beforeAll(async () => {
  s = await start(tempDir(), ['--bootstrap', 'examples/']);
});
afterAll(() => {
  killAll();
  removeDirs();
});

async function send(method: string, path: string, body?: string, type = 'application/yaml') {
  const headers: Record<string, string> = { connection: 'close' };
  if (body !== undefined) headers['content-type'] = type;
  const res = await fetch(s.url + path, { method, headers, body });
  const text = await res.text();
  let json: Obj | undefined;
  try {
    json = JSON.parse(text) as Obj;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: json };
}

/** Everything a client can see of the state, and the store's generation (the ETag of every GET under /v1). */
/** The state as every GET under /v1 answers it, once the retry loop has nothing left to try. */
async function snapshot() {
  await quiet(s);
  const out: Record<string, string | null> = {};
  for (const path of ['/v1/placements', '/v1/hosts', '/v1/namespaces', '/v1/pending', '/v1/hosts?format=columns']) {
    const r = await send('GET', path);
    out[path] = r.text;
    out[`${path} etag`] = r.headers.get('etag');
  }
  return out;
}

const deployment = (name: string, replicas: number, cpu = '500m') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: team-shop}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers: [{name: c, image: x, resources: {requests: {cpu: ${cpu}, memory: 1Gi}}}]`;

const newHost = `apiVersion: v1
kind: Node
metadata: {name: esx-new, labels: {topology.kubernetes.io/zone: dc1-zone-b, kubernetes.io/hostname: esx-new}}
status: {allocatable: {cpu: "64", memory: 512Gi, pods: "1024"}}`;

describe('POST /v1/apply?dryRun', () => {
  it.each([
    { name: 'dryRun=All: a Deployment', dryRun: 'All', body: deployment('dry-web', 4) },
    {
      name: 'dryRun=true: a Deployment over its quota (pending in a real apply)',
      dryRun: 'true',
      body: deployment('over-quota', 2).replace(/team-shop/g, 'team-web'),
    },
    {
      name: 'dryRun=All: a new host and workloads pinned to it',
      dryRun: 'All',
      body: `${newHost}\n---\n${deployment('on-new', 3, '20').replace('spec:\n      containers', 'spec:\n      nodeSelector: {kubernetes.io/hostname: esx-new}\n      containers')}`,
    },
  ])('$name answers what would happen, changes nothing, and the real apply answers the same', async ({ dryRun, body }) => {
    const before = await snapshot();
    const dry = await send('POST', `/v1/apply?dryRun=${dryRun}`, body);
    expect(dry.status).toBe(200);
    expect(dry.body!.kind).toBe('PlacementResult');
    expect((dry.body!.placements as unknown[]).length + (dry.body!.unplaced as unknown[]).length).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
    // and again: a dry run is repeatable
    expect((await send('POST', `/v1/apply?dryRun=${dryRun}`, body)).text).toBe(dry.text);
    const real = await send('POST', '/v1/apply', body);
    expect(real.status).toBe(200);
    expect(real.text).toBe(dry.text);
    expect((await snapshot())['/v1/placements etag']).not.toBe(before['/v1/placements etag']);
  });

  it('dryRun=false applies', async () => {
    const before = await snapshot();
    expect((await send('POST', '/v1/apply?dryRun=false', deployment('wet-web', 1))).status).toBe(200);
    expect((await snapshot())['/v1/placements etag']).not.toBe(before['/v1/placements etag']);
  });

  it('an invalid document in a dry run is the same 422 as without, and changes nothing', async () => {
    const before = await snapshot();
    const bad = await send('POST', '/v1/apply?dryRun=All', deployment('bad', 1, '2x'));
    expect(bad.status).toBe(422);
    expect(await snapshot()).toEqual(before);
  });
});

describe('warnings', () => {
  const body = [
    deployment('warned', 1),
    'apiVersion: v1\nkind: Service\nmetadata: {name: s1, namespace: team-shop}',
    'apiVersion: v1\nkind: Service\nmetadata: {name: s2, namespace: team-shop}',
    'apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: typo, namespace: team-shop}',
  ].join('\n---\n');
  const expected = [
    'ignored 2 objects of kind Service (v1); placer does not read this kind',
    'request body: document 4: ignored an object of unknown kind Deploymnet (apps/v1) named team-shop/typo: neither placer, Kubernetes nor a CustomResourceDefinition in the input defines it (did you mean Deployment?)',
  ];

  it.each(['/v1/apply?dryRun=All', '/v1/apply'])('POST %s: Warning: 299 headers and the warnings list say the same', async (path) => {
    const r = await send('POST', path, body);
    expect(r.status).toBe(200);
    expect(warningTexts(r.headers.get('warning'))).toEqual(expected);
    expect(r.body!.warnings).toEqual(expected);
  });

  it.each(['/v1/explain', '/v1/capacity'])('POST %s: the headers', async (path) => {
    const r = await send('POST', path, body);
    expect(r.status).toBe(200);
    expect(warningTexts(r.headers.get('warning'))).toEqual(expected);
  });

  it('an apply with nothing ignored has no warnings at all', async () => {
    const r = await send('POST', '/v1/apply', deployment('clean', 1));
    expect(r.headers.get('warning')).toBeNull();
    expect('warnings' in r.body!).toBe(false);
  });

  it('a warning with quotes and characters beyond ASCII reads back whole', async () => {
    const r = await send(
      'POST',
      '/v1/apply?dryRun=All',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: "p", namespace: team-shop}\nspec:\n  schedulerName: "sched-ü\\"x"\n  containers: [{name: c, image: x}]',
    );
    expect(warningTexts(r.headers.get('warning'))).toEqual(r.body!.warnings);
    expect(String((r.body!.warnings as string[])[0])).toContain('"sched-ü\\"x"');
  });
});

describe('fieldValidation=Strict', () => {
  const typo = `${deployment('strict-web', 1)}\n---\napiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: typo, namespace: team-shop}`;

  it.each([
    '/v1/apply?fieldValidation=Strict',
    '/v1/apply?fieldValidation=Strict&dryRun=All',
    '/v1/explain?fieldValidation=Strict',
    '/v1/capacity?fieldValidation=Strict',
  ])('POST %s: an object of unknown kind is a 400 naming it, and nothing is applied', async (path) => {
    const before = await snapshot();
    const r = await send('POST', path, typo);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({
      kind: 'Status',
      reason: 'BadRequest',
      details: { causes: [{ reason: 'FieldValueNotSupported', field: 'kind' }] },
    });
    expect(r.body!.message).toContain(
      'strict validation: an object of unknown kind: request body: document 2: ignored an object of unknown kind Deploymnet',
    );
    expect(await snapshot()).toEqual(before);
  });

  it('Strict takes Services (a kind Kubernetes defines) with a warning, and Warn is the default', async () => {
    const body = `${deployment('strict-ok', 1)}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: team-shop}`;
    const strict = await send('POST', '/v1/apply?fieldValidation=Strict&dryRun=All', body);
    expect(strict.status).toBe(200);
    expect(strict.body!.warnings).toEqual(['ignored 1 object of kind Service (v1); placer does not read this kind']);
    expect((await send('POST', '/v1/apply?fieldValidation=Warn&dryRun=All', typo)).status).toBe(200);
  });

  it('Ignore is refused: placer does not drop what it read without saying so', async () => {
    const r = await send('POST', '/v1/apply?fieldValidation=Ignore', typo);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ details: { causes: [{ field: 'fieldValidation' }] } });
  });
});

describe('GET /version', () => {
  it('answers kube-apiserver’s fields from package.json and the build', async () => {
    const r = await send('GET', '/version');
    expect(r.status).toBe(200);
    const v = r.body as Record<string, string>;
    expect(Object.keys(v)).toEqual([
      'major',
      'minor',
      'gitVersion',
      'gitCommit',
      'gitTreeState',
      'buildDate',
      'compiler',
      'platform',
      'nodeVersion',
    ]);
    expect(v).toMatchObject({
      major: '0',
      minor: '1',
      gitVersion: 'v0.1.0',
      compiler: 'node',
      platform: `${process.platform}/${process.arch}`,
    });
    const built = builtCommit();
    if (built) expect(v.gitCommit).toBe(built);
    expect(v.buildDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

/** Every route the app serves, with its parameters filled in: read from the app itself, so a new route is in the table. */
function routes(): { method: string; path: string }[] {
  const app = createApp({
    state: () => undefined,
    lifecycle: { loaded: false, shuttingDown: false },
    metrics: new Metrics(() => undefined),
    logger: pino({ level: 'silent' }),
  });
  const fill: Record<string, string> = { name: 'esx-a01', namespace: 'team-shop', kind: 'Pod' };
  const seen = new Set<string>();
  const out: { method: string; path: string }[] = [];
  for (const r of app.routes) {
    if (r.method === 'ALL') continue; // middleware
    const path = r.path.replace(/:([a-zA-Z]+)/g, (_, p: string) => fill[p]).replace(/\*$/, 'index.html');
    const key = `${r.method} ${path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ method: r.method, path });
  }
  return out;
}

describe('query parameters', () => {
  const table = routes();

  it('the table holds every route of the service', () => {
    const names = table.map((r) => `${r.method} ${r.path}`);
    for (const r of [
      'POST /v1/apply',
      'GET /v1/hosts',
      'POST /scheduler/filter',
      'GET /version',
      'GET /metrics',
      'GET /livez',
      'GET /ui/index.html',
    ])
      expect(names).toContain(r);
    expect(table.length).toBeGreaterThanOrEqual(28);
  });

  it.each(table)(
    '$method $path refuses an unknown parameter with a 400 Status naming it, and changes nothing',
    async ({ method, path }) => {
      const before = await snapshot();
      const r = await send(method, `${path}?colour=blue`);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
      expect(r.body!.message).toMatch(/^unknown query parameter "colour": /);
      expect(r.body!.details).toEqual({ causes: [{ reason: 'FieldValueNotSupported', message: r.body!.message, field: 'colour' }] });
      expect(await snapshot()).toEqual(before);
    },
  );

  it.each([
    { method: 'POST', path: '/v1/apply?dryRun=yes', field: 'dryRun' },
    { method: 'POST', path: '/v1/apply?dryRun=All&dryRun=All', field: 'dryRun' },
    { method: 'POST', path: '/v1/hosts/esx-a01/drain?allowPartial=1', field: 'allowPartial' },
    { method: 'POST', path: '/v1/drain?dryRun=TRUE', field: 'dryRun' },
    { method: 'POST', path: '/v1/rebalance?maxMoves=0', field: 'maxMoves' },
    { method: 'POST', path: '/v1/rebalance?maxMoves=10001', field: 'maxMoves' },
    { method: 'POST', path: '/v1/rebalance?maxMoves=2.5', field: 'maxMoves' },
    { method: 'POST', path: '/v1/consolidate?effort=0', field: 'effort' },
    { method: 'POST', path: '/v1/consolidate?excludeNamespaces=a,,b', field: 'excludeNamespaces' },
    { method: 'POST', path: '/v1/namespaces/team-shop/move?dryRun=maybe', field: 'dryRun' },
    { method: 'GET', path: '/v1/placements?namespace=Team_Shop', field: 'namespace' },
    { method: 'GET', path: '/v1/pending?namespace=-x', field: 'namespace' },
    { method: 'GET', path: '/v1/hosts?format=rows', field: 'format' },
    { method: 'GET', path: '/livez?verbose&verbose', field: 'verbose' },
  ])('$method $path: a value the route does not accept is a 400 naming $field', async ({ method, path, field }) => {
    const before = await snapshot();
    const r = await send(method, path);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', code: 400, details: { causes: [{ field }] } });
    expect(await snapshot()).toEqual(before);
  });

  it.each([
    ['GET', '/v1/hosts?labels=topology.kubernetes.io/zone', 400],
    ['GET', '/v1/hosts?format=columns&labels=topology.kubernetes.io/zone', 200],
    ['GET', '/v1/placements?namespace=', 200],
    ['GET', '/readyz?verbose&exclude=ping&exclude=shutdown', 200],
    ['POST', '/v1/rebalance?dryRun=true&maxMoves=3&resource=cpu', 200],
    ['POST', '/v1/consolidate?dryRun=true&maxMoves=3&sparePerZone=1&includeBinPacking=true', 200],
  ] as const)('%s %s answers %i', async (method, path, status) => {
    expect((await send(method, path)).status).toBe(status);
  });
});
