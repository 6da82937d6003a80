// Output of `placer place`: kubectl-style tables (tabwriter: 3-space gutters, no borders,
// `<none>` for empty), JSON and YAML of the PlacementResult, and --explain breakdowns.

import { stringify } from 'yaml';
import type { Explanation } from '../../core-wasm/src/engine.js';
import { milliValue, parseQuantity, value } from '../../model/quantity.js';
import type { MoveDoc, PlanDoc } from './plans.js';
import { type PlacementResult, type ResultView, materialize, viewOf } from './result.js';

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

export function printResult(r: PlacementResult | ResultView, format: OutputFormat, explanations?: Explanation[]): string {
  const chunks: string[] = [];
  writeResult(r, format, (chunk) => void chunks.push(chunk), explanations);
  return chunks.join('');
}

/** Output is handed to `write` in chunks of about this many characters. */
const CHUNK = 1 << 20;

/**
 * printResult, streamed: entries go to `write` in chunks as they are formatted, so a million
 * placements never become one string (nor, from a ResultView, a million objects). The text is
 * exactly printResult's.
 */
export function writeResult(
  r: PlacementResult | ResultView,
  format: OutputFormat,
  write: (chunk: string) => void,
  explanations?: Explanation[],
): void {
  const view = 'apiVersion' in r ? viewOf(r) : r;
  if (format === 'yaml') {
    const full = 'apiVersion' in r ? r : materialize(view);
    write(stringify(explanations ? { ...full, explanations } : full, { lineWidth: 0 }));
    return;
  }
  let buf = '';
  const out = (s: string): void => {
    buf += s;
    if (buf.length >= CHUNK) {
      write(buf);
      buf = '';
    }
  };
  if (format === 'json') writeJson(view, out, explanations);
  else {
    writeTable(view, format === 'wide', out);
    out('\n' + summaryText(view));
    if (explanations && explanations.length > 0) out('\n' + explanations.map(explainText).join('\n'));
  }
  if (buf !== '') write(buf);
}

/** JSON.stringify({...result, explanations}, null, 2) + newline, with the entry lists written one entry at a time. */
function writeJson(view: ResultView, out: (s: string) => void, explanations?: Explanation[]): void {
  const P = '\u0000placements\u0000';
  const U = '\u0000unplaced\u0000';
  const skeleton = JSON.stringify(
    {
      apiVersion: 'placer.dev/v1alpha1',
      kind: 'PlacementResult',
      strategy: view.strategy,
      placements: P,
      unplaced: U,
      summary: view.summary,
      ...(view.warnings && view.warnings.length > 0 && { warnings: view.warnings }),
      ...(explanations && { explanations }),
    },
    null,
    2,
  );
  const pAt = skeleton.indexOf(JSON.stringify(P));
  const uAt = skeleton.indexOf(JSON.stringify(U));
  out(skeleton.slice(0, pAt));
  // strings that repeat (namespaces, kinds, owners, hosts, reasons) are encoded once
  const quoted = new Map<string, string>();
  const q = (v: string): string => {
    let e = quoted.get(v);
    if (e === undefined) {
      if (quoted.size >= 100_000) quoted.clear();
      quoted.set(v, (e = JSON.stringify(v)));
    }
    return e;
  };
  let first = true;
  const open = (): string => {
    if (!first) return ',\n    {\n';
    first = false;
    return '[\n    {\n';
  };
  view.placements((namespace, kind, name, host, owner, existing) => {
    let e = `${open()}      "namespace": ${q(namespace)},\n      "kind": ${q(kind)},\n      "name": ${JSON.stringify(name)},\n      "host": ${q(host)}`;
    if (owner) e += `,\n      "owner": ${q(owner)}`;
    if (existing) e += ',\n      "existing": true';
    out(e + '\n    }');
  });
  out(first ? '[]' : '\n  ]');
  out(skeleton.slice(pAt + JSON.stringify(P).length, uAt));
  first = true;
  view.unplaced((namespace, kind, name, reason, grade, owner) => {
    let e = `${open()}      "namespace": ${q(namespace)},\n      "kind": ${q(kind)},\n      "name": ${JSON.stringify(name)},\n      "reason": ${q(reason)},\n      "grade": ${q(grade)}`;
    if (owner) e += `,\n      "owner": ${q(owner)}`;
    out(e + '\n    }');
  });
  out(first ? '[]' : '\n  ]');
  out(skeleton.slice(uAt + JSON.stringify(U).length) + '\n');
}

