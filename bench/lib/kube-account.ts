// An account of what a kube round costs the control plane: the API server's requests by verb and
// resource (its apiserver_request_total counter, from /metrics) and the CPU of the API server, etcd
// and the process under test (/proc/<pid>/stat), read at moments of the round (its start, the first
// bind, the last bind) so that a phase — start to first bind, the bind phase — is their difference.
// With two cores the API server and etcd are the bottleneck: every request a scheduler makes during
// the bind phase takes their time from the Bindings.

import type { ControlPlane } from '../../test/realk8s/controlplane.js';
import { cpuSeconds as procCpuSeconds } from './server.js';

export interface Snapshot {
  /** `VERB resource[/subresource]` → requests so far (watches and the benchmark's own included). */
  requests: Map<string, number>;
  /**
   * CPU seconds so far: the API server, etcd, the process under test (0 when there is none) and
   * this one (the benchmark: its watch, and the Binding loop's client).
   */
  cpu: { apiserver: number; etcd: number; proc: number; bench: number };
}

/** user + system CPU seconds of a process so far (0 once it is gone, or without one). */
export const cpuSeconds = (pid: number | undefined): number => procCpuSeconds(pid) ?? 0;

/** apiserver_request_total summed by verb and resource (codes, scopes and versions together). */
function requestCounts(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const key = `${labels.verb} ${labels.resource}${labels.subresource ? `/${labels.subresource}` : ''}`;
    out.set(key, (out.get(key) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return out;
}

/** The counters and CPU now; `pid` is the process under test (placer), if any. */
export async function snapshot(cp: ControlPlane, pid?: number): Promise<Snapshot> {
  const pids = cp.pids();
  const own = process.cpuUsage();
  const cpu = {
    apiserver: cpuSeconds(pids.apiserver),
    etcd: cpuSeconds(pids.etcd),
    proc: cpuSeconds(pid),
    bench: (own.user + own.system) / 1e6,
  };
  const r = await cp.admin.call('GET', '/metrics');
  return { requests: requestCounts(String(r.body.message ?? '')), cpu };
}

/**
 * `a` → `b` per pod, in one line: the requests by kind that changed (the two /metrics reads
 * themselves left out), then the CPU of the API server, etcd, the process under test and the
 * benchmark, and their sum, in ms.
 */
export function perPod(a: Snapshot, b: Snapshot, pods: number): string {
  const kinds: string[] = [];
  for (const [k, n] of b.requests) {
    const d = n - (a.requests.get(k) ?? 0) - (k === 'GET /metrics' || k === 'GET ' ? 1 : 0);
    if (d > 0) kinds.push(`${k} ${(d / pods).toFixed(3)}`);
  }
  const ms = (s: number): string => ((s / pods) * 1000).toFixed(2);
  const d = (k: keyof Snapshot['cpu']): number => b.cpu[k] - a.cpu[k];
  const all = d('apiserver') + d('etcd') + d('proc') + d('bench');
  return `requests/pod: ${kinds.sort().join(', ') || 'none'}; CPU ms/pod: apiserver ${ms(d('apiserver'))}, etcd ${ms(d('etcd'))}, placer ${ms(d('proc'))}, bench ${ms(d('bench'))}, all ${ms(all)}`;
}
