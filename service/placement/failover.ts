// Namespace HA as documents and tables: the engine's failover report and simulated failures
// (core-wasm/src/failover.ts) with their amounts as Kubernetes quantities — a FailoverReport and a
// FailoverSimulation — and the tables `placer failover` prints. The same for the CLI and the API.

import { stringify } from 'yaml';
import type { Engine, FailoverReport, RestartMove, RestartPlanReport, RestartStuck } from '../../core-wasm/src/engine.js';
import { ZONE_KEY } from '../../core-wasm/src/capacity.js';
import { formatAmount, parseQuantity, resourceAmount } from '../../model/quantity.js';
import {
  type FailoverReportDoc,
  type FailoverSimulationDoc,
  PLAN_API_VERSION,
  type RestartDoc,
  type StuckRestartDoc,
} from './api-types.js';
import { human, table } from './printers.js';

export type FailoverFormat = 'table' | 'json' | 'yaml';

/** Base-unit amounts (millicores, bytes, counts) as canonical quantities; zero amounts left out. */
function quantities(amounts: Record<string, number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(amounts)) if (v !== 0) out[k] = formatAmount(k, BigInt(v));
  return out;
}

const restartDoc = (m: RestartMove): RestartDoc => ({
  kind: m.kind,
  namespace: m.namespace,
  name: m.name,
  from: m.from,
  to: m.to,
  protected: m.protected,
});

const stuckDoc = (s: RestartStuck): StuckRestartDoc => ({
  kind: s.kind,
  namespace: s.namespace,
  name: s.name,
  from: s.from,
  protected: s.protected,
  reason: s.reason,
});

/** The engine's report as GET /v1/failover and `placer failover -o json` give it. */
export function failoverDoc(r: FailoverReport): FailoverReportDoc {
  return {
    apiVersion: PLAN_API_VERSION,
    kind: 'FailoverReport',
    namespaces: r.namespaces.map((n) => ({ ...n, policy: { ...n.policy } })),
    hosts: r.hosts.map((h) => ({
      host: h.host,
      zone: h.zone,
      protectedWorkloads: h.protectedWorkloads,
      absorbed: h.absorbed,
      plan: h.plan.map(restartDoc),
      unplaced: h.unplaced.map(stuckDoc),
      held: quantities(h.held),
    })),
    zones: r.zones.map((z) => ({
      zone: z.zone,
      hosts: z.hosts,
      absorbed: z.absorbed,
      plan: z.plan.map(restartDoc),
      unplaced: z.unplaced.map(stuckDoc),
    })),
    held: quantities(r.held),
    capacity: quantities(r.capacity),
    vsphere: { failures: r.vsphere.failures, percent: r.vsphere.percent, held: quantities(r.vsphere.held) },
  };
}

/** The engine's restart plan of simulated failures as POST /v1/failover/simulate and `placer failover --fail` give it. */
export function simulationDoc(p: RestartPlanReport, zone: string | undefined): FailoverSimulationDoc {
  return {
    apiVersion: PLAN_API_VERSION,
    kind: 'FailoverSimulation',
    failed: [...p.failed],
    zone: zone ?? null,
    restarts: p.moves.map(restartDoc),
    unplaced: p.unplaced.map(stuckDoc),
    absorbed: p.absorbed,
    summary: { restarts: p.moves.length, unplaced: p.unplaced.length, protectedUnplaced: p.unplaced.filter((u) => u.protected).length },
  };
}

/** What a simulation cannot take: a field of the question (`hosts[1]`, `zone`) and why. */
export interface FailureProblem {
  field: string;
  message: string;
}

/**
 * The failures to simulate, checked against the engine's hosts: at least one host or a zone,
 * every host known, the zone a value of some host's zone label. The first problem, else undefined.
 */
export function failureProblem(engine: Engine, hosts: readonly string[], zone: string | undefined): FailureProblem | undefined {
  if (hosts.length === 0 && zone === undefined) return { field: 'hosts', message: 'Required value: name the hosts that fail, or a zone' };
  const known = new Set(engine.hostNames());
  const i = hosts.findIndex((h) => !known.has(h));
  if (i >= 0) return { field: `hosts[${i}]`, message: `Not found: ${JSON.stringify(hosts[i])}: no such host` };
  if (zone !== undefined && ![...known].some((h) => engine.hostObj(h)?.labels.get(ZONE_KEY) === zone)) {
    return { field: 'zone', message: `Not found: ${JSON.stringify(zone)}: no host has the label ${ZONE_KEY}=${zone}` };
  }
  return undefined;
}

const yesNo = (b: boolean | null): string => (b === null ? '-' : b ? 'yes' : 'no');

/** The amounts with cpu and memory first, then the other resources by name. */
function amountsTextOrder(amounts: Record<string, string>): Record<string, string> {
  const order = (k: string): number => (k === 'cpu' ? 0 : k === 'memory' ? 1 : 2);
  const keys = Object.keys(amounts).sort((a, b) => order(a) - order(b) || (a < b ? -1 : 1));
  return Object.fromEntries(keys.map((k) => [k, amounts[k]]));
}

/** `cpu 12, memory 48Gi`: cpu and memory first. */
function amountsText(amounts: Record<string, string>): string {
  const ordered = Object.entries(amountsTextOrder(amounts));
  return ordered.length === 0 ? 'nothing' : ordered.map(([k, v]) => `${k} ${human(k, v)}`).join(', ');
}

