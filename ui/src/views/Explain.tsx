// Explain: where a workload would go now and why every other host is rejected, grouped by reason —
// `placer place --explain` made visual. A pending workload (picked, or linked from the namespaces
// view) or pasted manifests; the server evaluates without committing anything.

import { useEffect, useMemo, useState } from 'preact/hooks';
import { type ExplanationList, getJson, type HostColumns, type PendingList, postJson, type WorkloadExplanation } from '../api';
import { Heatmap } from '../components/Heatmap';
import { type CellPaint, NO_CAPACITY } from '../heatmap';
import { zoneGroups } from '../hosts';
import { useLive } from '../live';
import { groupPending } from '../pending';
import { HOSTS_PATH } from './Cluster';

const SAMPLE = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: team-shop
spec:
  containers:
  - name: app
    image: nginx
    resources:
      requests: {cpu: "2", memory: 4Gi}
`;

/** Colours of the rejection groups, largest group first (Tableau 10, minus green and blue). */
const GROUP_COLOURS = ['#e15759', '#f28e2b', '#b07aa1', '#9c755f', '#edc948', '#ff9da7', '#bab0ac', '#76b7b2'];
const SELECTED = '#1d4ed8';

export function ExplainView({ params }: { params: URLSearchParams }) {
  const pending = useLive<PendingList>('/v1/pending');
  // one poll of the host list for every explanation's map
  const hosts = useLive<HostColumns>(HOSTS_PATH).data;
  const [yaml, setYaml] = useState(SAMPLE);
  const [result, setResult] = useState<{ items: WorkloadExplanation[]; again: () => Promise<ExplanationList>; at: Date } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const target =
    params.get('namespace') && params.get('kind') && params.get('name')
      ? { namespace: params.get('namespace')!, kind: params.get('kind')!, name: params.get('name')! }
      : undefined;

  const run = async (what: () => Promise<ExplanationList>): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      setResult({ items: (await what()).items, again: what, at: new Date() });
    } catch (e) {
      setResult(undefined);
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const explainPending = (t: { namespace: string; kind: string; name: string }): Promise<void> =>
    run(() =>
      getJson<ExplanationList>(
        `/v1/namespaces/${encodeURIComponent(t.namespace)}/${encodeURIComponent(t.kind)}/${encodeURIComponent(t.name)}/explain`,
      ),
    );

  useEffect(() => {
    if (target) void explainPending(target);
  }, [target?.namespace, target?.kind, target?.name]);

  const groups = groupPending(pending.data?.items ?? []);
  return (
    <section class="view explain" data-testid="explain-view">
      <div class="explain-input">
        <div class="group">
          <h4>A pending workload</h4>
          <select
            aria-label="Pending workload"
            data-testid="pending-select"
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (v !== '') location.hash = v;
            }}
          >
            <option value="">{groups.length === 0 ? 'nothing is pending' : 'pick one…'}</option>
            {groups.map((g) => {
              const href = `#/explain?${new URLSearchParams({ namespace: g.first.namespace, kind: g.first.kind, name: g.first.name }).toString()}`;
              return (
                <option key={href} value={href} selected={target?.name === g.first.name && target?.namespace === g.first.namespace}>
                  {g.namespace} {g.who}
                  {g.count > 1 ? ` (${g.count})` : ''}
                </option>
              );
            })}
          </select>
        </div>
        <div class="group">
          <h4>Or manifests (YAML or JSON)</h4>
          <textarea
            rows={12}
            spellcheck={false}
            value={yaml}
            onInput={(e) => setYaml(e.currentTarget.value)}
            aria-label="Workload manifests"
            data-testid="explain-yaml"
          />
          <button
            disabled={busy}
            data-testid="explain-run"
            onClick={() => {
              if (target) location.hash = '#/explain';
              void run(() => postJson<ExplanationList>('/v1/explain', yaml, 'application/yaml'));
            }}
          >
            Explain
          </button>{' '}
          <span class="muted">A dry run: nothing is placed or changed.</span>
        </div>
      </div>
      {error && (
        <p class="error" data-testid="explain-error">
          {error}
        </p>
      )}
      {result && (
        <div data-testid="explain-result">
          <p class="muted">
            Evaluated at {result.at.toLocaleTimeString()} against the cluster as it was then.{' '}
            <button class="link" disabled={busy} onClick={() => void run(result.again)} data-testid="explain-again">
              explain again
            </button>
          </p>
          {result.items.map((e) => (
            <ExplanationCard key={`${e.kind}/${e.namespace}/${e.name}`} e={e} h={hosts} />
          ))}
        </div>
      )}
    </section>
  );
}

