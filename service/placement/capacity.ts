// Capacity headroom as documents and tables: the templates asked about (workload manifests, or a
// shape of requests in one or every namespace), the engine's answers (core-wasm/src/capacity.ts)
// as a CapacityReport, and the table `placer capacity` prints. The same for the CLI and the API.

import { stringify } from 'yaml';
import type { CapacityReport, Engine, Headroom } from '../../core-wasm/src/engine.js';
import { ZONE_KEY } from '../../core-wasm/src/capacity.js';
import { InputError } from '../../model/errors.js';
import { parseQuantity, QuantityError, resourceAmount } from '../../model/quantity.js';
import type { WorkloadTemplate } from '../../model/types.js';
import { parseManifests, parseText } from '../manifests/index.js';
import { type CapacityItem, type CapacityReportDoc, type HeadroomDoc, PLAN_API_VERSION } from './api-types.js';
import { table } from './printers.js';

/** A shape as written on the command line or in a query: `cpu=8,memory=32Gi` → resource → quantity. */
export function parseShape(text: string, field = 'shape'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    const [name, q, ...rest] = pair.split('=');
    if (!name || q === undefined || rest.length > 0) {
      throw new InputError(undefined, field, `expected resource=quantity pairs, e.g. cpu=8,memory=32Gi (got ${JSON.stringify(pair)})`);
    }
    let amount: bigint;
    try {
      amount = resourceAmount(name, parseQuantity(q));
    } catch (err) {
      if (!(err instanceof QuantityError)) throw err;
      throw new InputError(undefined, `${field}[${name}]`, `Invalid value: ${JSON.stringify(q)}: ${err.message}`);
    }
    if (amount <= 0n) throw new InputError(undefined, `${field}[${name}]`, `Invalid value: ${JSON.stringify(q)}: must be positive`);
    out[name] = q;
  }
  return out;
}

/** The shape as a Pod of one container in `namespace`, read as every Pod is (defaults and all). */
export function shapeTemplate(shape: Record<string, string>, namespace: string): WorkloadTemplate {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'capacity-probe', namespace },
    spec: { containers: [{ name: 'probe', image: 'probe', resources: { requests: shape, limits: shape } }] },
  };
  const [t] = parseManifests(parseText(JSON.stringify(pod), 'shape')).workloads;
  return t;
}

const headroomDoc = (h: Headroom): HeadroomDoc => ({ headroom: h.count, stoppedBy: h.stoppedBy });

/** The engine's answers for each template, as the API and `-o json` give them. */
export function capacityDoc(
  engine: Engine,
  templates: readonly WorkloadTemplate[],
  shape: Record<string, string> | undefined,
  zoneKey = ZONE_KEY,
): CapacityReportDoc {
  const items = templates.map((t): CapacityItem => {
    const r: CapacityReport = engine.headroom(t, { zoneKey });
    return {
      namespace: t.namespace,
      workload: shape ? { shape } : { kind: t.owner?.split('/')[0] ?? t.kind, name: t.owner?.split('/')[1] ?? t.instances[0].name },
      ...headroomDoc(r.headroom),
      quotaAside: headroomDoc(r.quotaFree),
      zones: r.zones.map((z) => ({ zone: z.zone, ...headroomDoc(z.headroom) })),
    };
  });
  return { apiVersion: PLAN_API_VERSION, kind: 'CapacityReport', zoneKey, items };
}

/** The report as a table: the counts per namespace and zone, then what stops the next one. */
export function printCapacity(doc: CapacityReportDoc, format: 'table' | 'json' | 'yaml'): string {
  if (format === 'json') return JSON.stringify(doc, null, 2) + '\n';
  if (format === 'yaml') return stringify(doc, { lineWidth: 0 });
  if (doc.items.length === 0) return 'No workload to measure.\n';
  const zones = [...new Set(doc.items.flatMap((i) => i.zones.map((z) => z.zone)))].sort();
  const what = (i: CapacityItem) =>
    'shape' in i.workload
      ? Object.entries(i.workload.shape)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')
      : `${i.workload.kind}/${i.workload.name}`;
  const rows = doc.items.map((i) => [
    i.namespace,
    what(i),
    String(i.headroom),
    String(i.quotaAside.headroom),
    ...zones.map((z) => String(i.zones.find((x) => x.zone === z)?.headroom ?? '-')),
  ]);
  let out = table(['NAMESPACE', 'WORKLOAD', 'MORE', 'QUOTA ASIDE', ...zones.map((z) => z.toUpperCase())], rows) + '\n';
  out += `MORE: how many more replicas placer would place now, every rule applied; QUOTA ASIDE: the same without the namespace's ResourceQuotas; then per ${doc.zoneKey}.\n`;
  const stops = doc.items.filter((i) => i.stoppedBy);
  if (stops.length > 0) {
    out += '\nWhat stops the next one:\n';
    for (const i of stops) out += `  ${i.namespace} ${what(i)}: ${i.stoppedBy!.message}\n`;
  }
  return out;
}
