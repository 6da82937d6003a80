// Namespaces view: per namespace, quota used against hard, reservation used against what is
// held, and the workloads that could not be placed with the CLI's reasons (each one a link to
// explain it against the cluster as it is now).

import { useMemo } from 'preact/hooks';
import type { NamespaceList, NamespaceUsage, PendingList } from '../api';
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
  if (!ns.data) return <p class="muted">{ns.error ? `Cannot read the namespaces: ${ns.error}` : 'Loading namespaces…'}</p>;
  const names = new Set([...ns.data.items.map((n) => n.namespace), ...groups.map((g) => g.namespace)]);
  const byName = new Map(ns.data.items.map((n) => [n.namespace, n]));
  return (
    <section class="view namespaces" data-testid="namespaces-view">
      <p class="summary">
        <strong>{names.size}</strong> namespaces · <strong data-testid="pending-total">{pending.data?.items.length ?? 0}</strong> workloads
        pending
      </p>
      <div class="cards">
        {[...names].sort().map((name) => (
          <NamespaceCard key={name} name={name} usage={byName.get(name)} pending={groups.filter((g) => g.namespace === name)} />
        ))}
      </div>
    </section>
  );
}

function NamespaceCard({ name, usage, pending }: { name: string; usage: NamespaceUsage | undefined; pending: PendingGroup[] }) {
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
