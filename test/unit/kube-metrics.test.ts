// Kubernetes mode's metrics (service/apiserver/metrics.ts): counted as plain numbers and set only
// when they change, they expose what prom-client's own Counter and Gauge show given the same calls
// — the same text and JSON, byte for byte — for any sequence of increments and watch states.

import { fc, test } from '@fast-check/vitest';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { expect } from 'vitest';
import { KubeMetrics } from '../../service/apiserver/metrics.js';
import { HotCounter } from '../../service/metrics/hot.js';

type Inc = { kind: 'inc'; metric: number; labels: number[]; value: number };
type Show = { kind: 'show'; pendingHost: number; podReads: number | undefined };

const VALUES = ['a', 'b', 'bound', 'Pod'];

const op: fc.Arbitrary<Inc | Show> = fc.oneof(
  fc.record({
    kind: fc.constant('inc' as const),
    metric: fc.nat(20),
    labels: fc.array(fc.nat(VALUES.length - 1), { minLength: 2, maxLength: 2 }),
    value: fc.constantFrom(1, 1, 0, 3),
  }),
  fc.record({
    kind: fc.constant('show' as const),
    pendingHost: fc.nat(3),
    podReads: fc.option(fc.nat(3), { nil: undefined }),
  }),
);

/** prom-client's own metrics of the same names, help, labels and buckets as `registry`'s, in a registry of their own. */
function reference(ours: Registry): { registry: Registry; counters: Map<string, Counter>; gauges: Map<string, Gauge> } {
  const registry = new Registry();
  const registers = [registry];
  const counters = new Map<string, Counter>();
  const gauges = new Map<string, Gauge>();
  for (const m of ours.getMetricsAsArray() as unknown[]) {
    const { name, help, labelNames } = m as { name: string; help: string; labelNames: string[] };
    const config = { name, help, labelNames: [...labelNames], registers };
    if (m instanceof HotCounter) counters.set(name, new Counter(config));
    else if (m instanceof Gauge) gauges.set(name, new Gauge(config));
    else if (m instanceof Histogram) new Histogram({ ...config, buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5] });
    else throw new Error(`${name}: a metric of another kind`);
  }
  return { registry, counters, gauges };
}

test.prop([fc.array(op, { maxLength: 60 })])('KubeMetrics exposes what prom-client does for the same calls', async (ops) => {
  const ours = new Registry();
  const k = new KubeMetrics(ours);
  const ref = reference(ours);
  const hot = (ours.getMetricsAsArray() as unknown[]).filter((m): m is HotCounter<string> => m instanceof HotCounter);
  expect(hot.length).toBeGreaterThan(0);
  for (const o of ops) {
    if (o.kind === 'inc') {
      const c = hot[o.metric % hot.length];
      const labels: Record<string, string> = {};
      c.labelNames.forEach((n, i) => (labels[n] = VALUES[o.labels[i % o.labels.length]]));
      c.inc(labels, o.value);
      ref.counters.get(c.name)!.inc(labels, o.value);
    } else {
      k.showWaiting(o.pendingHost, o.podReads);
      ref.gauges.get('placer_kube_pods_pending_host')!.set(o.pendingHost);
      if (o.podReads !== undefined) ref.gauges.get('placer_kube_pod_reads')!.set(o.podReads);
    }
  }
  expect(await ours.metrics()).toBe(await ref.registry.metrics());
  expect(JSON.stringify(await ours.getMetricsAsJSON())).toBe(JSON.stringify(await ref.registry.getMetricsAsJSON()));
});
