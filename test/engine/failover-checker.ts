// An independent failover checker for namespace HA tests (none of the engine's code): given who
// runs where on a small cluster, can the protected workloads of some failed hosts be restarted on
// the others? Brute force: every assignment is searched (backtracking, larger workloads first),
// keeping cpu, memory, the pod count and node selectors — the rules the random clusters of
// failover-property.test.ts use. Exhaustive, so it answers whether ANY restart exists, not
// whether placer's first-fit plan finds one.

export interface CheckHost {
  name: string;
  zone: string;
  labels: Record<string, string>;
  cpu: number;
  memory: number;
  pods: number;
}

export interface CheckWorkload {
  name: string;
  namespace: string;
  cpu: number;
  memory: number;
  selector: Record<string, string>;
  host: string;
}

/** Can every workload of `protectedNs` on `failed` restart on the surviving hosts? */
export function restartable(
  hosts: readonly CheckHost[],
  running: readonly CheckWorkload[],
  failed: ReadonlySet<string>,
  protectedNs: ReadonlySet<string>,
): boolean {
  const survivors = hosts.filter((h) => !failed.has(h.name));
  const room = survivors.map((h) => {
    const on = running.filter((w) => w.host === h.name);
    return {
      h,
      cpu: h.cpu - on.reduce((s, w) => s + w.cpu, 0),
      memory: h.memory - on.reduce((s, w) => s + w.memory, 0),
      pods: h.pods - on.length,
    };
  });
  const moving = running
    .filter((w) => failed.has(w.host) && protectedNs.has(w.namespace))
    .sort((a, b) => b.cpu - a.cpu || b.memory - a.memory);
  const fits = (w: CheckWorkload, r: (typeof room)[number]) =>
    r.cpu >= w.cpu && r.memory >= w.memory && r.pods >= 1 && Object.entries(w.selector).every(([k, v]) => r.h.labels[k] === v);
  const search = (i: number): boolean => {
    if (i === moving.length) return true;
    const w = moving[i];
    for (const r of room) {
      if (!fits(w, r)) continue;
      r.cpu -= w.cpu;
      r.memory -= w.memory;
      r.pods -= 1;
      const ok = search(i + 1);
      r.cpu += w.cpu;
      r.memory += w.memory;
      r.pods += 1;
      if (ok) return true;
    }
    return false;
  };
  return search(0);
}

/**
 * The guarantee: for every set of `hostFailures` hosts (and every zone when `zone`), the
 * protected workloads there restart elsewhere. The first failure that breaks it, or null.
 */
export function guaranteeBroken(
  hosts: readonly CheckHost[],
  running: readonly CheckWorkload[],
  policies: ReadonlyMap<string, { hosts: number; zone: boolean }>,
): string | null {
  for (const [ns, p] of policies) {
    const only = new Set([ns]);
    for (let k = 1; k <= p.hosts; k++) {
      for (const set of subsets(
        hosts.map((h) => h.name),
        k,
      ))
        if (!restartable(hosts, running, new Set(set), only)) return `${ns}: hosts ${set.join(', ')}`;
    }
    if (p.zone) {
      for (const zone of new Set(hosts.map((h) => h.zone))) {
        const failed = new Set(hosts.filter((h) => h.zone === zone).map((h) => h.name));
        if (!restartable(hosts, running, failed, only)) return `${ns}: zone ${zone}`;
      }
    }
  }
  return null;
}

function* subsets(xs: readonly string[], k: number, from = 0): IterableIterator<string[]> {
  if (k === 0) {
    yield [];
    return;
  }
  for (let i = from; i <= xs.length - k; i++) for (const rest of subsets(xs, k - 1, i + 1)) yield [xs[i], ...rest];
}
