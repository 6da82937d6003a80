// Scheduler mode's queue (service/apiserver/queue.ts) on its own: which pods it owns, the order a
// batch takes them in, gangs taken whole, parked pods woken by a change only after their backoff,
// a new gang member waking its gang, and a re-created pod replacing its old incarnation.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { Registry } from 'prom-client';
import { KubeMetrics } from '../../service/apiserver/metrics.js';
import { SchedulingQueue } from '../../service/apiserver/queue.js';

type Obj = Record<string, unknown>;

const podObj = (
  name: string,
  o: { uid?: string; priority?: number; scheduler?: string; node?: string; gang?: string; phase?: string } = {},
): Obj => ({
  metadata: { name, namespace: 'ns', uid: o.uid ?? `uid-${name}`, ...(o.gang && { labels: { 'scheduling.x-k8s.io/pod-group': o.gang } }) },
  spec: {
    schedulerName: o.scheduler ?? 'placer',
    ...(o.priority !== undefined && { priority: o.priority }),
    ...(o.node && { nodeName: o.node }),
  },
  status: { phase: o.phase ?? 'Pending' },
});

const names = (ps: { key: string }[]): string[] => ps.map((p) => p.key.slice(3));

describe('the scheduling queue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("owns pending pods of its names only: not another scheduler's, not bound, not finished, not being deleted", () => {
    const q = new SchedulingQueue(new Set(['placer', 'batch']));
    q.observe(podObj('a'));
    q.observe(podObj('b', { scheduler: 'batch' }));
    q.observe(podObj('c', { scheduler: 'default-scheduler' }));
    q.observe(podObj('d', { node: 'n1' }));
    q.observe(podObj('e', { phase: 'Succeeded' }));
    q.observe({ ...podObj('f'), metadata: { name: 'f', namespace: 'ns', uid: 'u', deletionTimestamp: '2026-01-01T00:00:00Z' } });
    expect([...q.keys()].sort()).toEqual(['ns/a', 'ns/b']);
    // bound meanwhile: it leaves
    expect(q.observe(podObj('a', { node: 'n1' }))?.key).toBe('ns/a');
    expect([...q.keys()]).toEqual(['ns/b']);
  });

  it('takes the highest priority first, then the oldest, at most the batch size; a gang whole even past it', () => {
    const q = new SchedulingQueue(new Set(['placer']));
    q.observe(podObj('low-1', { priority: 1 }));
    q.observe(podObj('high', { priority: 100 }));
    q.observe(podObj('low-2', { priority: 1 }));
    q.observe(podObj('g-1', { priority: 50, gang: 'g' }));
    q.observe(podObj('g-2', { priority: 50, gang: 'g' }));
    expect(names(q.take(2))).toEqual(['high', 'g-1', 'g-2']);
    expect(names(q.take(10))).toEqual(['low-1', 'low-2']);
    expect(q.take(10)).toEqual([]);
  });

  it('a parked pod waits for a change, then for its backoff (1 s, 2 s, … at most 10 s); a change elsewhere does not wake it', () => {
    vi.useFakeTimers();
    const q = new SchedulingQueue(new Set(['placer']));
    q.observe(podObj('a'));
    const [a] = q.take(10);
    q.failed(a);
    expect(a.state).toBe('parked');
    vi.advanceTimersByTime(60_000);
    expect(q.take(10)).toEqual([]); // no change, no retry
    q.mark('other-namespace');
    expect(a.state).toBe('parked');
    q.mark('ns');
    // the first failure was a minute ago: due at once
    expect(names(q.take(10))).toEqual(['a']);
    q.failed(a);
    q.mark();
    expect(a.state).toBe('backoff'); // second failure: 2 s
    vi.advanceTimersByTime(1999);
    expect(q.take(10)).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(names(q.take(10))).toEqual(['a']);
    for (let i = 0; i < 10; i++) {
      q.failed(a, true);
      q.take(10);
    }
    q.failed(a, true);
    expect(a.dueAt - a.lastAttempt).toBe(10_000);
  });

  it('counts its pods by state, as the metrics read them at scrape time', async () => {
    vi.useFakeTimers();
    const q = new SchedulingQueue(new Set(['placer']));
    for (const n of ['a', 'b', 'c', 'd', 'e']) q.observe(podObj(n));
    const [a, b, c] = q.take(3);
    q.failed(a); // parked until a change
    q.failed(b, true); // backoff
    expect(c.state).toBe('flight');
    expect(q.counts()).toEqual({ active: 2, parked: 1, backoff: 1, flight: 1 });
    const registry = new Registry();
    const m = new KubeMetrics(registry);
    m.queueCounts = () => q.counts();
    const scraped = await registry.getSingleMetricAsString('placer_kube_scheduling_queue');
    expect(scraped).toContain('placer_kube_scheduling_queue{state="active"} 2');
    expect(scraped).toContain('placer_kube_scheduling_queue{state="parked"} 1');
    expect(scraped).toContain('placer_kube_scheduling_queue{state="backoff"} 1');
    expect(scraped).toContain('placer_kube_scheduling_queue{state="flight"} 1');
    q.requeue(c);
    expect(await registry.getSingleMetricAsString('placer_kube_scheduling_queue')).toContain(
      'placer_kube_scheduling_queue{state="active"} 3',
    );
  });

  it("a gang's new member wakes its parked members at once; taken in flight members are left out", () => {
    const q = new SchedulingQueue(new Set(['placer']));
    q.observe(podObj('g-1', { gang: 'g' }));
    q.observe(podObj('g-2', { gang: 'g' }));
    for (const p of q.take(10)) q.failed(p);
    expect(q.activeCount).toBe(0);
    q.observe(podObj('g-3', { gang: 'g' }));
    expect(names(q.take(10)).sort()).toEqual(['g-1', 'g-2', 'g-3']);
  });

  it('a pod re-created under the same name replaces its old incarnation; requeue after a lost leadership keeps its attempts', () => {
    vi.useFakeTimers();
    const q = new SchedulingQueue(new Set(['placer']));
    q.observe(podObj('a', { uid: 'one' }));
    const [first] = q.take(10);
    q.failed(first);
    const old = q.observe(podObj('a', { uid: 'two' }));
    expect(old?.uid).toBe('one');
    const [second] = q.take(10);
    expect([second.uid, second.attempts]).toEqual(['two', 0]);
    q.failed(second, true);
    q.requeue(second); // not in flight: nothing changes
    expect(second.state).toBe('backoff');
    q.observe(podObj('b'));
    const [b] = q.take(10);
    q.requeue(b);
    expect([b.state, b.attempts]).toEqual(['active', 0]);
  });
});
