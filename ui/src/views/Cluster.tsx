// Cluster view: every host on one canvas, grouped by zone, coloured by the utilization of the
// chosen resource; cordoned hosts hatched, tainted ones marked in the corner. Hover (or search)
// shows a host's numbers, taints, labels and workloads per namespace.

import { useMemo, useState } from 'preact/hooks';
import { type HostColumns, ZONE_LABEL } from '../api';
import { Heatmap } from '../components/Heatmap';
import { HostCard } from '../components/HostCard';
import { type CellPaint, NO_CAPACITY, SCALE, scaleColor } from '../heatmap';
import { colourableResources, utilization, zoneGroups, zoneTotals } from '../hosts';
import { useLive } from '../live';
import { fromColumn, human, pct, percent } from '../quantity';

export const HOSTS_PATH = `/v1/hosts?format=columns&labels=${encodeURIComponent(ZONE_LABEL)}`;

export function ClusterView() {
  const live = useLive<HostColumns>(HOSTS_PATH);
  const h = live.data;
  const [resource, setResource] = useState('cpu');
  const [hover, setHover] = useState<{ host: number; x: number; y: number } | null>(null);
  const [pinned, setPinned] = useState<number>(-1);
  const [search, setSearch] = useState('');

  const groups = useMemo(() => (h ? zoneGroups(h) : []), [h]);
  const resources = useMemo(() => (h ? colourableResources(h) : []), [h]);
  const res = resources.includes(resource) ? resource : (resources[0] ?? 'cpu');
  const paint = useMemo<CellPaint | undefined>(() => {
    if (!h) return undefined;
    const colours = h.names.map((_, i) => {
      const u = utilization(h, res, i);
      return Number.isNaN(u) ? NO_CAPACITY : scaleColor(u);
    });
    return {
      fill: (i) => colours[i],
      cordoned: (i) => h.unschedulable[i] === 1,
      tainted: (i) => h.taints[i] > 0,
      text: (i) => {
        const u = utilization(h, res, i);
        return Number.isNaN(u) ? null : `${Math.round(u)}%`;
      },
      name: (i) => h.names[i],
      ring: (i) => (i === pinned ? '#1d4ed8' : null),
    };
  }, [h, res, pinned]);
  const totals = useMemo(() => (h ? zoneTotals(h, groups, res) : []), [h, groups, res]);

  if (!h || !paint) return <p class="muted">{live.error ? `Cannot read the hosts: ${live.error}` : 'Loading hosts…'}</p>;

  const find = (q: string): void => {
    const name = q.trim();
    const i = h.names.indexOf(name);
    const match = i >= 0 ? i : h.names.findIndex((n) => n.startsWith(name));
    setPinned(name === '' ? -1 : match);
  };
  const card = hover && hover.host >= 0 ? hover : pinned >= 0 ? { host: pinned, x: -1, y: -1 } : null;
  const all = totals.reduce((a, t) => ({ used: a.used + t.used, alloc: a.alloc + t.allocatable }), { used: 0, alloc: 0 });

  return (
    <section class="view cluster" data-testid="cluster-view">
      <div class="toolbar">
        <div class="segmented" role="radiogroup" aria-label="Resource">
          {resources.map((r) => (
            <button
              key={r}
              role="radio"
              aria-checked={r === res}
              class={r === res ? 'on' : ''}
              onClick={() => setResource(r)}
              data-testid={`resource-${r}`}
            >
              {r}
            </button>
          ))}
        </div>
        <form
          class="search"
          onSubmit={(e) => {
            e.preventDefault();
            find(search);
          }}
        >
          <input
            type="search"
            placeholder="Find a host…"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
            aria-label="Find a host"
            data-testid="host-search"
          />
        </form>
        <Legend />
      </div>
      <p class="summary" data-testid="cluster-summary">
        <strong>{h.names.length}</strong> hosts, <strong>{h.unschedulable.reduce((a, b) => a + b, 0)}</strong> cordoned,{' '}
        <strong>{h.taints.filter((t) => t > 0).length}</strong> tainted · {res}: <strong>{human(res, fromColumn(res, all.used))}</strong> of{' '}
        {human(res, fromColumn(res, all.alloc))} used ({pct(percent(all.used, all.alloc))})
      </p>
      <Heatmap
        groups={groups}
        total={h.names.length}
        paint={paint}
        label={`Hosts by zone, coloured by ${res} utilization`}
        firstPaintMark="placer:cluster-first-paint"
        onHover={(host, x, y) => setHover(host >= 0 ? { host, x, y } : null)}
        onPick={(host) => setPinned(host === pinned ? -1 : host)}
      />
      {card && <HostCard columns={h} host={card.host} x={card.x} y={card.y} />}
      <table class="zones" data-testid="zone-table">
        <thead>
          <tr>
            <th>zone</th>
            <th class="num">hosts</th>
            <th class="num">cordoned</th>
            <th class="num">tainted</th>
            <th class="num">workloads</th>
            <th class="num">{res} used</th>
            <th class="num">{res} allocatable</th>
            <th class="num">utilization</th>
          </tr>
        </thead>
        <tbody>
          {totals.map((t) => (
            <tr key={t.zone} data-zone={t.zone}>
              <td>{t.zone}</td>
              <td class="num">{t.hosts}</td>
              <td class="num">{t.cordoned}</td>
              <td class="num">{t.tainted}</td>
              <td class="num">{t.workloads}</td>
              <td class="num">{human(res, fromColumn(res, t.used))}</td>
              <td class="num">{human(res, fromColumn(res, t.allocatable))}</td>
              <td class="num">{pct(percent(t.used, t.allocatable))}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Legend() {
  return (
    <div class="legend" aria-label="Legend">
      <span>0%</span>
      <span class="ramp">
        {[0, 25, 50, 75, 100].map((p) => (
          <span key={p} class="swatch" style={{ background: SCALE[p] }} />
        ))}
      </span>
      <span>100%</span>
      <span class="swatch none" /> <span>none of it</span>
      <span class="swatch cordoned" /> <span>cordoned</span>
      <span class="swatch tainted" /> <span>tainted</span>
    </div>
  );
}
