// Failover admission for a batch (namespace HA). While protected namespaces exist, the batch
// places around the room held for failover — every host shows the backend its allocatable less
// the most any restart plan puts there — so a placement that is neither protected nor carries
// inter-workload terms leaves every restart plan as it was (first fit: see failover-guard.ts),
// except on a host where a plan gave gang members back: it used more room there while it scanned
// than it holds. The others — protected workloads, whose own host's plan grows, workloads with
// terms, and placements on those hosts — are taken back out after the batch and placed again one
// by one, in the batch's commit order, each only if failover admission lets it
// (FailoverGuard.check); a refused one stays unplaced with the refusal's words, and a gang with a
// refused member loses every member the batch placed.
// A workload the held room kept out is told so: kube's histogram counts the hosts that would fit
// it but for the held room as failover admission's, and names the namespace and the failure —
// when every host that would take it now holds such room (else the batch's words stand).

import type { WorkloadTemplate } from '../../model/types.js';
import type { Catalog } from './catalog.js';
import type { ClassCompiler } from './compiler.js';
import { type Backend, type BatchItem, type BatchResult, type Failure, type GangSpec, MAX_DIMS, R_FAILOVER } from './contract.js';
import type { FailoverReport } from './failover-api.js';
import type { FailoverGuard } from './failover-guard.js';
import { filterHistogram } from './rules/filter-stages.js';
import type { Wording } from './wording.js';

export interface BatchGuardContext {
  catalog: Catalog;
  compiler: ClassCompiler;
  backend: Backend;
  guard: FailoverGuard;
  wording: Wording;
  /** The failover report (failover.ts): who holds room where, when no refusal names it. */
  report: () => FailoverReport;
}

/** Hosts asked at most for the refusal that names the namespace, when the held room kept a workload out. */
const NAMING_TRIES = 8;

/** The room held for a batch (holdFailoverRoom). */
export interface HeldRoom {
  /** Show the hosts as they are again. */
  release: () => void;
  /** Hosts where keeping the held room does not keep the plans (FailoverGuard.takenBackSlots): admitBatch checks what goes there. */
  takenBack: ReadonlySet<number>;
}

/** Hold the failover room on every host for a batch, as the plans stand before it. */
export function holdFailoverRoom(ctx: BatchGuardContext): HeldRoom {
  const { catalog, guard } = ctx;
  const takenBack = guard.takenBackSlots();
  const held: number[] = [];
  const row = new Array<number>(MAX_DIMS).fill(0);
  catalog.hosts.forEach((h, slot) => {
    if (!h.present) return;
    let any = false;
    for (let d = 0; d < catalog.dims.count; d++) any = (row[d] = guard.held(slot, d)) > 0 || any;
    if (!any) return;
    catalog.holdRoom(slot, row);
    held.push(slot);
  });
  return {
    release: () => {
      for (const slot of held) catalog.holdRoom(slot, null);
    },
    takenBack,
  };
}

/**
 * Place again, one by one with failover admission, the batch's placements that may change a
 * restart plan: see the file comment. `takenBack` is holdFailoverRoom's. `who` names instance `i`
 * of the batch (hostOf's index); `residents` follows every placement taken out and made again (the
 * batch's are residents already). Changes `result.hostOf` and `result.failures` in place.
 */
export function admitBatch(
  ctx: BatchGuardContext,
  items: readonly BatchItem[],
  gangs: readonly GangSpec[],
  result: BatchResult,
  takenBack: ReadonlySet<number>,
  who: (instance: number) => { t: WorkloadTemplate; j: number },
  residents: { place(instance: number, slot: number): void; unplace(instance: number, slot: number): void },
): void {
  const { backend, guard } = ctx;
  const itemOf: number[] = [];
  items.forEach((it, k) => {
    for (let n = 0; n < it.count; n++) itemOf.push(k);
  });
  const checked: number[] = [];
  for (const i of result.sequence) {
    const slot = i >= 0 ? result.hostOf[i] : -1;
    if (slot >= 0 && (takenBack.has(slot) || mayChangePlans(ctx, items[itemOf[i]].cls, who(i).t))) checked.push(i);
  }
  if (checked.length === 0) return;
  for (const i of [...checked].reverse()) {
    backend.release(items[itemOf[i]].cls, result.hostOf[i]);
    residents.unplace(i, result.hostOf[i]);
  }
  const refusedGangs = new Map<number, Failure>();
  for (const i of checked) {
    const k = itemOf[i];
    const { cls, gang } = items[k];
    const slot = result.hostOf[i];
    if (gang !== undefined && refusedGangs.has(gang)) {
      result.hostOf[i] = -1;
      continue;
    }
    const { t, j } = who(i);
    const text = guard.check(t, j, cls, slot);
    if (text === null) {
      backend.commit(cls, slot);
      residents.place(i, slot);
      guard.committed(t, cls, slot, j);
      continue;
    }
    result.hostOf[i] = -1;
    const f: Failure = { kind: 'failover', text };
    result.failures[k] ??= f;
    if (gang !== undefined) refusedGangs.set(gang, f);
  }
  // A gang with a refused member keeps none.
  for (const [gang, cause] of refusedGangs) {
    let placed = 0;
    result.hostOf.forEach((slot, i) => {
      const k = itemOf[i];
      if (items[k].gang !== gang || slot < 0) return;
      backend.release(items[k].cls, slot);
      residents.unplace(i, slot);
      guard.released(items[k].cls, slot);
      result.hostOf[i] = -1;
      placed++;
    });
    items.forEach((it, k) => {
      if (it.gang === gang) result.failures[k] = { kind: 'gang', gang, placed, needed: gangs[gang].minMember, cause };
    });
  }
}

