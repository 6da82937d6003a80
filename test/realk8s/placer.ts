// placer in Kubernetes mode as a real process (`placer serve --kubeconfig`) against the real API
// server, as its ServiceAccount — deploy/rbac.yaml is all it may do — optionally through a proxy.

import type { ControlPlane } from './controlplane.js';
import { spawnServe, type Server } from '../e2e/server.js';

export type Placer = Server;

export interface PlacerOptions {
  /** The API server URL placer uses (a proxy's); default the API server itself. */
  server?: string;
  args?: string[];
}

/** Start placer; resolves once it serves, that is after its first lists. */
export function startPlacer(cp: ControlPlane, o: PlacerOptions = {}): Promise<Placer> {
  return spawnServe(
    ['--kubeconfig', cp.kubeconfig('placer', o.server ?? cp.url), '--log-level', 'info', ...(o.args ?? [])],
    /placer serving on (http:\/\/127\.0\.0\.1:\d+) \(Kubernetes mode\)/,
  );
}

/** placer's JSON log lines (stderr) so far. */
export function logLines(p: Placer): Record<string, unknown>[] {
  return p
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
