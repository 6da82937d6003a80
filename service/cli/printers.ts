// Output of `placer place`: kubectl-style tables (tabwriter: 3-space gutters, no borders,
// `<none>` for empty), JSON and YAML of the PlacementResult, and --explain breakdowns.

import { stringify } from 'yaml';
import type { Explanation } from '../../core-wasm/src/engine.js';
import { milliValue, parseQuantity, value } from '../k8s/quantity.js';
import type { MoveDoc, PlanDoc } from '../plans.js';
import type { PlacementResult } from '../result.js';

export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml';

/** Columns padded to their widest cell plus 3 spaces (kubectl's tabwriter padding); last column unpadded. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + 3)))
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

const none = (v: string | undefined) => (v === undefined || v === '' ? '<none>' : v);

const BYTES = /^(memory|ephemeral-storage|hugepages-.*)$/;
const BINARY = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];

/** A readable rendering of a canonical quantity for the summary table: cores, or bytes in binary units. */
export function human(resource: string, quantity: string): string {
  const q = parseQuantity(quantity);
  if (resource === 'cpu') {
    const cores = Number(milliValue(q)) / 1000;
    return Number.isInteger(cores) ? String(cores) : cores.toFixed(1);
  }
  if (!BYTES.test(resource)) return quantity;
  let v = Number(value(q));
  let i = 0;
  while (v >= 1024 && i < BINARY.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)}${BINARY[i]}`;
}

export function printResult(r: PlacementResult, format: OutputFormat, explanations?: Explanation[]): string {
  if (format === 'json') return JSON.stringify(explanations ? { ...r, explanations } : r, null, 2) + '\n';
  if (format === 'yaml') return stringify(explanations ? { ...r, explanations } : r, { lineWidth: 0 });
  const wide = format === 'wide';
  const header = wide ? ['NAMESPACE', 'KIND', 'NAME', 'HOST', 'STATUS', 'OWNER'] : ['NAMESPACE', 'KIND', 'NAME', 'HOST'];
  const rows: string[][] = [];
  for (const p of r.placements) {
    const row = [p.namespace, p.kind, p.name, p.host];
    if (wide) row.push(p.existing ? 'Running' : 'Placed', none(p.owner));
    rows.push(row);
  }
  for (const u of r.unplaced) {
    const row = [u.namespace, u.kind, u.name, '<none>'];
    if (wide) row.push(u.grade === 'Unschedulable' ? 'Pending' : 'Rejected', none(u.owner));
    rows.push(row);
  }
  let out = table(header, rows);
  out += '\n' + summaryText(r);
  if (explanations && explanations.length > 0) out += '\n' + explanations.map(explainText).join('\n');
  return out;
}

export function summaryText(r: PlacementResult): string {
  const s = r.summary;
  const total = s.placed + s.unplaced;
  const lines: string[] = [];
  lines.push(
    `Placed ${s.placed}/${total} workloads${s.existing ? ` (${s.existing} already running)` : ''} on ${s.hostsUsed} of ${s.hosts} hosts ` +
      `(lower bound ${s.lowerBound}); strategy ${r.strategy}.`,
  );
  lines.push('');
  lines.push(
    table(
      ['RESOURCE', 'ALLOCATABLE', 'REQUESTED', 'UTILIZATION'],
      Object.entries(s.utilization).map(([name, u]) => [name, human(name, u.allocatable), human(name, u.requested), `${u.percent.toFixed(1)}%`]),
    ).trimEnd(),
  );
  if (s.reservations.length > 0) {
    lines.push('');
    lines.push(
      table(
        ['NAMESPACE', 'RESOURCE', 'RESERVED', 'USED', 'UNUSED', 'LARGEST-FREE-ON-ONE-HOST'],
        s.reservations.flatMap((res) =>
          Object.keys(res.reserved).map((name) => [
            res.namespace,
            name,
            ...[res.reserved[name], res.used[name], res.unused[name], res.largestFreeOnOneHost[name]].map((v) => human(name, v)),
          ]),
        ),
      ).trimEnd(),
    );
    lines.push('Reservations are aggregate over the cluster, not per host: an unused reservation larger than the largest free block is fragmented.');
  }
  if (s.gangs.length > 0) {
    lines.push('');
    lines.push('Gangs (all or nothing):');
    for (const g of s.gangs) {
      const status = g.placed >= g.minMember ? `placed ${g.placed}/${g.members.length}` : `not placed (${g.reason ?? 'too few members'})`;
      lines.push(`  ${g.name}: ${status}`);
      for (const m of g.members) lines.push(`    ${m.kind} ${m.namespace}/${m.name} → ${m.host ?? '<none>'}`);
    }
  }
  if (r.unplaced.length > 0) {
    lines.push('');
    lines.push('Unplaced:');
    // One line per controller (or bare workload) and reason: 1,000 replicas failing alike are one line.
    const groups = new Map<string, { first: string; count: number; reason: string }>();
    for (const u of r.unplaced) {
      const who = u.owner ? `${u.namespace} ${u.owner}` : `${u.namespace} ${u.kind}/${u.name}`;
      const key = `${who}\0${u.reason}`;
      const g = groups.get(key) ?? { first: who, count: 0, reason: u.reason };
      g.count++;
      groups.set(key, g);
    }
    for (const g of groups.values()) lines.push(`  ${g.first}${g.count > 1 ? ` (${g.count} workloads)` : ''}: ${g.reason}`);
  }
  return lines.join('\n') + '\n';
}

export function explainText(e: Explanation): string {
  const lines = [`Explain ${e.workload}:`];
  if (e.admission) {
    lines.push(`  Admit: ${e.admission}`);
    return lines.join('\n') + '\n';
  }
  lines.push('  Admit: ok');
  const rejected = new Map<string, string[]>();
  for (const h of e.hosts) {
    if (h.feasible) continue;
    const key = h.allReasons.join(', ');
    rejected.set(key, [...(rejected.get(key) ?? []), h.host]);
  }
  if (rejected.size > 0) lines.push('  Filter:');
  for (const [reason, hosts] of [...rejected].sort((a, b) => b[1].length - a[1].length)) {
    const shown = hosts.slice(0, 6).join(', ') + (hosts.length > 6 ? `, … ${hosts.length - 6} more` : '');
    lines.push(`    ${hosts.length} host(s): ${reason} [${shown}]`);
  }
  const feasible = e.hosts.filter((h) => h.feasible).sort((a, b) => b.score - a.score);
  if (feasible.length > 0) {
    lines.push('  Score (top 5 feasible hosts: total = fit + 2×affinity + 3×taint toleration, normalized):');
    for (const h of feasible.slice(0, 5)) lines.push(`    ${h.host}: total ${h.score} (fit ${h.fit}, preferred affinity ${h.affinity}, PreferNoSchedule taints ${h.taints})`);
  }
  lines.push(`  Result: ${e.selected ? `would place on ${e.selected}` : (e.message ?? 'no host')}`);
  return lines.join('\n') + '\n';
}

/** A move plan (drain, rebalance, namespace move): the moves, what cannot move and why, utilization before and after. */
export function printPlan(p: PlanDoc, format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(p, null, 2) + '\n';
  if (format === 'yaml') return stringify(p, { lineWidth: 0 });
  const what =
    p.kind === 'DrainPlan'
      ? `Drain of ${p.hosts!.join(', ')}`
      : p.kind === 'NamespaceMovePlan'
        ? `Move of namespace ${p.namespace} to hosts matching ${p.selector}`
        : `Rebalance of ${p.resource}`;
  const state = p.executed ? 'executed' : p.dryRun ? 'plan only (dry run)' : 'not executed';
  let out = `${what}: ${p.summary.moves} move(s), ${p.summary.unmovable} cannot move — ${state}.\n\n`;
  const seq = p.kind === 'RebalancePlan';
  // The WAVE column only when PodDisruptionBudgets pace the plan (more than one wave, or a blocked move).
  const paced = p.waves > 1 || p.summary.blocked > 0;
  if (p.moves.length > 0) {
    const header = [...(seq ? ['#'] : []), ...(paced ? ['WAVE'] : []), 'NAMESPACE', 'KIND', 'NAME', 'FROM', 'TO'];
    const wave = (m: MoveDoc) => (m.wave === 0 ? `blocked (${m.blockedBy})` : String(m.wave));
    out += table(header, p.moves.map((m, i) => [...(seq ? [String(i + 1)] : []), ...(paced ? [wave(m)] : []), m.namespace, m.kind, m.name, m.from, m.to])) + '\n';
    if (paced) {
      out += `PodDisruptionBudgets pace the evictions: ${p.waves} wave(s), each starting once the previous one's replacements run.\n`;
      if (p.summary.blocked > 0) out += `${p.summary.blocked} move(s) blocked: their budget allows no disruption now, so evicting them would wait (as kubectl drain does) until it does.\n`;
      out += '\n';
    }
  }
  if (p.unmovable.length > 0) {
    out += 'Cannot move:\n';
    out += table(['NAMESPACE', 'KIND', 'NAME', 'HOST', 'REASON'], p.unmovable.map((u) => [u.namespace, u.kind, u.name, u.from, u.reason])) + '\n';
  }
  if (p.usage) {
    const u = p.usage;
    out += `Namespace ${p.namespace}: on ${u.hosts.before} host(s) before, ${u.hosts.after} after; quota and reservation usage do not change with a move.\n`;
    const rows = Object.entries(u.used).map(([r, v]) => [r, v, u.reservation[r] ?? '<none>']);
    if (rows.length > 0) out += table(['RESOURCE', 'USED', 'RESERVED'], rows);
    for (const q of u.quotas) out += table([`QUOTA ${q.name}`, 'USED', 'HARD'], Object.entries(q.hard).map(([k, v]) => [k, q.used[k] ?? '0', v]));
    out += '\n';
  }
  if (p.imbalance) out += `Imbalance (standard deviation of per-host ${p.resource} utilization): ${p.imbalance.before.toFixed(2)}% → ${p.imbalance.after.toFixed(2)}%\n\n`;
  if (p.binPacking && p.binPacking.length > 0) out += `Not moved: ${p.binPacking.join(', ')} (strategy MostAllocated: bin-packed on purpose).\n\n`;
  const resources = Object.keys(p.utilization.before).filter((r) => (p.utilization.before[r] ?? 0) > 0 || (p.utilization.after[r] ?? 0) > 0);
  out += 'Cluster utilization (schedulable hosts):\n';
  out += table(
    ['RESOURCE', 'BEFORE', 'AFTER'],
    resources.map((r) => [r, `${(p.utilization.before[r] ?? 0).toFixed(2)}%`, p.utilization.after[r] === undefined ? '<none>' : `${p.utilization.after[r].toFixed(2)}%`]),
  );
  return out;
}
