// Scheduler mode's Events (service/apiserver/report.ts) against the fake API server: held back
// while Bindings wait or are in flight, sent once they are done, and flushed — none lost — when
// placer shuts down with Bindings still pending.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../service/apiserver/client.js';
import { PodReporter } from '../../service/apiserver/report.js';
import { FakeApiServer } from './fake-apiserver.js';
import { until } from './until.js';

const log = pino({ level: 'silent' });
let f: FakeApiServer;
let c: KubeClient;
let dir: string;

beforeAll(async () => {
  f = await FakeApiServer.start();
  dir = mkdtempSync(join(tmpdir(), 'placer-report-'));
  writeFileSync(join(dir, 'kubeconfig'), f.kubeconfig());
  c = await KubeClient.connect(await loadKubeConfig({ kubeconfig: join(dir, 'kubeconfig') }));
});
afterAll(async () => {
  c.close();
  await f.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The namespaces of the Event POSTs the fake saw, in order (each test's pods have namespaces of their own). */
const eventPosts = (prefix: string): string[] =>
  f.requests
    .filter((r) => r.method === 'POST' && r.path.startsWith(`/apis/events.k8s.io/v1/namespaces/${prefix}`))
    .map((r) => r.path.split('/')[5]);

const pod = (namespace: string) => ({ namespace, name: 'p', uid: `uid-${namespace}` });

describe('scheduler mode Events', () => {
  it('wait while Bindings are pending and go once they are done', async () => {
    let busy = true;
    const r = new PodReporter(c, log, undefined, () => busy);
    for (const ns of ['held-a', 'held-b', 'held-c']) r.scheduled(pod(ns), 'hv-1');
    // well past a Binding's round trip: still nothing sent
    await new Promise((res) => setTimeout(res, 300));
    expect(eventPosts('held-')).toEqual([]);
    busy = false;
    r.pump();
    await until(() => eventPosts('held-').length === 3, 5000, 'the Events sent');
    expect(eventPosts('held-').sort()).toEqual(['held-a', 'held-b', 'held-c']);
    await r.close(performance.now() + 5000);
  });

  it('a shutdown with Bindings still pending sends every Event held back', async () => {
    const r = new PodReporter(c, log, undefined, () => true);
    const namespaces = Array.from({ length: 40 }, (_, i) => `drain-${i}`);
    for (const ns of namespaces) r.scheduled(pod(ns), 'hv-1');
    expect(eventPosts('drain-')).toEqual([]);
    await r.close(performance.now() + 5000);
    expect(eventPosts('drain-').sort()).toEqual([...namespaces].sort());
  });

  it('a shutdown whose deadline has passed sends no more than those already going, and drops the rest', async () => {
    const r = new PodReporter(c, log, undefined, () => true);
    const namespaces = Array.from({ length: 40 }, (_, i) => `late-${i}`);
    for (const ns of namespaces) r.scheduled(pod(ns), 'hv-1');
    await r.close(performance.now() - 1);
    // the first 16 left at once (DRAIN_CONCURRENCY); the others were dropped at the deadline
    await new Promise((res) => setTimeout(res, 300));
    expect(eventPosts('late-').length).toBeLessThanOrEqual(16);
  });

  it('an unschedulable pod gets its condition at once; its Event waits for the Bindings', async () => {
    let busy = true;
    const r = new PodReporter(c, log, undefined, () => busy);
    r.unschedulable(pod('unsched-a'), '0/1 hosts are available: 1 Insufficient cpu.');
    await until(
      () => f.requests.some((q) => q.method === 'PATCH' && q.path === '/api/v1/namespaces/unsched-a/pods/p/status'),
      5000,
      'the PodScheduled condition written',
    );
    expect(eventPosts('unsched-')).toEqual([]);
    busy = false;
    r.pump();
    await until(() => eventPosts('unsched-').length === 1, 5000, 'the FailedScheduling Event sent');
    await r.close(performance.now() + 5000);
  });
});
