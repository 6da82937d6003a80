// Failover (namespace HA, docs/failover.md): the failover report on the host map — hosts whose
// failure cannot be absorbed ringed red, hosts that run protected workloads showing how many,
// hosts holding room for others' restarts ringed blue — the protected namespaces and what they
// tolerate, the room held against vSphere HA's percentage rule; click a host for its restart
// plan (a table, and arrows to where its protected workloads restart). GET /v1/failover, asked
// again whenever the cluster changes; nothing changes.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { type FailoverReportDoc, getJson, type HostColumns } from '../api';
import { Heatmap } from '../components/Heatmap';
import type { CellPaint } from '../heatmap';
import { zoneGroups } from '../hosts';
import { useLive } from '../live';
import { cpuPaint, MovesTable, planArrows, StuckTable } from '../plan';
import { human, parseQuantity } from '../quantity';
import { HOSTS_PATH } from './Cluster';

const BROKEN_RING = '#b91c1c';
const HOLDS_RING = '#1d4ed8';
const PICKED_RING = '#0f172a';

/** `cpu 71.5, memory 411.5Gi`: the report's quantities, readable. */
const amounts = (a: Record<string, string>): string =>
  Object.entries(a)
    .map(([k, v]) => `${k} ${human(k, parseQuantity(v))}`)
    .join(', ') || 'nothing';

export function FailoverView({ params }: { params: URLSearchParams }) {
  const live = useLive<HostColumns>(HOSTS_PATH);
  const h = live.data;
  const host = params.get('host') ?? '';
  const [report, setReport] = useState<FailoverReportDoc | undefined>();
  const [error, setError] = useState<string | undefined>();
  const index = useMemo(() => (h ? new Map(h.names.map((n, i) => [n, i])) : new Map<string, number>()), [h]);

  // the report, asked again when the host list changes (a new ETag)
  useEffect(() => {
    if (!h) return;
    let gone = false;
    getJson<FailoverReportDoc>('/v1/failover').then(
      (r) => !gone && (setReport(r), setError(undefined)),
      (e: unknown) => !gone && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      gone = true;
    };
  }, [h]);

  const byHost = useMemo(() => new Map((report?.hosts ?? []).map((x) => [x.host, x])), [report]);
  const picked = byHost.get(host);
  const moves = useMemo(() => (picked?.plan ?? []).map((m) => ({ ...m, wave: 1 })), [picked]);
  const arrows = useMemo(() => planArrows(moves, index), [moves, index]);
  const groups = useMemo(() => (h ? zoneGroups(h) : []), [h]);
  const paint = useMemo<CellPaint | undefined>(() => {
    if (!h) return undefined;
    return {
      ...cpuPaint(h),
      text: (i) => {
        const x = byHost.get(h.names[i]);
        return x && x.protectedWorkloads > 0 ? `${x.protectedWorkloads}` : '';
      },
      ring: (i) => {
        const x = byHost.get(h.names[i]);
        if (h.names[i] === host) return PICKED_RING;
        if (x && x.protectedWorkloads > 0 && !x.absorbed) return BROKEN_RING;
        return x && Object.keys(x.held).length > 0 ? HOLDS_RING : null;
      },
    };
  }, [h, byHost, host]);

  if (!h || !paint) return <p class="muted">{live.error ? `Cannot read the hosts: ${live.error}` : 'Loading hosts…'}</p>;
  const pick = (name: string): void => {
    location.hash = `#/failover?${new URLSearchParams({ host: name }).toString()}`;
  };
  const broken = (report?.hosts ?? []).filter((x) => x.protectedWorkloads > 0 && !x.absorbed).map((x) => x.host);

  return (
    <section class="view failover" data-testid="failover-view">
      <div class="toolbar">
        <span class="muted">
          Click a host for its restart plan. Cells show protected workloads per host, coloured by cpu. Rings: red, its failure cannot be
          absorbed; blue, holds room for others' restarts.
        </span>
      </div>
      {!report && !error && <p class="muted">Reading the failover report…</p>}
      {error && (
        <p class="error" data-testid="failover-error">
          {error}
        </p>
      )}
      {report && report.namespaces.length === 0 && (
        <p class="summary" data-testid="failover-summary">
          No protected namespace: no NamespacePolicy has <code>spec.failover</code>.
        </p>
      )}
      {report && report.namespaces.length > 0 && (
        <p class="summary" data-testid="failover-summary">
          <strong data-testid="failover-broken">{broken.length}</strong> host(s) whose failure cannot be absorbed
          {broken.length > 0 && <span> ({broken.join(', ')})</span>}. Held for failover:{' '}
          <strong data-testid="failover-held">{amounts(report.held)}</strong>; vSphere HA's percentage rule ({report.vsphere.percent}%)
          would hold <strong data-testid="failover-vsphere">{amounts(report.vsphere.held)}</strong>.
        </p>
      )}
      <Heatmap
        groups={groups}
        total={h.names.length}
        paint={paint}
        arrows={arrows}
        label="Hosts; red rings: failure not absorbed; arrows: where the picked host's protected workloads restart"
        onPick={(i) => pick(h.names[i])}
      />
      {report && (
        <div class="drain-plan">
          {report.namespaces.length > 0 && (
            <table data-testid="failover-namespaces">
              <caption>Protected namespaces</caption>
              <thead>
                <tr>
                  <th>namespace</th>
                  <th class="num">host failures</th>
                  <th class="num">zone failures</th>
                  <th class="num">tolerates hosts</th>
                  <th>tolerates a zone</th>
                  <th>kept</th>
                </tr>
              </thead>
              <tbody>
                {report.namespaces.map((n) => (
                  <tr key={n.namespace} data-namespace={n.namespace}>
                    <td>{n.namespace}</td>
                    <td class="num">{n.policy.hostFailuresToTolerate}</td>
                    <td class="num">{n.policy.zoneFailuresToTolerate}</td>
                    <td class="num">{n.toleratesHosts}</td>
                    <td>{n.toleratesZone === null ? '-' : n.toleratesZone ? 'yes' : 'no'}</td>
                    <td class="reason">{n.kept ? 'yes' : `no: ${n.violation}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {host !== '' && (
            <p class="summary" data-testid="failover-host">
              {picked === undefined ? (
                <>Host {host} is not in the report.</>
              ) : (
                <>
                  <strong>{host}</strong>: <strong data-testid="failover-host-protected">{picked.protectedWorkloads}</strong> protected
                  workload(s), {picked.absorbed ? 'its failure is absorbed' : 'its failure is NOT absorbed'}; room held here for others:{' '}
                  {amounts(picked.held)}.
                </>
              )}
            </p>
          )}
          <StuckTable stuck={picked?.unplaced ?? []} caption="Cannot restart" host="from" testid="failover-unplaced" />
          <MovesTable moves={moves} paced={false} how={false} title={`Restart plan of ${host}`} testid="failover" />
        </div>
      )}
    </section>
  );
}
