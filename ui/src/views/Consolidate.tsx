// Consolidation preview: the plan that frees the most hosts, as the drain preview shows a drain —
// which hosts go empty (standby candidates, and the spares each zone keeps), the moves (live
// migrations for VMs, evictions paced in PodDisruptionBudget waves for pods), the pinned
// workloads and why, hosts in use against the lower bound, utilization before and after — as
// tables and as arrows and rings on the heatmap. A dry run (POST /v1/consolidate?dryRun=true):
// nothing is moved or cordoned. The options live in the URL; the plan is asked again whenever
// the cluster changes.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { type ConsolidatePlan, type HostColumns, postJson } from '../api';
import { Heatmap } from '../components/Heatmap';
import type { CellPaint } from '../heatmap';
import { zoneGroups } from '../hosts';
import { useLive } from '../live';
import { cpuPaint, MovesTable, planArrows, StuckTable, UtilizationTable } from '../plan';
import { HOSTS_PATH } from './Cluster';

const STANDBY_RING = '#15803d';
const SPARE_RING = '#a16207';
const TARGET_RING = '#1d4ed8';

/** The plan's query: the options the URL carries (sparePerZone, excludeNamespaces, includeBinPacking). */
function planQuery(params: URLSearchParams): string {
  const q = new URLSearchParams({ dryRun: 'true' });
  for (const k of ['sparePerZone', 'excludeNamespaces', 'includeBinPacking', 'maxMoves']) {
    const v = params.get(k);
    if (v !== null && v !== '') q.set(k, v);
  }
  return q.toString();
}