/** The kubectl-style table of every entry: widths from a first pass, rows written in a second. */
function writeTable(view: ResultView, wide: boolean, out: (s: string) => void): void {
  const header = wide ? ['NAMESPACE', 'KIND', 'NAME', 'HOST', 'STATUS', 'OWNER'] : ['NAMESPACE', 'KIND', 'NAME', 'HOST'];
  const widths = header.map((h) => h.length);
  const measure = (cells: string[]): void => {
    for (let i = 0; i < cells.length; i++) if (cells[i].length > widths[i]) widths[i] = cells[i].length;
  };
  const placementCells = (
    namespace: string,
    kind: string,
    name: string,
    host: string,
    owner: string | undefined,
    existing: boolean,
  ): string[] => (wide ? [namespace, kind, name, host, existing ? 'Running' : 'Placed', none(owner)] : [namespace, kind, name, host]);
  const unplacedCells = (namespace: string, kind: string, name: string, grade: string, owner: string | undefined): string[] =>
    wide
      ? [namespace, kind, name, '<none>', grade === 'Unschedulable' ? 'Pending' : 'Rejected', none(owner)]
      : [namespace, kind, name, '<none>'];
  view.placements((ns, kind, name, host, owner, existing) => measure(placementCells(ns, kind, name, host, owner, existing)));
  view.unplaced((ns, kind, name, _reason, grade, owner) => measure(unplacedCells(ns, kind, name, grade, owner)));
  const line = (cells: string[]): string => {
    let l = '';
    for (let i = 0; i < cells.length; i++) l += i === cells.length - 1 ? cells[i] : cells[i].padEnd(widths[i] + 3);
    return l.trimEnd() + '\n';
  };
  out(line(header));
  view.placements((ns, kind, name, host, owner, existing) => out(line(placementCells(ns, kind, name, host, owner, existing))));
  view.unplaced((ns, kind, name, _reason, grade, owner) => out(line(unplacedCells(ns, kind, name, grade, owner))));
}

