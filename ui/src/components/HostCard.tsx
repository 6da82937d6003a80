// The card for one host: allocatable, used and utilization per resource (from the host columns,
// at once), then taints, workloads per namespace and labels (GET /v1/hosts/{name}, fetched when
// the card opens and cached until the host list changes).

import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { getJson, type HostColumns, type HostDetail, ZONE_LABEL } from '../api';
import { colourableResources, utilization } from '../hosts';
import { fromColumn, human, pct } from '../quantity';

const cache = new WeakMap<HostColumns, Map<string, HostDetail>>();

export interface HostCardProps {
  columns: HostColumns;
  host: number;
  /** Pointer position (client pixels); negative: dock the card instead of following the pointer. */
  x: number;
  y: number;
}

export function HostCard({ columns: h, host, x, y }: HostCardProps) {
  const name = h.names[host];
  // Keyed by host name: when the card moves to another host, the previous host's details must not
  // show under the new name for the render before the effect runs (or while the fetch is in flight).
  const [loaded, setLoaded] = useState<{ name: string; detail: HostDetail } | undefined>();
  const [failed, setFailed] = useState<{ name: string; message: string } | undefined>();
  const detail = cache.get(h)?.get(name) ?? (loaded?.name === name ? loaded.detail : undefined);
  const error = failed?.name === name ? failed.message : undefined;

  useEffect(() => {
    let byName = cache.get(h);
    if (!byName) cache.set(h, (byName = new Map()));
    if (byName.has(name)) return;
    let gone = false;
    // a short delay: sweeping the pointer over a thousand hosts should not fetch a thousand
    const t = setTimeout(() => {
      getJson<HostDetail>(`/v1/hosts/${encodeURIComponent(name)}`).then(
        (d) => {
          byName!.set(name, d);
          if (!gone) setLoaded({ name, detail: d });
        },
        (e: unknown) => !gone && setFailed({ name, message: e instanceof Error ? e.message : String(e) }),
      );
    }, 60);
    return () => {
      gone = true;
      clearTimeout(t);
    };
  }, [h, name]);

  // Follow the pointer, but stay on screen: flip above or left of it when the card would overflow.
  const card = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    const el = card.current;
    if (!el) return;
    if (x < 0 || y < 0) {
      el.style.left = el.style.top = ''; // docked: the stylesheet places it
      return;
    }
    const r = el.getBoundingClientRect();
    el.style.left = `${x + 16 + r.width > window.innerWidth ? Math.max(8, x - 16 - r.width) : x + 16}px`;
    el.style.top = `${y + 16 + r.height > window.innerHeight ? Math.max(8, y - 16 - r.height) : y + 16}px`;
  });

  const zl = h.labels[ZONE_LABEL];
  const zone = zl && zl.index[host] >= 0 ? zl.values[zl.index[host]] : null;
  const floating = x >= 0 && y >= 0;
  const taints = detail?.taints ?? [];

  return (
    <aside ref={card} class={`hostcard ${floating ? 'floating' : 'docked'}`} data-testid="host-card" data-host={name}>
      <header>
        <strong data-testid="host-card-name">{name}</strong>
        {zone && <span class="muted"> · {zone}</span>}
        {h.unschedulable[host] === 1 && <span class="tag cordoned">cordoned</span>}
        {h.taints[host] > 0 && <span class="tag tainted">tainted</span>}
      </header>
      <table class="resources">
        <thead>
          <tr>
            <th>resource</th>
            <th class="num">used</th>
            <th class="num">allocatable</th>
            <th class="num">%</th>
          </tr>
        </thead>
        <tbody>
          {colourableResources(h)
            .filter((r) => (h.allocatable[r]?.[host] ?? 0) > 0)
            .map((r) => (
              <tr key={r} data-resource={r}>
                <td>{r}</td>
                <td class="num">{human(r, fromColumn(r, h.used[r][host]))}</td>
                <td class="num">{human(r, fromColumn(r, h.allocatable[r][host]))}</td>
                <td class="num">{pct(utilization(h, r, host))}</td>
              </tr>
            ))}
        </tbody>
      </table>
      <p>
        <strong data-testid="host-card-workloads">{h.workloads[host]}</strong> workloads
        {!floating && (
          <>
            {' · '}
            <a href={`#/drain?${new URLSearchParams({ host: name }).toString()}`} data-testid="host-card-drain">
              preview a drain
            </a>
          </>
        )}
      </p>
      {error && <p class="error">{error}</p>}
      {!detail && !error && <p class="muted">Loading…</p>}
      {detail && (
        <>
          {detail.namespaces.length > 0 && (
            <ul class="namespaces" data-testid="host-card-namespaces">
              {detail.namespaces.map((n) => (
                <li key={n.namespace} data-namespace={n.namespace}>
                  <span>{n.namespace}</span> <span class="num">{n.workloads}</span>
                </li>
              ))}
            </ul>
          )}
          {taints.length > 0 && (
            <div data-testid="host-card-taints">
              <h4>Taints</h4>
              {taints.map((t) => (
                <code key={`${t.key}:${t.effect}`} class="chip">
                  {t.key}
                  {t.value !== undefined ? `=${t.value}` : ''}:{t.effect}
                </code>
              ))}
            </div>
          )}
          <div class="labels">
            <h4>Labels</h4>
            {Object.entries(detail.labels).map(([k, v]) => (
              <code key={k} class="chip">
                {k}={v}
              </code>
            ))}
          </div>
        </>
      )}
    </aside>
  );
}
