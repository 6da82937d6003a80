// `placer serve` as a real process on 127.0.0.1 (a free port, a temp data dir): apply, the
// extender and the native API, graceful restart, kill -9 in the middle of a load, a bind race for
// the last slot of a host, and bad input. No timing assertions; every wait is bounded.

import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Obj, type Server, call, killAll, removeDirs, start, tempDir } from './server.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'placer.js');

afterEach(killAll);
afterAll(removeDirs);

/** Everything a client can see of the state. */
async function snapshot(s: Server): Promise<unknown[]> {
  return Promise.all(['/v1/hosts', '/v1/namespaces', '/v1/placements'].map(async (p) => (await call(s, 'GET', p)).body));
}

const node = (name: string, alloc: Record<string, string>, labels: Record<string, string> = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
  status: { allocatable: alloc },
});
const pod = (name: string, ns: string, cpu: string, memory: string, extra: Obj = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, uid: `uid-${ns}-${name}` },
  spec: { ...extra, containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory } } }] },
});

/** Quantities as placer prints them → integers (cpu in millicores, everything else in units). */
function amount(q: string | undefined, cpu = false): number {
  if (q === undefined) return 0;
  const m = /^(\d+)(m|Ki|Mi|Gi|Ti|k|M|G)?$/.exec(q);
  if (!m) throw new Error(`unexpected quantity ${q}`);
  const n = Number(m[1]);
  const mult: Record<string, number> = { m: 1 / 1000, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9 };
  const v = n * (m[2] ? mult[m[2]] : 1);
  return cpu ? Math.round(v * 1000) : v;
}