function ExplanationCard({ e, h }: { e: WorkloadExplanation; h: HostColumns | undefined }) {
  const zones = useMemo(() => (h ? zoneGroups(h) : []), [h]);
  const paint = useMemo<CellPaint | undefined>(() => {
    if (!h) return undefined;
    const colour = new Map<string, string>();
    const max = Math.max(1, ...e.feasible.map((f) => f.score));
    for (const f of e.feasible) colour.set(f.host, `rgba(22,163,74,${(0.35 + (0.65 * f.score) / max).toFixed(2)})`);
    e.rejected.forEach((g, k) => g.hosts.forEach((host) => colour.set(host, GROUP_COLOURS[k % GROUP_COLOURS.length])));
    if (e.selected) colour.set(e.selected, SELECTED);
    const score = new Map(e.feasible.map((f) => [f.host, f.score]));
    return {
      fill: (i) => colour.get(h.names[i]) ?? NO_CAPACITY,
      name: (i) => h.names[i],
      // feasible hosts show their score
      text: (i) => {
        const f = score.get(h.names[i]);
        return f === undefined ? null : String(f);
      },
      cordoned: (i) => h.unschedulable[i] === 1,
      tainted: (i) => h.taints[i] > 0,
      ring: (i) => (h.names[i] === e.selected ? '#0f172a' : null),
    };
  }, [h, e]);

  const feasibleCount = e.feasible.length;
  return (
    <article class="card explanation" data-testid="explanation" data-workload={`${e.kind} ${e.namespace}/${e.name}`}>
      <header>
        <h3>
          {e.kind} {e.namespace}/{e.name}
        </h3>
        {e.replicas > 1 && (
          <span class="muted">
            one of {e.replicas} replicas{e.owner ? ` of ${e.owner}` : ''}
          </span>
        )}
      </header>
      <ol class="stages">
        <li class={e.admission ? 'bad' : 'good'} data-testid="stage-admit">
          <strong>Admit</strong> {e.admission ?? 'ok: quota and reservations allow it'}
        </li>
        {!e.admission && (
          <li class={feasibleCount > 0 ? 'good' : 'bad'} data-testid="stage-filter">
            <strong>Filter</strong> <span data-testid="feasible-count">{feasibleCount}</span> of {e.hosts} hosts feasible
          </li>
        )}
        <li class={e.selected ? 'good' : 'bad'} data-testid="stage-result">
          <strong>Result</strong>{' '}
          {e.selected ? (
            <>
              would place on <span data-testid="selected-host">{e.selected}</span>
            </>
          ) : (
            <span data-testid="explain-message">{e.message ?? 'no host'}</span>
          )}
        </li>
      </ol>
      {h && paint && e.hosts > 0 && !e.admission && (
        <Heatmap groups={zones} total={h.names.length} paint={paint} label="Hosts coloured by verdict" />
      )}
      {e.rejected.length > 0 && (
        <table class="rejected" data-testid="rejected-groups">
          <thead>
            <tr>
              <th />
              <th class="num">hosts</th>
              <th>rejected because</th>
              <th>which</th>
            </tr>
          </thead>
          <tbody>
            {e.rejected.map((g, k) => (
              <tr key={g.reasons.join()} data-testid="rejected-group" data-count={g.hosts.length}>
                <td>
                  <span class="swatch" style={{ background: GROUP_COLOURS[k % GROUP_COLOURS.length] }} />
                </td>
                <td class="num">{g.hosts.length}</td>
                <td data-testid="rejected-reasons">{g.reasons.join(', ')}</td>
                <td class="hostlist">
                  {g.hosts.slice(0, 8).join(', ')}
                  {g.hosts.length > 8 ? `, … ${g.hosts.length - 8} more` : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {feasibleCount > 0 && (
        <table class="feasible" data-testid="feasible-hosts">
          <caption>Best feasible hosts (total = fit + 2×preferred affinity + 3×PreferNoSchedule taints, normalized)</caption>
          <thead>
            <tr>
              <th>host</th>
              <th class="num">total</th>
              <th class="num">fit</th>
              <th class="num">affinity</th>
              <th class="num">taints</th>
            </tr>
          </thead>
          <tbody>
            {e.feasible.slice(0, 8).map((f) => (
              <tr key={f.host} class={f.host === e.selected ? 'selected' : ''}>
                <td>{f.host}</td>
                <td class="num">{f.score}</td>
                <td class="num">{f.fit}</td>
                <td class="num">{f.affinity}</td>
                <td class="num">{f.taints}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </article>
  );
}