/** Hosts a plan restarts on, most first: `esx-a02 (6), esx-a03 (5)`. */
function targets(plan: readonly RestartDoc[]): string {
  const by = new Map<string, number>();
  for (const m of plan) by.set(m.to, (by.get(m.to) ?? 0) + 1);
  const list = [...by].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return list.length === 0 ? '-' : list.map(([h, n]) => `${h} (${n})`).join(', ');
}

/** `cpu 63.5 of 2807.4 (2.3%), memory …`: each amount against the capacity of its resource. */
function shares(amounts: Record<string, string>, capacity: Record<string, string>): string {
  const keys = Object.keys(amounts);
  if (keys.length === 0) return 'nothing';
  const ordered = Object.keys(amountsTextOrder(amounts));
  return ordered
    .map((k) => {
      const cap = capacity[k] === undefined ? 0n : amountOf(k, capacity[k]);
      const pct = cap === 0n ? '' : ` (${(Number((amountOf(k, amounts[k]) * 1000n) / cap) / 10).toFixed(1)}%)`;
      return `${k} ${human(k, amounts[k])}${cap === 0n ? '' : ` of ${human(k, capacity[k])}`}${pct}`;
    })
    .join(', ');
}

const amountOf = (k: string, q: string): bigint => resourceAmount(k, parseQuantity(q));

const workload = (w: { namespace: string; kind: string; name: string }): string => `${w.namespace} ${w.kind}/${w.name}`;

/** The report as tables: the protected namespaces, the hosts holding protected workloads, the room held and its cost. */
export function printFailover(doc: FailoverReportDoc, format: FailoverFormat): string {
  if (format === 'json') return JSON.stringify(doc, null, 2) + '\n';
  if (format === 'yaml') return stringify(doc, { lineWidth: 0 });
  if (doc.namespaces.length === 0) return 'No protected namespace: no NamespacePolicy has spec.failover.\n';
  let out = table(
    ['NAMESPACE', 'HOST FAILURES', 'ZONE FAILURES', 'TOLERATES HOSTS', 'TOLERATES ZONE', 'KEPT'],
    doc.namespaces.map((n) => [
      n.namespace,
      String(n.policy.hostFailuresToTolerate),
      String(n.policy.zoneFailuresToTolerate),
      String(n.toleratesHosts),
      yesNo(n.toleratesZone),
      yesNo(n.kept),
    ]),
  );
  const broken = doc.namespaces.filter((n) => n.violation !== null);
  for (const n of broken) out += `  ${n.namespace}: ${n.violation}\n`;
  // hosts that run protected workloads or hold room for them
  const hosts = doc.hosts.filter((h) => h.protectedWorkloads > 0 || Object.keys(h.held).length > 0);
  out +=
    '\n' +
    table(
      ['HOST', 'ZONE', 'PROTECTED', 'ABSORBED', 'RESTARTS ON', 'HELD HERE'],
      hosts.map((h) => [
        h.host,
        h.zone ?? '<none>',
        String(h.protectedWorkloads),
        h.protectedWorkloads === 0 ? '-' : yesNo(h.absorbed),
        targets(h.plan),
        Object.keys(h.held).length === 0 ? '-' : amountsText(h.held),
      ]),
    );
  for (const z of doc.zones) {
    const what = z.plan.length + z.unplaced.length === 0 ? 'no protected workload runs there' : `restarts on ${targets(z.plan)}`;
    out += `Zone ${z.zone} (${z.hosts} hosts): ${z.absorbed ? 'absorbed' : 'NOT absorbed'}, ${what}\n`;
  }
  const stuck = [...hosts.flatMap((h) => h.unplaced), ...doc.zones.flatMap((z) => z.unplaced)];
  if (stuck.length > 0) {
    out += '\nCannot restart:\n';
    for (const s of stuck) out += `  ${workload(s)} (on ${s.from}): ${s.reason}\n`;
  }
  out += `\nHeld for failover: ${shares(doc.held, doc.capacity)}.\n`;
  out += `vSphere HA's percentage rule, ${doc.vsphere.failures} host failure(s) → ${doc.vsphere.percent}% of cpu and memory, would hold ${shares(doc.vsphere.held, doc.capacity)}.\n`;
  return out;
}

/** A simulation as a table of restarts, then what cannot restart and why. */
export function printSimulation(doc: FailoverSimulationDoc, format: FailoverFormat): string {
  if (format === 'json') return JSON.stringify(doc, null, 2) + '\n';
  if (format === 'yaml') return stringify(doc, { lineWidth: 0 });
  const what = doc.zone !== null ? `zone ${doc.zone} (${doc.failed.join(', ')})` : doc.failed.join(', ');
  let out = `Failure of ${what}: ${doc.summary.restarts} restart(s), ${doc.summary.unplaced} cannot restart (${doc.summary.protectedUnplaced} protected); ${doc.absorbed ? 'every protected workload restarts' : 'NOT absorbed: protected workloads cannot restart'}.\n`;
  if (doc.restarts.length > 0) {
    out +=
      '\n' +
      table(
        ['NAMESPACE', 'KIND', 'NAME', 'FROM', 'TO', 'PROTECTED'],
        doc.restarts.map((m) => [m.namespace, m.kind, m.name, m.from, m.to, yesNo(m.protected)]),
      );
  }
  if (doc.unplaced.length > 0) {
    out += '\nCannot restart:\n';
    for (const s of doc.unplaced) out += `  ${workload(s)} (on ${s.from}${s.protected ? ', protected' : ''}): ${s.reason}\n`;
  }
  return out;
}
