// Drain preview: pick a host (click it on the map, or type its name) and see the move plan the
// drain would carry out — where each workload would go, what cannot move and why, and the
// cluster's utilization before and after — as a table and as arrows on the heatmap. A dry run
// (POST /v1/hosts/{name}/drain?dryRun=true): nothing is cordoned or moved. The plan is asked
// again whenever the cluster changes.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { type DrainPlan, type HostColumns, postJson } from '../api';
import { Heatmap } from '../components/Heatmap';
import type { CellPaint } from '../heatmap';
import { zoneGroups } from '../hosts';
import { useLive } from '../live';
import { cpuPaint, MovesTable, planArrows, StuckTable, UtilizationTable } from '../plan';
import { HOSTS_PATH } from './Cluster';

export function DrainView({ params }: { params: URLSearchParams }) {
  const live = useLive<HostColumns>(HOSTS_PATH);
  const h = live.data;
  const host = params.get('host') ?? '';
  const [search, setSearch] = useState(host);
  // the box follows the picked host (a click on the map, a link, the back button)
  useEffect(() => setSearch(host), [host]);
  const [plan, setPlan] = useState<DrainPlan | undefined>();
  const [error, setError] = useState<string | undefined>();
  const index = useMemo(() => (h ? new Map(h.names.map((n, i) => [n, i])) : new Map<string, number>()), [h]);

  // the plan for the picked host, asked again when the host list changes (a new ETag)
  useEffect(() => {
    setPlan(undefined);
    setError(undefined);
    if (host === '' || !h) return;
    let gone = false;
    postJson<DrainPlan>(`/v1/hosts/${encodeURIComponent(host)}/drain?dryRun=true`, '', 'application/json').then(
      (p) => !gone && setPlan(p),
      (e: unknown) => !gone && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      gone = true;
    };
  }, [host, h]);

  const groups = useMemo(() => (h ? zoneGroups(h) : []), [h]);
  const picked = index.get(host) ?? -1;
  const targets = useMemo(() => {
    const by = new Map<string, number>();
    for (const m of plan?.moves ?? []) by.set(m.to, (by.get(m.to) ?? 0) + 1);
    return [...by].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  }, [plan]);
  const arrows = useMemo(() => planArrows(plan?.moves ?? [], index), [plan, index]);
  const paint = useMemo<CellPaint | undefined>(() => {
    if (!h) return undefined;
    const targetSet = new Set(targets.map(([t]) => t));
    return {
      ...cpuPaint(h),
      text: (i) => `${h.workloads[i]}`,
      ring: (i) => (i === picked ? '#0f172a' : targetSet.has(h.names[i]) ? '#1d4ed8' : null),
    };
  }, [h, picked, targets]);

  if (!h || !paint) return <p class="muted">{live.error ? `Cannot read the hosts: ${live.error}` : 'Loading hosts…'}</p>;
  const pick = (name: string): void => {
    location.hash = `#/drain?${new URLSearchParams({ host: name }).toString()}`;
  };
  // The wave column only when PodDisruptionBudgets pace the plan (as the CLI prints it).
  const paced = plan?.paced === true;

  return (
    <section class="view drain" data-testid="drain-view">
      <div class="toolbar">
        <form
          class="search"
          onSubmit={(e) => {
            e.preventDefault();
            const q = search.trim();
            pick(index.has(q) ? q : (h.names.find((n) => n.startsWith(q)) ?? q));
          }}
        >
          <input
            type="search"
            placeholder="Host to drain…"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
            aria-label="Host to drain"
            data-testid="drain-host"
          />
        </form>
        <span class="muted">
          Click a host, or type its name. A dry run: nothing is cordoned or moved. Cells show workloads per host, coloured by cpu.
        </span>
      </div>
      {host !== '' && !plan && !error && <p class="muted">Planning the drain of {host}…</p>}
      {error && (
        <p class="error" data-testid="drain-error">
          {error}
        </p>
      )}
      {plan && (
        <p class="summary" data-testid="drain-summary">
          Draining <strong>{plan.hosts.join(', ')}</strong>: <strong data-testid="drain-moves">{plan.moves.length}</strong> workloads move
          to <strong>{targets.length}</strong> hosts, <strong data-testid="drain-unmovable">{plan.unmovable.length}</strong> cannot move.
          {paced && (
            <span data-testid="drain-waves">
              {' '}
              PodDisruptionBudgets pace the evictions: <strong>{plan.waves}</strong> wave(s)
              {plan.summary.blocked > 0 && (
                <>
                  , <strong>{plan.summary.blocked}</strong> blocked by a budget that allows no disruption
                </>
              )}
              .
            </span>
          )}
        </p>
      )}
      <Heatmap
        groups={groups}
        total={h.names.length}
        paint={paint}
        arrows={arrows}
        label="Hosts; arrows show where the drained host's workloads would go"
        onPick={(i) => pick(h.names[i])}
      />
      {plan && (
        <div class="drain-plan">
          <UtilizationTable utilization={plan.utilization} testid="drain-utilization" />
          {targets.length > 0 && (
            <table data-testid="drain-targets">
              <caption>Where they go</caption>
              <thead>
                <tr>
                  <th>host</th>
                  <th class="num">workloads</th>
                </tr>
              </thead>
              <tbody>
                {targets.map(([to, n]) => (
                  <tr key={to} data-host={to}>
                    <td>{to}</td>
                    <td class="num">{n}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <StuckTable stuck={plan.unmovable} caption="Cannot move" host="from" testid="drain-unmovable-table" />
          <MovesTable moves={plan.moves} paced={paced} how={false} title="Moves" testid="drain" />
        </div>
      )}
    </section>
  );
}
