// What the plan previews (drain, consolidate, failover) share: arrows on the heatmap from a plan's
// moves, the table of the moves, the table of what cannot move and why, and the table of cluster
// utilization before and after.

import { useState } from 'preact/hooks';
import type { MoveDoc } from '../../service/placement/api-types';
import type { HostColumns } from '../../service/placement/api-types';
import { type Arrow, type CellPaint, NO_CAPACITY, scaleColor } from './heatmap';
import { utilization } from './hosts';
import { pct } from './quantity';

/** How the previews paint a host before their own marks: coloured by cpu, cordons hatched, taints cornered, named. */
export function cpuPaint(h: HostColumns): Pick<CellPaint, 'fill' | 'cordoned' | 'tainted' | 'name'> {
  return {
    fill: (i) => {
      const u = utilization(h, 'cpu', i);
      return Number.isNaN(u) ? NO_CAPACITY : scaleColor(u);
    },
    cordoned: (i) => h.unschedulable[i] === 1,
    tainted: (i) => h.taints[i] > 0,
    name: (i) => h.names[i],
  };
}

/** One arrow per (from, to) pair of hosts, counting the moves between them. */
export function planArrows(moves: readonly { from: string; to: string }[], index: ReadonlyMap<string, number>): Arrow[] {
  const pairs = new Map<string, number>();
  for (const m of moves) pairs.set(`${m.from}\0${m.to}`, (pairs.get(`${m.from}\0${m.to}`) ?? 0) + 1);
  const out: Arrow[] = [];
  for (const [k, count] of pairs) {
    const [from, to] = k.split('\0');
    const f = index.get(from);
    const t = index.get(to);
    if (f !== undefined && t !== undefined) out.push({ from: f, to: t, count });
  }
  return out;
}

/** Cluster utilization per resource, before and after a plan (percent, over schedulable hosts). */
export function UtilizationTable({
  utilization,
  testid,
}: {
  utilization: { before: Record<string, number>; after: Record<string, number> };
  testid: string;
}) {
  const resources = Object.keys(utilization.before);
  if (resources.length === 0) return null;
  return (
    <table data-testid={testid}>
      <caption>Cluster utilization (schedulable hosts)</caption>
      <thead>
        <tr>
          <th>resource</th>
          <th class="num">before</th>
          <th class="num">after</th>
        </tr>
      </thead>
      <tbody>
        {resources.map((r) => (
          <tr key={r} data-resource={r}>
            <td>{r}</td>
            <td class="num">{pct(utilization.before[r])}</td>
            <td class="num">{pct(utilization.after[r] ?? NaN)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Moves listed at first; the rest behind "show all" (a plan may hold thousands). */
const SHOWN = 200;

/**
 * A plan's moves in order: the wave column when the plan is paced, the "how" column (live
 * migration or eviction) when `how`; rows are `${testid}-move`, the table `${testid}-moves-table`.
 */
export function MovesTable({
  moves,
  paced,
  how,
  title,
  testid,
}: {
  moves: readonly MoveDoc[];
  paced: boolean;
  how: boolean;
  title: string;
  testid: string;
}) {
  const [all, setAll] = useState(false);
  if (moves.length === 0) return null;
  return (
    <table data-testid={`${testid}-moves-table`}>
      <caption>
        {title}
        {moves.length > SHOWN && !all ? ` (first ${SHOWN} of ${moves.length})` : ''}{' '}
        {moves.length > SHOWN && (
          <button class="link" onClick={() => setAll(!all)}>
            {all ? 'fewer' : 'show all'}
          </button>
        )}
      </caption>
      <thead>
        <tr>
          {paced && <th class="num">wave</th>}
          <th>workload</th>
          <th>from</th>
          <th>to</th>
          {how && <th>how</th>}
        </tr>
      </thead>
      <tbody>
        {(all ? moves : moves.slice(0, SHOWN)).map((m) => (
          <tr key={`${m.kind}/${m.namespace}/${m.name}`} data-testid={`${testid}-move`}>
            {paced && <td class="num">{m.wave === 0 ? `blocked (${m.blockedBy})` : m.wave}</td>}
            <td>
              {m.kind} {m.namespace}/{m.name}
            </td>
            <td>{m.from}</td>
            <td>{m.to}</td>
            {how && <td>{m.live ? 'live migration' : 'evict'}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Workloads a plan leaves where they are, each with its host and the reason: one row each. */
export function StuckTable({
  stuck,
  caption,
  host,
  testid,
}: {
  stuck: readonly { kind: string; namespace: string; name: string; from: string; reason: string }[];
  caption: string;
  /** The host column's header. */
  host: string;
  testid: string;
}) {
  if (stuck.length === 0) return null;
  return (
    <table data-testid={testid}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th>workload</th>
          <th>{host}</th>
          <th>why</th>
        </tr>
      </thead>
      <tbody>
        {stuck.map((u) => (
          <tr key={`${u.kind}/${u.namespace}/${u.name}`}>
            <td>
              {u.kind} {u.namespace}/{u.name}
            </td>
            <td>{u.from}</td>
            <td class="reason">{u.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
