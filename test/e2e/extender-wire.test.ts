// The extender's answers over a real `placer serve` (test/service/ uses app.request, which never
// reuses answer buffers): known NodeNames lists are answered from pooled buffers that return to
// the pool when their response closed. Many calls in flight on keep-alive connections, with
// answers of different lengths (mixed failure reasons, a score of 10 shifting the list), must
// each equal the general path's answer for the same request.

import { Agent, request as httpRequest } from 'node:http';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mixedExtenderCluster } from '../fixtures/extender-cluster.js';
import { type Obj, call, killAll, removeDirs, start, tempDir } from './server.js';

afterEach(killAll);
afterAll(removeDirs);

const pod = (name: string, namespace: string, cpu: string, memory: string): Obj => ({
  metadata: { name, namespace, uid: `uid-${namespace}-${name}`, labels: { app: name } },
  spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory } } }] },
  status: { phase: 'Pending' },
});

function post(agent: Agent, url: string, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, url);
    const req = httpRequest(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('extender over a real server: pooled answer buffers', () => {
  it('concurrent filter and prioritize calls on a known list answer what the general path answers', async () => {
    const s = await start(tempDir());
    // mixed failure reasons: taint values differ per host, so their messages do too
    const { names, objects } = mixedExtenderCluster(300, (i) => `v${i % 4}`);
    const applied = await call(s, 'POST', '/v1/apply', objects);
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);

    // pods whose answers differ in length: few or many failures, and scores of 10 (MostAllocated)
    const pods = [
      pod('small', 'apps', '100m', '128Mi'),
      pod('mid', 'apps', '2', '4Gi'),
      pod('big', 'apps', '8', '64Gi'),
      pod('fill', 'packed', '2', '4Gi'),
      pod('tiny', 'packed', '10m', '16Mi'),
    ];
    const goOrder = (p: Obj) => JSON.stringify({ Pod: p, Nodes: null, NodeNames: names });
    const namesFirst = (p: Obj) => JSON.stringify({ NodeNames: names, Pod: p, Nodes: null });
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    try {
      const expected = new Map<string, unknown>();
      for (const verb of ['filter', 'prioritize']) {
        for (const p of pods) {
          const r = await post(agent, s.url, `/scheduler/${verb}`, namesFirst(p));
          expect(r.status).toBe(200);
          expected.set(`${verb} ${(p.metadata as Obj).name}`, JSON.parse(r.text));
        }
      }
      const fill = expected.get('prioritize fill') as Obj[];
      expect(fill.filter((e) => e.Score === 10).length).toBeGreaterThan(0);
      // the list in Go's order (known from its third sighting: the first calls below take the split
      // path, the rest the pooled known-list answers), then 400 calls, 8 at a time, in a shuffled mix
      await post(agent, s.url, '/scheduler/filter', goOrder(pods[0]));
      const calls = Array.from({ length: 400 }, (_, i) => ({
        verb: (i * 7) % 3 === 0 ? 'prioritize' : 'filter',
        p: pods[(i * 11) % pods.length],
      }));
      let next = 0;
      const worker = async () => {
        while (next < calls.length) {
          const { verb, p } = calls[next++];
          const r = await post(agent, s.url, `/scheduler/${verb}`, goOrder(p));
          expect(r.status).toBe(200);
          expect(JSON.parse(r.text)).toEqual(expected.get(`${verb} ${(p.metadata as Obj).name}`));
        }
      };
      await Promise.all(Array.from({ length: 8 }, worker));
    } finally {
      agent.destroy();
    }
  });
});
