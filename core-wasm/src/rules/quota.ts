// ResourceQuota: what a workload charges each hard limit of the quotas that apply to it.
// Rule twins: core-wasm/assembly/admit.ts (the core charges what writeItems hands it).

import { type ClassSpec, Kind, type QuotaEntrySpec, QuotaSource } from '../contract.js';

/** The usage a workload adds to one quota entry, or null when the entry does not track it. */
export function quotaDelta(c: ClassSpec, e: QuotaEntrySpec): bigint | null {
  switch (e.source) {
    case QuotaSource.Requests:
      return c.reqPresent & (1 << e.dim) ? BigInt(c.req[e.dim]) : null;
    case QuotaSource.Limits:
      return c.limPresent & (1 << e.dim) ? BigInt(c.lim[e.dim]) : null;
    case QuotaSource.PodCount:
      return c.kind === Kind.Pod ? 1n : null;
    case QuotaSource.VMCount:
      return c.kind === Kind.VirtualMachine ? 1n : null;
  }
}
