// The small cluster the failover tables share: three 4-cpu hosts (h1, h2 in zone a, h3 in zone b),
// namespace db protected against one host failure; and the same with db-0 (2 cpu, protected) on
// h1 and web-0 (3 cpu) on h2, so that h1's restart plan puts db-0 on h3, which holds 2 cpu.

import { type BackendName, Engine } from '../../core-wasm/src/engine.js';
import { host, pod, policy } from '../fixtures/model.js';

/** Three 4-cpu hosts; namespace db protected against one host failure. */
export function cluster(backend: BackendName): Engine {
  const engine = new Engine({ backend, trackPlacements: true });
  engine.upsertHosts([
    host('h1').cpu('4').label('topology.kubernetes.io/zone', 'a').obj(),
    host('h2').cpu('4').label('topology.kubernetes.io/zone', 'a').obj(),
    host('h3').cpu('4').label('topology.kubernetes.io/zone', 'b').obj(),
  ]);
  engine.setPolicies([policy('db', { failover: { hosts: 1 } })]);
  return engine;
}

/** `cluster` with db-0 (2 cpu, protected) on h1 and web-0 (3 cpu) on h2: h3 holds 2 cpu for db-0. */
export function held(backend: BackendName): Engine {
  const engine = cluster(backend);
  engine.bindExisting([
    pod('db-0').ns('db').req({ cpu: '2' }).boundTo('h1').obj(),
    pod('web-0').ns('web').req({ cpu: '3' }).boundTo('h2').obj(),
  ]);
  return engine;
}

/** What failover admission says where a placement would take h3's held room. */
export const HELD_REFUSAL =
  'namespace db could not restart its workloads if host h1 failed (failover policy): Pod db/db-0 would find no host: 0/2 hosts are available: 2 Insufficient cpu.';
