// The hot path's counters and histograms (service/metrics/hot.ts) against prom-client's own
// Counter and Histogram given the same calls: the same text exposition and the same JSON, label
// sets in any order and spelling, values on and between the bucket bounds, resets; and the same
// refusals (an undeclared label, a negative increment, a value that is not a number).

import { fc, test } from '@fast-check/vitest';
import { Counter, Histogram, Registry, exponentialBuckets } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { HotCounter, HotHistogram } from '../../service/metrics/hot.js';

const BUCKETS = [...exponentialBuckets(0.0001, 2, 16), 0.002].sort((a, b) => a - b);

function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const config = (registers: Registry[]) => ({
    counter: { name: 't_total', help: 'a counter', labelNames: ['result', 'profile'] as const, registers },
    histogram: { name: 't_seconds', help: 'a histogram', labelNames: ['verb', 'result'] as const, buckets: BUCKETS, registers },
  });
  const a = config([theirs]);
  const b = config([ours]);
  return {
    theirs,
    ours,
    counters: [new Counter({ ...a.counter, labelNames: [...a.counter.labelNames] }), new HotCounter(b.counter)] as const,
    histograms: [new Histogram({ ...a.histogram, labelNames: [...a.histogram.labelNames] }), new HotHistogram(b.histogram)] as const,
  };
}

type Op =
  | { kind: 'inc'; labels: Record<string, string>; value: number }
  | { kind: 'observe'; labels: Record<string, string>; value: number }
  | { kind: 'reset' };

const value = fc.constantFrom('success', 'error', 'filter', 'bind', 'a"b\\c\nd', '');
const counterLabels = fc.oneof(
  fc.record({ result: value, profile: value }),
  fc.record({ profile: value, result: value }),
  fc.record({ result: value }),
);
const histogramLabels = fc.oneof(fc.record({ verb: value, result: value }), fc.record({ result: value, verb: value }));
const seconds = fc.oneof(fc.constantFrom(...BUCKETS, 0, 5, 1e-9), fc.double({ min: 0, max: 10, noNaN: true }));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('inc' as const), labels: counterLabels, value: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('observe' as const), labels: histogramLabels, value: seconds }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
);

describe('hot metrics', () => {
  test.prop([fc.array(op, { maxLength: 60 })])('expose what prom-client exposes for the same calls', async (ops) => {
    const p = pair();
    for (const o of ops) {
      if (o.kind === 'reset') {
        p.theirs.resetMetrics();
        p.ours.resetMetrics();
      } else if (o.kind === 'inc') for (const c of p.counters) c.inc(o.labels, o.value);
      else for (const h of p.histograms) h.observe(o.labels, o.value);
    }
    expect(await p.ours.metrics()).toBe(await p.theirs.metrics());
    expect(await p.ours.getMetricsAsJSON()).toEqual(await p.theirs.getMetricsAsJSON());
    const open = (r: Registry): Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE> => {
      const o = r as unknown as Registry<typeof Registry.OPENMETRICS_CONTENT_TYPE>;
      o.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
      return o;
    };
    expect(await open(p.ours).metrics()).toBe(await open(p.theirs).metrics());
  });

  it('refuse what prom-client refuses', () => {
    const p = pair();
    for (const [theirs, ours] of [
      [() => p.counters[0].inc({ verb: 'x' } as never), () => p.counters[1].inc({ verb: 'x' } as never)],
      [() => p.counters[0].inc({ result: 'x' }, -1), () => p.counters[1].inc({ result: 'x' }, -1)],
      [() => p.counters[0].inc({ result: 'x' }, Infinity), () => p.counters[1].inc({ result: 'x' }, Infinity)],
      [() => p.histograms[0].observe({ profile: 'x' } as never, 1), () => p.histograms[1].observe({ profile: 'x' } as never, 1)],
      [() => p.histograms[0].observe({ verb: 'x' }, Infinity), () => p.histograms[1].observe({ verb: 'x' }, Infinity)],
    ] as const) {
      expect(theirs).toThrow();
      expect(ours).toThrow(
        (() => {
          try {
            theirs();
          } catch (err) {
            return (err as Error).message;
          }
          return 'no error';
        })(),
      );
    }
  });
});
