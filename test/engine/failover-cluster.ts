// Random small clusters with protected namespaces for the failover property tests: the hosts'
// arbitrary, and one engine loaded with those hosts and the policies (namespace `p` tolerates
// `p.hosts` host failures, and a zone when `p.zone`; `r`, when present, one host), beside the
// independent checker's view of the same cluster.

import fc from 'fast-check';
import { expect } from 'vitest';
import { type BackendName, Engine } from '../../core-wasm/src/engine.js';
import type { HostObj, NamespacePolicyObj, WorkloadTemplate } from '../../model/types.js';
import { host, policy } from '../fixtures/model.js';
import type { CheckHost, CheckWorkload } from './failover-checker.js';

export const GI = 1024 ** 3;

export const hostArb = fc.record({
  cpu: fc.constantFrom(2, 4, 6, 8),
  memory: fc.constantFrom(4, 8, 16),
  pods: fc.integer({ min: 2, max: 6 }),
  zone: fc.constantFrom('a', 'b'),
  tier: fc.constantFrom('x', 'y'),
});

export interface ClusterSpec {
  hosts: (typeof hostArb extends fc.Arbitrary<infer T> ? T : never)[];
  p: { hosts: number; zone: boolean };
  r: boolean;
}

export interface ProtectedCluster {
  engine: Engine;
  /** The checker's hosts, h0… in the scenario's order. */
  hosts: CheckHost[];
  /** The checker's policies by namespace. */
  policies: Map<string, { hosts: number; zone: boolean }>;
  /** The checker's view of each workload by name; the test fills it as it places them. */
  specs: Map<string, Omit<CheckWorkload, 'host'>>;
  /** The workloads running now, where the engine tracks them. */
  running(): CheckWorkload[];
}

/** One engine on `backend` with the scenario's hosts and failover policies, and the checker's view of them. */
export function protectedCluster(backend: BackendName, s: ClusterSpec): ProtectedCluster {
  const engine = new Engine({ backend, trackPlacements: true });
  const hosts: CheckHost[] = s.hosts.map((h, i) => ({
    name: `h${i}`,
    zone: h.zone,
    labels: { tier: h.tier, 'topology.kubernetes.io/zone': h.zone },
    cpu: h.cpu * 1000,
    memory: h.memory * GI,
    pods: h.pods,
  }));
  engine.upsertHosts(
    s.hosts.map((h, i) =>
      host(`h${i}`)
        .alloc({ cpu: h.cpu, memory: `${h.memory}Gi`, pods: h.pods })
        .label('tier', h.tier)
        .label('topology.kubernetes.io/zone', h.zone)
        .obj(),
    ),
  );
  const policies = new Map<string, { hosts: number; zone: boolean }>([['p', { hosts: s.p.hosts, zone: s.p.zone }]]);
  if (s.r) policies.set('r', { hosts: 1, zone: false });
  engine.setPolicies([...policies].map(([ns, p]) => policy(ns, { failover: { hosts: p.hosts, zone: p.zone ? 1 : 0 } })));
  const specs = new Map<string, Omit<CheckWorkload, 'host'>>();
  const running = (): CheckWorkload[] => [...engine.trackedPlacements()].map((p) => ({ ...specs.get(p.name)!, host: p.host }));
  return { engine, hosts, policies, specs, running };
}

/**
 * An engine over `hosts` and `policies` with `running` bound (copies: the engine keeps what it is
 * given); `prepare` runs before the binds (classes compiled in a chosen order).
 */
export function engineWith(
  backend: BackendName,
  hosts: readonly HostObj[],
  policies: readonly NamespacePolicyObj[],
  running: readonly WorkloadTemplate[],
  prepare?: (engine: Engine) => void,
): Engine {
  const engine = new Engine({ backend, trackPlacements: true });
  engine.upsertHosts(hosts);
  engine.setPolicies(policies);
  prepare?.(engine);
  if (running.length > 0) engine.bindExisting(running.map((t) => structuredClone(t)));
  return engine;
}

/**
 * Release one of the `running` workloads (keyed by name; the `pick`-th, modulo how many) from
 * `engine`, which must know it; false when nothing runs.
 */
export function releaseOne(engine: Engine, running: Map<string, WorkloadTemplate>, pick: number): boolean {
  const names = [...running.keys()];
  if (names.length === 0) return false;
  const name = names[pick % names.length];
  expect(engine.release('Pod', running.get(name)!.namespace, name)).toBe(true);
  running.delete(name);
  return true;
}
