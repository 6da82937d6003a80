// Hosts as the manifests give them (model HostObj), for the suites that drive the Engine façade:
// three sizes and three zones in turn, so every zone holds every size.

import type { HostObj } from '../../model/types.js';
import { host } from '../../test/fixtures/model.js';

const ZONES = ['zone-a', 'zone-b', 'zone-c'];

/** esx-0000.. with 64/96/128 cpu and 512Gi/768Gi/1Ti in turn, 1,024 pods, zones a, b, c in turn. */
export function zonedHosts(n: number): HostObj[] {
  return Array.from({ length: n }, (_, i) =>
    host(`esx-${String(i).padStart(4, '0')}`)
      .cpu(['64', '96', '128'][i % 3])
      .memory(['512Gi', '768Gi', '1Ti'][i % 3])
      .pods(1024)
      .label('topology.kubernetes.io/zone', ZONES[i % ZONES.length])
      .obj(),
  );
}