export function summaryText(r: PlacementResult | ResultView): string {
  const view = 'apiVersion' in r ? viewOf(r) : r;
  const s = view.summary;
  const total = s.placed + s.unplaced;
  const lines: string[] = [];
  lines.push(
    `Placed ${s.placed}/${total} workloads${s.existing ? ` (${s.existing} already running)` : ''} on ${s.hostsUsed} of ${s.hosts} hosts ` +
      `(lower bound ${s.lowerBound}); strategy ${view.strategy}.`,
  );
  lines.push('');
  lines.push(
    table(
      ['RESOURCE', 'ALLOCATABLE', 'REQUESTED', 'UTILIZATION'],
      Object.entries(s.utilization).map(([name, u]) => [
        name,
        human(name, u.allocatable),
        human(name, u.requested),
        `${u.percent.toFixed(1)}%`,
      ]),
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
    lines.push(
      'Reservations are aggregate over the cluster, not per host: an unused reservation larger than the largest free block is fragmented.',
    );
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
  // One line per controller (or bare workload) and reason: 1,000 replicas failing alike are one line.
  const groups = new Map<string, { first: string; count: number; reason: string }>();
  view.unplaced((namespace, kind, name, reason, _grade, owner) => {
    const who = owner ? `${namespace} ${owner}` : `${namespace} ${kind}/${name}`;
    const key = `${who}\0${reason}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { first: who, count: 1, reason });
  });
  if (groups.size > 0) {
    lines.push('');
    lines.push('Unplaced:');
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
    for (const h of feasible.slice(0, 5))
      lines.push(`    ${h.host}: total ${h.score} (fit ${h.fit}, preferred affinity ${h.affinity}, PreferNoSchedule taints ${h.taints})`);
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
        : p.kind === 'ConsolidatePlan'
          ? 'Consolidation'
          : `Rebalance of ${p.resource}`;
  const state = p.executed ? 'executed' : p.dryRun ? 'plan only (dry run)' : 'not executed';
  const consolidation = p.kind === 'ConsolidatePlan';
  let out = consolidation
    ? `${what}: ${p.summary.moves} move(s) empty ${p.emptied!.length} host(s), ${p.summary.unmovable} pinned — ${state}.\n\n`
    : `${what}: ${p.summary.moves} move(s), ${p.summary.unmovable} cannot move — ${state}.\n\n`;
  const seq = p.kind === 'RebalancePlan' || consolidation;
  // The WAVE column only when PodDisruptionBudgets pace the plan (more than one wave, or a blocked move).
  const paced = p.paced;
  if (p.moves.length > 0) {
    const header = [
      ...(seq ? ['#'] : []),
      ...(paced ? ['WAVE'] : []),
      'NAMESPACE',
      'KIND',
      'NAME',
      'FROM',
      'TO',
      ...(consolidation ? ['HOW'] : []),
    ];
    const wave = (m: MoveDoc) => (m.wave === 0 ? `blocked (${m.blockedBy})` : String(m.wave));
    out +=
      table(
        header,
        p.moves.map((m, i) => [
          ...(seq ? [String(i + 1)] : []),
          ...(paced ? [wave(m)] : []),
          m.namespace,
          m.kind,
          m.name,
          m.from,
          m.to,
          ...(consolidation ? [m.live ? 'live migration' : 'evict'] : []),
        ]),
      ) + '\n';
    if (paced) {
      out += `PodDisruptionBudgets pace the evictions: ${p.waves} wave(s), each starting once the previous one's replacements run.\n`;
      if (p.summary.blocked > 0)
        out += `${p.summary.blocked} move(s) blocked: their budget allows no disruption now, so evicting them would wait (as kubectl drain does) until it does.\n`;
      out += '\n';
    }
  }
  if (p.unmovable.length > 0) {
    out += consolidation ? 'Pinned (their hosts stay in use):\n' : 'Cannot move:\n';
    out +=
      table(
        ['NAMESPACE', 'KIND', 'NAME', 'HOST', 'REASON'],
        p.unmovable.map((u) => [u.namespace, u.kind, u.name, u.from, u.reason]),
      ) + '\n';
  }
  if (p.usage) {
    const u = p.usage;
    out += `Namespace ${p.namespace}: on ${u.hosts.before} host(s) before, ${u.hosts.after} after; quota and reservation usage do not change with a move.\n`;
    const rows = Object.entries(u.used).map(([r, v]) => [r, v, u.reservation[r] ?? '<none>']);
    if (rows.length > 0) out += table(['RESOURCE', 'USED', 'RESERVED'], rows);
    for (const q of u.quotas)
      out += table(
        [`QUOTA ${q.name}`, 'USED', 'HARD'],
        Object.entries(q.hard).map(([k, v]) => [k, q.used[k] ?? '0', v]),
      );
    out += '\n';
  }
  if (p.imbalance)
    out += `Imbalance (standard deviation of per-host ${p.resource} utilization): ${p.imbalance.before.toFixed(2)}% → ${p.imbalance.after.toFixed(2)}%\n\n`;
  if (consolidation) {
    const h = p.hostsInUse!;
    const list = (l: string[]) => (l.length === 0 ? '<none>' : l.join(', '));
    out += `Hosts in use: ${h.before} → ${h.after} (lower bound ${h.lowerBound}).\n`;
    out += `Emptied: ${list(p.emptied!)}\nStandby candidates: ${list(p.standby!)}\nSpares: ${list(p.spares!)}\n`;
    if (p.keptForFailover)
      out += `Kept on for failover (restart plans of protected namespaces need their room): ${list(p.keptForFailover)}\n`;
    if (p.effort!.limited)
      out += `The plan stopped at its limits (${p.effort!.tried} placements evaluated): raise --effort or --max-moves for more.\n`;
    if (p.excluded!.length > 0) out += `Not moved: ${p.excluded!.join(', ')} (excluded).\n`;
    out += '\n';
  }
  if (p.binPacking && p.binPacking.length > 0)
    out += `Not moved: ${p.binPacking.join(', ')} (strategy MostAllocated: bin-packed on purpose).\n\n`;
  const resources = Object.keys(p.utilization.before).filter(
    (r) => (p.utilization.before[r] ?? 0) > 0 || (p.utilization.after[r] ?? 0) > 0,
  );
  out += 'Cluster utilization (schedulable hosts):\n';
  out += table(
    ['RESOURCE', 'BEFORE', 'AFTER'],
    resources.map((r) => [
      r,
      `${(p.utilization.before[r] ?? 0).toFixed(2)}%`,
      p.utilization.after[r] === undefined ? '<none>' : `${p.utilization.after[r].toFixed(2)}%`,
    ]),
  );
  return out;
}
