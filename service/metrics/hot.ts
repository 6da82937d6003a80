// Counters and histograms of the hot paths (the extender's verbs, Kubernetes mode's watch and binds),
// kept as plain numbers and handed to prom-client's Registry when it is scraped. prom-client's own
// Counter and Histogram validate and hash the label set on every inc and observe (through labels()
// children too): a few microseconds each, several times per pod. Here a label set is found through
// a Map per label, in the order the names were declared, and validated once, when it first appears.
//
// The exposition is prom-client's: the registry reads these metrics as it reads its own (the same
// values in the same order: label sets in the order they first appeared, buckets, +Inf, _sum and
// _count, the label set as shared labels), so the text and JSON output are the same as a
// prom-client Counter's and Histogram's given the same calls (test/unit/metrics-hot.test.ts).

import { inspect } from 'node:util';
import type { Metric, Registry } from 'prom-client';

type Labels<L extends string> = Partial<Record<L, string | number>>;

interface Config<L extends string> {
  name: string;
  help: string;
  labelNames: readonly L[];
  registers: Registry[];
}

/** The label sets of a metric, each with its value, by their label values in declared order. */
class LabelSets<L extends string, V extends { labels: Labels<L> }> {
  private readonly root = new Map<unknown, unknown>();
  /** In the order the label sets first appeared (prom-client's hashMap order). */
  readonly all: V[] = [];

  constructor(
    private readonly labelNames: readonly L[],
    private readonly make: (labels: Labels<L>) => V,
  ) {}

  get(labels: Labels<L>): V {
    const names = this.labelNames;
    let m = this.root;
    const last = names.length - 1;
    for (let i = 0; i < last; i++) {
      const v = labels[names[i]];
      let next = m.get(v) as Map<unknown, unknown> | undefined;
      if (next === undefined) m.set(v, (next = new Map()));
      m = next;
    }
    const key = last >= 0 ? labels[names[last]] : undefined;
    let e = m.get(key) as V | undefined;
    if (e === undefined) {
      for (const label in labels)
        if (!names.includes(label as L)) throw new Error(`Added label "${label}" is not included in initial labelset: ${inspect(names)}`);
      // a label set prom-client would hash alike: only the names given, in the order given
      e = this.make({ ...labels });
      m.set(key, e);
      this.all.push(e);
    }
    return e;
  }

  reset(): void {
    this.root.clear();
    this.all.length = 0;
  }
}

/** What the registry reads of a metric (prom-client's Metric, as far as Registry uses it). */
abstract class HotMetric<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  readonly aggregator = 'sum';
  abstract readonly type: 'counter' | 'histogram';

  constructor(config: Config<L>) {
    this.name = config.name;
    this.help = config.help;
    this.labelNames = config.labelNames;
  }

  protected register(registers: Registry[]): void {
    for (const r of registers) r.registerMetric(this as unknown as Metric);
  }
}

interface CounterSet<L extends string> {
  labels: Labels<L>;
  value: number;
}

/** prom-client's Counter, for inc(labels, value) and the registry. */
export class HotCounter<L extends string> extends HotMetric<L> {
  readonly type = 'counter';
  private readonly sets: LabelSets<L, CounterSet<L>>;

  constructor(config: Config<L>) {
    super(config);
    this.sets = new LabelSets(config.labelNames, (labels) => ({ value: 0, labels }));
    this.register(config.registers);
  }

  inc(labels: Labels<L>, value = 1): void {
    if (value && !Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${inspect(value)}`);
    if (value < 0) throw new Error('It is not possible to decrease a counter');
    this.sets.get(labels).value += value;
  }

  reset(): void {
    this.sets.reset();
  }

  get(): Promise<{ name: string; help: string; type: 'counter'; values: CounterSet<L>[]; aggregator: string }> {
    return Promise.resolve({
      help: this.help,
      name: this.name,
      type: this.type,
      values: this.sets.all.map((s) => ({ value: s.value, labels: s.labels })),
      aggregator: this.aggregator,
    });
  }
}

interface HistogramSet<L extends string> {
  labels: Labels<L>;
  /** Observations per upper bound (not cumulative). */
  buckets: Float64Array;
  sum: number;
  count: number;
}

interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string | number>;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/** prom-client's Histogram, for observe(labels, value) and the registry. */
export class HotHistogram<L extends string> extends HotMetric<L> {
  readonly type = 'histogram';
  readonly upperBounds: readonly number[];
  private readonly sets: LabelSets<L, HistogramSet<L>>;

  constructor(config: Config<L> & { buckets: readonly number[] }) {
    super(config);
    if (config.labelNames.includes('le' as L)) throw new Error('le is a reserved label keyword');
    this.upperBounds = [...config.buckets];
    const n = this.upperBounds.length;
    this.sets = new LabelSets(config.labelNames, (labels) => ({ labels, buckets: new Float64Array(n), sum: 0, count: 0 }));
    this.register(config.registers);
  }

  observe(labels: Labels<L>, value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${inspect(value)}`);
    const s = this.sets.get(labels);
    const bounds = this.upperBounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]) {
        s.buckets[i]++;
        break;
      }
    }
    s.sum += value;
    s.count += 1;
  }

  reset(): void {
    this.sets.reset();
  }

  /** The values as prom-client's Histogram gives them for the text exposition (label set as shared labels). */
  getForPromString(): Promise<{ name: string; help: string; type: 'histogram'; values: ExportedValue[]; aggregator: string }> {
    const bucket = `${this.name}_bucket`;
    const values: ExportedValue[] = [];
    for (const s of this.sets.all) {
      const shared = s.labels as Record<string, string | number>;
      let acc = 0;
      this.upperBounds.forEach((le, i) => {
        acc += s.buckets[i];
        values.push({ labels: { le }, sharedLabels: shared, value: acc, metricName: bucket, exemplar: null });
      });
      values.push(
        { labels: { le: '+Inf' }, sharedLabels: shared, value: s.count, metricName: bucket, exemplar: null },
        { labels: {}, sharedLabels: shared, value: s.sum, metricName: `${this.name}_sum`, exemplar: undefined },
        { labels: {}, sharedLabels: shared, value: s.count, metricName: `${this.name}_count`, exemplar: undefined },
      );
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator });
  }

  /** The values as prom-client's Histogram gives them for JSON (the label set merged into each value's labels). */
  async get(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    values: Omit<ExportedValue, 'sharedLabels'>[];
    aggregator: string;
  }> {
    const data = await this.getForPromString();
    return {
      ...data,
      values: data.values.map(({ sharedLabels, labels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })),
    };
  }
}