/** A placement of class `cls` may change a restart plan beyond the held room: protected, or with inter-workload terms. */
function mayChangePlans(ctx: BatchGuardContext, cls: number, t: WorkloadTemplate): boolean {
  return ctx.guard.checksEverything() || ctx.compiler.classes[cls].spec.topology !== undefined || ctx.guard.protects(t.namespace);
}

/**
 * The words of the batch's failures that the held room caused (see the file comment), with the
 * hosts shown as they are again: a filter failure — or a gang's, by its cause — where some host
 * would take the workload now is told as kube's histogram over the hosts as they are, those hosts
 * counted as failover admission's, then the first such host's refusal. `who(k)`: an unplaced
 * instance of item k. Changes `result.failures` in place.
 */
export function wordHeldRoom(
  ctx: BatchGuardContext,
  items: readonly BatchItem[],
  result: BatchResult,
  who: (item: number) => { t: WorkloadTemplate; j: number },
): void {
  let report: FailoverReport | undefined;
  const holder = (host: string) => heldText((report ??= ctx.report()), host);
  items.forEach((it, k) => {
    const f = result.failures[k];
    if (f?.kind === 'filter') result.failures[k] = heldRoomFailure(ctx, it.cls, f, () => who(k), holder);
    else if (f?.kind === 'gang' && f.cause?.kind === 'filter')
      result.failures[k] = { ...f, cause: heldRoomFailure(ctx, it.cls, f.cause, () => who(k), holder) };
  });
}

/** Whose restart the room held on `host` is for, from the report: the first plan putting a workload there. */
function heldText(report: FailoverReport, host: string): string {
  const row = report.hosts.find((h) => h.plan.some((m) => m.to === host));
  const zone = row ? undefined : report.zones.find((z) => z.plan.some((m) => m.to === host));
  const m = (row ?? zone)?.plan.find((x) => x.to === host);
  if (!m) return '';
  const failure = row ? `host ${row.host}` : `zone ${zone!.zone}`;
  return ` Host ${host} keeps room for namespace ${m.namespace} if ${failure} fails: its restart plan puts ${m.kind} ${m.namespace}/${m.name} there (failover policy).`;
}

function heldRoomFailure(
  ctx: BatchGuardContext,
  cls: number,
  f: Failure,
  who: () => { t: WorkloadTemplate; j: number },
  holder: (host: string) => string,
): Failure {
  const { backend, catalog, guard, wording } = ctx;
  const cols = backend.evaluateColumns(cls);
  // copied: the guard calls into the backend, and Wasm views last until the next call
  const reasons = cols.reasons.slice(0, cols.n);
  const fits: number[] = [];
  reasons.forEach((r, slot) => r === 0 && fits.push(slot));
  // only room held for failover kept it from them (not, say, a gang's members released since)
  guard.sync();
  const req = ctx.compiler.classes[cls].spec.req;
  const holds = (slot: number) => req.some((x, d) => d < catalog.dims.count && x > 0 && guard.held(slot, d) > 0);
  if (fits.length === 0 || !fits.every(holds)) return f;
  const histogram = filterHistogram(
    Array.from(reasons, (r) => ({ reasons: r === 0 ? R_FAILOVER : r })),
    (slot) => wording.firstBlockingTaint(cls, slot),
  );
  const { t, j } = who();
  let named = '';
  for (const slot of fits.slice(0, NAMING_TRIES)) {
    const refusal = guard.check(t, j, cls, slot);
    if (refusal === null) continue;
    named = ` Host ${catalog.hostName(slot)}: ${refusal}`;
    break;
  }
  // admission would let it have those hosts one at a time: the batch held the room for someone
  if (named === '') for (const slot of fits) if ((named = holder(catalog.hostName(slot))) !== '') break;
  return { kind: 'failover', text: `${wording.failureMessage(cls, histogram)}${named}` };
}
