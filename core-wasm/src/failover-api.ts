// The Engine API's types for namespace HA (failover.ts): the failover report and the restart plan
// of simulated failures. Plain JSON-able objects: names, numbers, strings. Amounts are numbers in
// the resource's base unit (millicores for cpu, bytes for memory and storage, counts otherwise),
// exact integers, keyed by resource name; zero amounts are left out.

import type { FailoverPolicy } from '../../model/types.js';

/** One restarted workload: from the failed host to its new host. */
export interface RestartMove {
  kind: string;
  namespace: string;
  name: string;
  from: string;
  to: string;
  /** Its namespace is protected (has a failover policy). */
  protected: boolean;
}

/** A workload of a failed host that finds no host, and why, in kube-scheduler's words. */
export interface RestartStuck {
  kind: string;
  namespace: string;
  name: string;
  from: string;
  protected: boolean;
  reason: string;
}

/** The restart plan of some failures: every workload of the failed hosts restarted or stuck. */
export interface RestartPlanReport {
  /** The failed hosts, in host order. */
  failed: string[];
  moves: RestartMove[];
  unplaced: RestartStuck[];
  /** Every protected workload of the failed hosts is restarted. */
  absorbed: boolean;
}

/** A protected namespace: its policy and the failures it tolerates now. */
export interface NamespaceFailover {
  namespace: string;
  policy: FailoverPolicy;
  /**
   * Host failures it tolerates now (0..3), checked up to the policy's hostFailuresToTolerate (at
   * least 1): every set of that many hosts can fail and each of its workloads there restarts (sets
   * of 2 and 3 are planned one by one while they are few enough: core-wasm/src/failover.ts).
   */
  toleratesHosts: number;
  /** Any one zone can fail (null: the hosts carry no zone label). */
  toleratesZone: boolean | null;
  /** The policy is kept now (toleratesHosts ≥ hostFailuresToTolerate, and the zone when asked). */
  kept: boolean;
  /** When not kept: the first failure it cannot absorb, in the admission refusal's words. */
  violation: string | null;
}

/** One host: can its protected workloads restart elsewhere, where, and the room held on it. */
export interface HostFailover {
  host: string;
  zone: string | null;
  /** Protected workloads on the host. */
  protectedWorkloads: number;
  /** Its failure is absorbed: every protected workload on it restarts. */
  absorbed: boolean;
  /** Placer's own restart plan of the host's protected workloads. */
  plan: RestartMove[];
  unplaced: RestartStuck[];
  /** The spare room held on this host for failover: the most any single failure's plan puts here. */
  held: Record<string, number>;
}

/** A zone's failure: its protected workloads restarted outside it. */
export interface ZoneFailover {
  zone: string;
  hosts: number;
  absorbed: boolean;
  plan: RestartMove[];
  unplaced: RestartStuck[];
}

export interface FailoverReport {
  apiVersion: 'placer.dev/v1alpha1';
  kind: 'FailoverReport';
  namespaces: NamespaceFailover[];
  hosts: HostFailover[];
  /** Zone failures, when some protected namespace asks for them and hosts carry zone labels. */
  zones: ZoneFailover[];
  /** Room held for failover over all hosts (Σ of each host's held), and the schedulable total. */
  held: Record<string, number>;
  capacity: Record<string, number>;
  /**
   * What vSphere HA's percentage admission control would hold for the same cluster and the
   * largest hostFailuresToTolerate: `percent` = ⌈100 × N / schedulable hosts⌉ of total cpu and
   * memory, `held` = ⌈capacity × percent / 100⌉ per resource.
   */
  vsphere: { failures: number; percent: number; held: Record<string, number> };
}
