// What the plan previews (drain, consolidate) share: arrows on the heatmap from a plan's moves,
// and the table of cluster utilization before and after.

import type { Arrow } from './heatmap';
import { pct } from './quantity';

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
