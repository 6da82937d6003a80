// Namespaces view: per namespace, quota used against hard, reservation used against what is
// held, the workloads that could not be placed with the CLI's reasons (each one a link to
// explain it against the cluster as it is now), and the headroom of a shape the admin chooses —
// how many more of it fit, every rule applied (POST /v1/capacity), asked again as the state moves.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { type CapacityItem, type CapacityReportDoc, type NamespaceList, type NamespaceUsage, type PendingList, postJson } from '../api';
import { Bar } from '../components/Bar';
import { useLive } from '../live';
import { explainHref, groupPending, type PendingGroup } from '../pending';
import { human, parseQuantity } from '../quantity';

/** The resource a quota key counts (requests.cpu → cpu), for readable amounts. */
function resourceOf(key: string): string {
  return key.replace(/^(requests|limits)\./, '');
}

export function NamespacesView() {
  const ns = useLive<NamespaceList>('/v1/namespaces');
  const pending = useLive<PendingList>('/v1/pending');
  const groups = useMemo(() => groupPending(pending.data?.items ?? []), [pending.data]);
  const [shape, setShape] = useState('');
  const headroom = useHeadroom(shape, ns.data);
  if (!ns.data) return <p class="muted">{ns.error ? `Cannot read the namespaces: ${ns.error}` : 'Loading namespaces…'}</p>;
  const names = new Set([...ns.data.items.map((n) => n.namespace), ...groups.map((g) => g.namespace)]);
  const byName = new Map(ns.data.items.map((n) => [n.namespace, n]));
  return (
    <section class="view namespaces" data-testid="namespaces-view">
      <p class="summary">
        <strong>{names.size}</strong> namespaces · <strong data-testid="pending-total">{pending.data?.items.length ?? 0}</strong> workloads
        pending
      </p>
      <HeadroomForm shape={shape} onShape={setShape} error={headroom.error} />
      <div class="cards">
        {[...names].sort().map((name) => (
          <NamespaceCard
            key={name}
            name={name}
            usage={byName.get(name)}
            pending={groups.filter((g) => g.namespace === name)}
            headroom={headroom.items.get(name)}
          />
        ))}
      </div>
    </section>
  );
}

/** The shape of requests whose headroom the cards show, as the API takes it (cpu=4,memory=16Gi). */
function HeadroomForm({ shape, onShape, error }: { shape: string; onShape: (s: string) => void; error: string | undefined }) {
  const [cpu, setCpu] = useState('4');
  const [memory, setMemory] = useState('16Gi');
  return (
    <form
      class="headroom-form"
      data-testid="headroom-form"
      onSubmit={(e) => {
        e.preventDefault();
        onShape(`cpu=${cpu.trim()},memory=${memory.trim()}`);
      }}
    >
      <span>How many more of</span>
      <label>
        cpu <input data-testid="headroom-cpu" value={cpu} size={6} onInput={(e) => setCpu((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        memory{' '}
        <input data-testid="headroom-memory" value={memory} size={7} onInput={(e) => setMemory((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit" data-testid="headroom-check">
        fit?
      </button>
      {shape && <span class="muted">showing {shape}</span>}
      {error && (
        <span class="error" data-testid="headroom-error">
          {error}
        </span>
      )}
    </form>
  );
}

/** The headroom of `shape` in every namespace, asked again whenever `version` (the namespaces' data) changes. */
function useHeadroom(shape: string, version: unknown): { items: Map<string, CapacityItem>; error: string | undefined } {
  const [state, setState] = useState<{ items: Map<string, CapacityItem>; error: string | undefined }>({
    items: new Map(),
    error: undefined,
  });
  useEffect(() => {
    if (shape === '') return;
    let stopped = false;
    const q = new URLSearchParams({ shape, allNamespaces: 'true' });
    postJson<CapacityReportDoc>(`/v1/capacity?${q}`, '', 'application/json').then(
      (doc) => !stopped && setState({ items: new Map(doc.items.map((i) => [i.namespace, i])), error: undefined }),
      (e: Error) => !stopped && setState({ items: new Map(), error: e.message }),
    );
    return () => {
      stopped = true;
    };
  }, [shape, version]);
  return state;
}

function NamespaceCard({
  name,
  usage,
  pending,
  headroom,
}: {
  name: string;
  usage: NamespaceUsage | undefined;
  pending: PendingGroup[];
  headroom: CapacityItem | undefined;
}) {
  const reservation = Object.entries(usage?.reservation ?? {});
  const quotas = usage?.quotas ?? [];
  const count = pending.reduce((a, g) => a + g.count, 0);
  const used = usage?.used ?? {};
  return (
    <article class="card" data-testid="namespace-card" data-namespace={name}>
      <header>
        <h3>{name}</h3>
        {count > 0 && (
          <span class="tag pending" data-testid="pending-count">
            {count} pending
          </span>
        )}
      </header>
      <p class="muted usage">uses {['cpu', 'memory', 'pods'].map((r) => `${r} ${human(r, parseQuantity(used[r] ?? '0'))}`).join(' · ')}</p>
      {headroom && (
        <div class="group" data-testid="headroom" data-count={headroom.headroom}>
          <h4>Headroom</h4>
          <p>
            <strong>{headroom.headroom}</strong> more fit
            {headroom.quotaAside.headroom !== headroom.headroom && (
              <span class="muted"> ({headroom.quotaAside.headroom} with its quotas aside)</span>
            )}
            {headroom.zones.length > 0 && <span class="muted"> · {headroom.zones.map((z) => `${z.zone} ${z.headroom}`).join(' · ')}</span>}
          </p>
          {headroom.stoppedBy && (
            <div class="reason" data-testid="headroom-reason">
              next: {headroom.stoppedBy.message}
            </div>
          )}
        </div>
      )}
      {reservation.length > 0 && (
        <div class="group" data-testid="reservation">
          <h4>Reservation (used of held)</h4>
          {reservation.map(([r, held]) => {
            const u = parseQuantity(used[r] ?? '0');
            const h = parseQuantity(held);
            return (
              <Bar key={r} label={r} value={u} max={h} warnAt={2} text={`${human(r, u)} / ${human(r, h)}`} testId={`reservation-${r}`} />
            );
          })}
        </div>
      )}
      {quotas.map((q) => (
        <div class="group" key={q.name} data-testid="quota" data-quota={q.name}>
          <h4>ResourceQuota {q.name} (used of hard)</h4>
          {Object.entries(q.hard).map(([k, hard]) => {
            const u = parseQuantity(q.used[k] ?? '0');
            const h = parseQuantity(hard);
            return (
              <Bar
                key={k}
                label={k}
                value={u}
                max={h}
                text={`${human(resourceOf(k), u)} / ${human(resourceOf(k), h)}`}
                testId={`quota-${k}`}
              />
            );
          })}
        </div>
      ))}
      {pending.length > 0 && (
        <div class="group">
          <h4>Pending</h4>
          <ul class="pending">
            {pending.map((g) => (
              <li key={`${g.who}\0${g.reason}`} data-testid="pending-group" data-who={g.who} data-count={g.count}>
                <div>
                  <strong>{g.who}</strong>
                  {g.count > 1 && <span class="muted"> ({g.count} workloads)</span>} <a href={explainHref(g.first)}>explain</a>
                </div>
                <div class="reason" data-testid="pending-reason">
                  {g.reason}
                </div>
              </li>
            ))}
          </ul>
        </div>
      )}
    </article>
  );
}