export function ConsolidateView({ params }: { params: URLSearchParams }) {
  const live = useLive<HostColumns>(HOSTS_PATH);
  const h = live.data;
  const query = planQuery(params);
  const [spare, setSpare] = useState(params.get('sparePerZone') ?? '0');
  const [exclude, setExclude] = useState(params.get('excludeNamespaces') ?? '');
  const [binPacking, setBinPacking] = useState(params.get('includeBinPacking') === 'true');
  // the answer for a query: a plan, or the Status message; one for another query is not shown
  const [answer, setAnswer] = useState<{ query: string; plan?: ConsolidatePlan; error?: string } | undefined>();
  const plan = answer?.query === query ? answer.plan : undefined;
  const error = answer?.query === query ? answer.error : undefined;
  // the form follows the URL (a link, the back button)
  useEffect(() => {
    setSpare(params.get('sparePerZone') ?? '0');
    setExclude(params.get('excludeNamespaces') ?? '');
    setBinPacking(params.get('includeBinPacking') === 'true');
  }, [query]);
  const index = useMemo(() => (h ? new Map(h.names.map((n, i) => [n, i])) : new Map<string, number>()), [h]);

  // the plan for the options, asked again when the host list changes (a new ETag)
  useEffect(() => {
    if (!h) return;
    let gone = false;
    postJson<ConsolidatePlan>(`/v1/consolidate?${query}`, '', 'application/json').then(
      (p) => !gone && setAnswer({ query, plan: p }),
      (e: unknown) => !gone && setAnswer({ query, error: e instanceof Error ? e.message : String(e) }),
    );
    return () => {
      gone = true;
    };
  }, [query, h]);

  const groups = useMemo(() => (h ? zoneGroups(h) : []), [h]);
  const arrows = useMemo(() => planArrows(plan?.moves ?? [], index), [plan, index]);
  const paint = useMemo<CellPaint | undefined>(() => {
    if (!h) return undefined;
    const standby = new Set(plan?.standby ?? []);
    const spares = new Set(plan?.spares ?? []);
    const targets = new Set((plan?.moves ?? []).map((m) => m.to));
    return {
      ...cpuPaint(h),
      text: (i) => `${h.workloads[i]}`,
      ring: (i) =>
        standby.has(h.names[i]) ? STANDBY_RING : spares.has(h.names[i]) ? SPARE_RING : targets.has(h.names[i]) ? TARGET_RING : null,
    };
  }, [h, plan]);

  if (!h || !paint) return <p class="muted">{live.error ? `Cannot read the hosts: ${live.error}` : 'Loading hosts…'}</p>;
  const apply = (e: Event): void => {
    e.preventDefault();
    const q = new URLSearchParams();
    if (spare.trim() !== '' && spare.trim() !== '0') q.set('sparePerZone', spare.trim());
    if (exclude.trim() !== '') q.set('excludeNamespaces', exclude.replace(/\s+/g, ''));
    if (binPacking) q.set('includeBinPacking', 'true');
    location.hash = `#/consolidate?${q.toString()}`;
  };
  // The wave column only when PodDisruptionBudgets pace the plan (as the CLI prints it).
  const paced = plan?.paced === true;
  const list = (names: string[]) => (names.length === 0 ? 'none' : names.join(', '));

  return (
    <section class="view consolidate" data-testid="consolidate-view">
      <form class="toolbar" onSubmit={apply}>
        <label>
          spare hosts per zone{' '}
          <input
            type="number"
            min="0"
            value={spare}
            onInput={(e) => setSpare(e.currentTarget.value)}
            aria-label="Spare hosts per zone"
            data-testid="consolidate-spare"
          />
        </label>
        <label>
          exclude namespaces{' '}
          <input
            type="text"
            placeholder="ns-a,ns-b"
            value={exclude}
            onInput={(e) => setExclude(e.currentTarget.value)}
            aria-label="Namespaces to exclude"
            data-testid="consolidate-exclude"
          />
        </label>
        <label>
          <input
            type="checkbox"
            checked={binPacking}
            onChange={(e) => setBinPacking(e.currentTarget.checked)}
            data-testid="consolidate-binpacking"
          />{' '}
          move bin-packing namespaces too
        </label>
        <button type="submit" data-testid="consolidate-plan">
          Plan
        </button>
        <span class="muted">
          A dry run: nothing is moved or cordoned. Rings: green standby, amber spare, blue receives workloads. Cells show workloads per
          host, coloured by cpu.
        </span>
      </form>
      {!plan && !error && <p class="muted">Planning the consolidation…</p>}
      {error && (
        <p class="error" data-testid="consolidate-error">
          {error}
        </p>
      )}
      {plan && (
        <p class="summary" data-testid="consolidate-summary">
          <strong data-testid="consolidate-moves">{plan.moves.length}</strong> moves empty{' '}
          <strong data-testid="consolidate-emptied">{plan.emptied!.length}</strong> hosts: hosts in use{' '}
          <strong data-testid="consolidate-in-use">
            {plan.hostsInUse!.before} → {plan.hostsInUse!.after}
          </strong>{' '}
          (lower bound <strong data-testid="consolidate-bound">{plan.hostsInUse!.lowerBound}</strong>);{' '}
          <strong data-testid="consolidate-pinned">{plan.unmovable.length}</strong> pinned.
          {paced && (
            <span data-testid="consolidate-waves">
              {' '}
              PodDisruptionBudgets pace the evictions: <strong>{plan.waves}</strong> wave(s).
            </span>
          )}
          {plan.effort!.limited && <span> The plan stopped at its limits ({plan.effort!.tried} placements evaluated).</span>}
        </p>
      )}
      <Heatmap
        groups={groups}
        total={h.names.length}
        paint={paint}
        arrows={arrows}
        label="Hosts; arrows show the consolidation's moves, rings the hosts it frees"
      />
      {plan && (
        <div class="drain-plan">
          <table data-testid="consolidate-hosts">
            <caption>Hosts after the plan</caption>
            <tbody>
              <tr data-row="standby">
                <th>standby candidates</th>
                <td>{list(plan.standby!)}</td>
              </tr>
              <tr data-row="spares">
                <th>spares (kept on)</th>
                <td>{list(plan.spares!)}</td>
              </tr>
              <tr data-row="stay">
                <th>not moved</th>
                <td>{list([...plan.binPacking!.map((n) => `${n} (bin-packing)`), ...plan.excluded!.map((n) => `${n} (excluded)`)])}</td>
              </tr>
            </tbody>
          </table>
          <UtilizationTable utilization={plan.utilization} testid="consolidate-utilization" />
          <StuckTable stuck={plan.unmovable} caption="Pinned: their hosts stay in use" host="host" testid="consolidate-pinned-table" />
          <MovesTable moves={plan.moves} paced={paced} how={true} title="Moves, in order" testid="consolidate" />
        </div>
      )}
    </section>
  );
}