describe('placer serve (real process)', () => {
  it('bootstraps examples/, places over the extender and the native API, shuts down on SIGTERM, finds everything again', async () => {
    const dir = tempDir();
    const s = await start(dir, ['--bootstrap', 'examples/']);
    // the README's run command: the same table and summary as `placer place examples/`
    const cli = spawnSync(process.execPath, [bin, 'place', 'examples/'], { cwd: root, encoding: 'utf8' }).stdout;
    expect(s.stdout().startsWith(cli)).toBe(true);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);

    // extender: filter in NodeNames mode, then bind to the first host that passed
    const names = ((await call(s, 'GET', '/v1/hosts')).body.items as Obj[]).map((h) => h.name as string);
    const podObj = JSON.parse(readFileSync(join(root, 'test/fixtures/extender/pod.json'), 'utf8')) as Obj;
    (podObj.metadata as Obj).namespace = 'e2e-ext';
    const f = await call(s, 'POST', '/scheduler/filter', { Pod: podObj, Nodes: null, NodeNames: names });
    expect(f.body.Error).toBe('');
    const passed = f.body.NodeNames as string[];
    expect(passed.length).toBeGreaterThan(0);
    expect(
      passed.length + Object.keys(f.body.FailedNodes as Obj).length + Object.keys(f.body.FailedAndUnresolvableNodes as Obj).length,
    ).toBe(names.length);
    const md = podObj.metadata as Obj;
    const b = await call(s, 'POST', '/scheduler/bind', { PodName: md.name, PodNamespace: 'e2e-ext', PodUID: md.uid, Node: passed[0] });
    expect(b.body).toEqual({ Error: '' });

    // native: a Deployment
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'e2e-native' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'api' } },
        template: {
          metadata: { labels: { app: 'api' } },
          spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m', memory: '1Gi' } } }] },
        },
      },
    };
    const a = await call(s, 'POST', '/v1/apply', dep);
    expect(a.status).toBe(200);
    expect((a.body.summary as Obj).placed).toBe(3);

    const extList = (await call(s, 'GET', '/v1/placements?namespace=e2e-ext')).body.items;
    expect(extList).toEqual([
      {
        namespace: 'e2e-ext',
        kind: 'Pod',
        name: md.name,
        host: passed[0],
        uid: md.uid,
        owner: 'ReplicaSet/vm-launcher-db-7c9f8d6b5',
        origin: 'bind',
      },
    ]);
    const before = await snapshot(s);

    s.proc.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });

    const again = await start(dir, ['--bootstrap', 'examples/']);
    expect(again.stdout()).toMatch(/already holds \d+ hosts, \d+ placements and \d+ pending workloads; --bootstrap skipped/);
    expect(await snapshot(again)).toEqual(before);
    // a bind replayed after the restart is still idempotent
    expect(
      (await call(again, 'POST', '/scheduler/bind', { PodName: md.name, PodNamespace: 'e2e-ext', PodUID: md.uid, Node: passed[0] })).body,
    ).toEqual({ Error: '' });
    expect(await snapshot(again)).toEqual(before);
  });

  it('SIGTERM: a request still in flight after --shutdown-grace-period has its connection closed, and the process exits', async () => {
    const s = await start(tempDir(), ['--shutdown-grace-period', '1s']);
    // an apply whose body never ends: the server waits for it until the grace period is over
    const req = httpRequest(`${s.url}/v1/apply`, { method: 'POST', headers: { 'content-type': 'application/yaml' } });
    const closed = new Promise<string>((resolve) => {
      req.on('error', (err) => resolve(err.message));
      req.on('response', (res) => resolve(`answered ${res.statusCode}`));
    });
    req.write('apiVersion: v1\nkind: Node\n');
    await new Promise((r) => setTimeout(r, 200));
    const t0 = Date.now();
    s.proc.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    const waited = Date.now() - t0;
    expect(await closed).toBe('socket hang up');
    // the grace period was given (1 s), and not the default (10 s)
    expect(waited).toBeGreaterThanOrEqual(900);
    expect(waited).toBeLessThan(8000);
  });

  it('kill -9 in the middle of concurrent places and releases: every acknowledged change is there exactly once, ledgers recompute', async () => {
    const dir = tempDir();
    const s = await start(dir);
    const ns = 'crash';
    const hostNames = ['h0', 'h1', 'h2', 'h3'];
    const setup = await call(s, 'POST', '/v1/apply', [
      ...hostNames.map((n) => node(n, { cpu: '64', memory: '256Gi', pods: '1000' })),
      {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'compute', namespace: ns },
        spec: { hard: { 'requests.cpu': '1000', 'count/pods': '5000' } },
      },
    ]);
    expect(setup.status).toBe(200);

    const attempted = new Map<string, { cpu: number; mem: number }>();
    const ackedPlace = new Map<string, string>();
    const ackedRelease = new Set<string>();
    const triedRelease = new Set<string>(); // a release in flight at the kill may or may not have happened
    let acks = 0;
    const killAfter = 30 + Math.floor(Math.random() * 120); // a random moment of the load
    let killed = false;
    const kill = () => {
      if (!killed) {
        killed = true;
        s.proc.kill('SIGKILL');
      }
    };
    const client = async (k: number) => {
      const mine: string[] = [];
      for (let i = 0; i < 400 && !killed; i++) {
        try {
          if (mine.length > 0 && i % 3 === 2) {
            const name = mine.splice(Math.floor(Math.random() * mine.length), 1)[0];
            triedRelease.add(name);
            const r = await call(s, 'DELETE', `/v1/namespaces/${ns}/Pod/${name}`);
            if (r.status !== 200) throw new Error(`release ${name}: ${r.status} ${JSON.stringify(r.body)}`);
            ackedRelease.add(name);
          } else {
            const name = `c${k}-${i}`;
            const cpu = 100 * (1 + ((k + i) % 5));
            const mem = 64 * (1 + (i % 4));
            attempted.set(name, { cpu, mem: mem * 1024 * 1024 });
            const r = await call(s, 'POST', '/v1/apply', pod(name, ns, `${cpu}m`, `${mem}Mi`));
            if (r.status !== 200) throw new Error(`place ${name}: ${r.status} ${JSON.stringify(r.body)}`);
            const placed = r.body.placements as Obj[];
            expect(placed).toHaveLength(1);
            ackedPlace.set(name, placed[0].host as string);
            mine.push(name);
          }
          if (++acks >= killAfter) kill();
        } catch (err) {
          if (killed) return; // the server died under this request: its outcome is unknown
          throw err;
        }
      }
    };
    await Promise.all([0, 1, 2, 3, 4, 5].map(client));
    kill();
    expect(await s.exited).toMatchObject({ signal: 'SIGKILL' });
    expect(ackedPlace.size).toBeGreaterThan(0);

    const again = await start(dir);
    const items = (await call(again, 'GET', `/v1/placements?namespace=${ns}`)).body.items as Obj[];
    const listed = new Map<string, string>();
    for (const it of items) {
      expect(listed.has(it.name as string), `${it.name} listed twice`).toBe(false);
      listed.set(it.name as string, it.host as string);
      expect(attempted.has(it.name as string), `${it.name} was never requested`).toBe(true);
    }
    for (const [name, host] of ackedPlace) {
      if (ackedRelease.has(name)) expect(listed.has(name), `${name} was released`).toBe(false);
      else if (triedRelease.has(name)) expect([undefined, host], `${name} (release unacknowledged)`).toContain(listed.get(name));
      else expect(listed.get(name), `acknowledged placement ${name}`).toBe(host);
    }
    // a placement whose request was in flight may be there, but only where the service put it
    for (const [name, host] of listed) if (ackedPlace.has(name)) expect(host).toBe(ackedPlace.get(name));

    // the stored placements, read from the store file itself, are exactly what the service lists
    const db = new Database(join(dir, 'placer.db'), { readonly: true });
    const rows = db.prepare('SELECT name, host FROM placements WHERE namespace = ? ORDER BY name').all(ns) as {
      name: string;
      host: string;
    }[];
    db.close();
    expect(new Map(rows.map((r) => [r.name, r.host]))).toEqual(listed);

    // ledgers: recomputed from the stored placements and the requests the clients sent
    const want = new Map(hostNames.map((n) => [n, { cpu: 0, mem: 0, pods: 0 }]));
    for (const r of rows) {
      const w = want.get(r.host)!;
      const req = attempted.get(r.name)!;
      w.cpu += req.cpu;
      w.mem += req.mem;
      w.pods += 1;
    }
    const hostItems = (await call(again, 'GET', '/v1/hosts')).body.items as Obj[];
    for (const h of hostItems) {
      const used = h.used as Record<string, string>;
      expect({ cpu: amount(used.cpu, true), mem: amount(used.memory), pods: amount(used.pods) }, `host ${h.name}`).toEqual(
        want.get(h.name as string),
      );
    }
    const nsItem = ((await call(again, 'GET', '/v1/namespaces')).body.items as Obj[]).find((n) => n.namespace === ns)!;
    const q = (nsItem.quotas as Obj[])[0].used as Record<string, string>;
    const total = [...want.values()].reduce((a, w) => ({ cpu: a.cpu + w.cpu, pods: a.pods + w.pods }), { cpu: 0, pods: 0 });
    expect({ cpu: amount(q['requests.cpu'], true), pods: amount(q['count/pods']) }).toEqual(total);
  });

  it('many concurrent binds compete for the last free slot of a host: exactly one wins', async () => {
    const dir = tempDir();
    const s = await start(dir);
    const ns = 'race';
    await call(s, 'POST', '/v1/apply', [
      node('tiny', { cpu: '64', memory: '256Gi', pods: '3' }),
      pod('r0', ns, '1', '1Gi', { nodeName: 'tiny' }),
      pod('r1', ns, '1', '1Gi', { nodeName: 'tiny' }),
    ]);
    const contenders = Array.from({ length: 16 }, (_, i) => pod(`p${i}`, ns, '1', '1Gi'));
    for (const p of contenders) {
      const f = await call(s, 'POST', '/scheduler/filter', { Pod: p, NodeNames: ['tiny'] });
      expect(f.body.NodeNames).toEqual(['tiny']);
    }
    const results = await Promise.all(
      contenders.map((p) =>
        call(s, 'POST', '/scheduler/bind', {
          PodName: (p.metadata as Obj).name,
          PodNamespace: ns,
          PodUID: (p.metadata as Obj).uid,
          Node: 'tiny',
        }),
      ),
    );
    const winners = results.filter((r) => r.body.Error === '');
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.body.Error !== '') expect(r.body.Error).toMatch(/Too many pods/);
    const tiny = ((await call(s, 'GET', '/v1/hosts')).body.items as Obj[])[0];
    expect((tiny.used as Obj).pods).toBe('3');
    expect((await call(s, 'GET', `/v1/placements?namespace=${ns}`)).body.items).toHaveLength(3);
  });

  it('bad input gets its Status code and message, changes nothing, and the server keeps serving', async () => {
    const dir = tempDir();
    const s = await start(dir);
    await call(s, 'POST', '/v1/apply', [node('h1', { cpu: '8', memory: '32Gi', pods: '110' }), pod('keep', 'ns1', '1', '1Gi')]);
    const before = await snapshot(s);

    const cases: [string, () => Promise<{ status: number; body: Obj }>, number, string, RegExp][] = [
      [
        'malformed JSON',
        () => call(s, 'POST', '/v1/apply', '{"kind": "Pod", ', { 'content-type': 'application/json' }),
        400,
        'BadRequest',
        /invalid JSON/,
      ],
      [
        'wrong content type',
        () => call(s, 'POST', '/v1/apply', 'kind=Pod', { 'content-type': 'application/x-www-form-urlencoded' }),
        415,
        'UnsupportedMediaType',
        /unknown format/,
      ],
      [
        'negative quantity',
        () => call(s, 'POST', '/v1/apply', [pod('neg', 'ns1', '-1', '1Gi')]),
        422,
        'Invalid',
        /\[0\]\.spec\.containers\[0\]\.resources\.requests\.cpu: Invalid value: "-1": must be greater than or equal to 0/,
      ],
      [
        'malformed quantity',
        () => call(s, 'POST', '/v1/apply', [pod('bad', 'ns1', '1', '1 GB')]),
        422,
        'Invalid',
        /requests\.memory: Invalid value: "1 GB": quantities must match/,
      ],
      ['unknown namespace', () => call(s, 'DELETE', '/v1/namespaces/nope/Pod/keep'), 404, 'NotFound', /namespace "nope" not found/],
      ['unknown kind', () => call(s, 'DELETE', '/v1/namespaces/ns1/Widget/keep'), 404, 'NotFound', /not "Widget"/],
      [
        'extender: malformed JSON',
        () => call(s, 'POST', '/scheduler/filter', '{"Pod":', { 'content-type': 'application/json' }),
        400,
        'BadRequest',
        /not valid JSON/,
      ],
    ];
    for (const [what, run, code, reason, message] of cases) {
      const r = await run();
      expect(r.status, what).toBe(code);
      expect(r.body, what).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code });
      expect(r.body.message, what).toMatch(message);
    }
    // oversized: 17 MiB against the 16 MiB limit of /v1/apply, refused on Content-Length
    const big = await rawPost(s.url, '/v1/apply', Buffer.alloc(17 * 1024 * 1024, 0x20), 'application/json');
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body)).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });

    expect(await snapshot(s)).toEqual(before);
    expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    const ok = await call(s, 'POST', '/v1/apply', [pod('after', 'ns1', '1', '1Gi')]);
    expect(ok.status).toBe(200);
    expect((ok.body.placements as Obj[])[0]).toMatchObject({ name: 'after', host: 'h1' });
  });
});

/** A POST with node:http, resolved on the response even if the server stops reading the upload. */
function rawPost(url: string, path: string, body: Buffer, type: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(url + path, { method: 'POST', headers: { 'content-type': type, 'content-length': body.length } }, (res) => {
      answered = true;
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(body);
  });
}
