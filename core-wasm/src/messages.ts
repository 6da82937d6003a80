// Reasons → text, formatted only when someone asks (like kube-scheduler's pre-formatted reason
// constants). Shapes users already know:
//   0/64 hosts are available: 24 host(s) had untolerated taint {gpu: true}, 40 Insufficient cpu.
//   exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=9, limited: requests.cpu=10

import { formatAmount } from '../../model/quantity.js';
import {
  DIM_PODS,
  type Failure,
  MAX_DIMS,
  R_AFFINITY,
  R_EXISTING_ANTI_AFFINITY,
  R_FAILOVER,
  R_INSUFFICIENT_SHIFT,
  R_POD_AFFINITY,
  R_POD_ANTI_AFFINITY,
  R_SPREAD,
  R_SPREAD_LABEL,
  R_TAINT,
  R_UNSCHEDULABLE,
  type ReasonCount,
} from './contract.js';
import { firstStage } from './rules/filter-stages.js';

export { type Grade, failureGrade, hostGrade } from './rules/preemption.js';

export interface Naming {
  dimName(d: number): string;
  taint(id: number): { key: string; value: string; effect: string };
  quotaName(q: number): string;
  entryKey(e: number): string;
  entryHard(e: number): bigint;
  workloadKind: string; // 'Pod' | 'VirtualMachine' (for "didn't match Pod's node affinity/selector")
}

export function insufficientText(dimName: string, dim: number): string {
  return dim === DIM_PODS ? 'Too many pods' : `Insufficient ${dimName}`;
}

export function taintText(t: { key: string; value: string }): string {
  return `host(s) had untolerated taint {${t.key}: ${t.value}}`;
}

export const UNSCHEDULABLE_TEXT = 'host(s) were unschedulable';
/** PodTopologySpread and InterPodAffinity reasons, kube-scheduler's words with "host(s)". */
export const TOPOLOGY_TEXT: [number, string][] = [
  [R_SPREAD_LABEL, "host(s) didn't match pod topology spread constraints (missing required label)"],
  [R_SPREAD, "host(s) didn't match pod topology spread constraints"],
  [R_POD_AFFINITY, "host(s) didn't match pod affinity rules"],
  [R_POD_ANTI_AFFINITY, "host(s) didn't match pod anti-affinity rules"],
  [R_EXISTING_ANTI_AFFINITY, "host(s) didn't satisfy existing pods anti-affinity rules"],
];
/** placer's failover admission, in a histogram (a single host's text names the namespace and the failure). */
export const FAILOVER_TEXT = 'host(s) would leave a protected namespace without room to restart its workloads (failover policy)';
export function affinityText(kind: string): string {
  return `host(s) didn't match ${kind}'s node affinity/selector`;
}

/** One host's reasons as kube-scheduler would report them: the first failing stage only. */
export function hostReasonTexts(reasons: number, firstTaint: number, n: Naming): string[] {
  const { stage, bit } = firstStage(reasons);
  switch (stage) {
    case 'unschedulable':
      return [UNSCHEDULABLE_TEXT];
    case 'taint':
      return [taintText(n.taint(firstTaint))];
    case 'affinity':
      return [affinityText(n.workloadKind)];
    case 'resources':
      return insufficientTexts(reasons, n);
    case 'topology':
      return [TOPOLOGY_TEXT.find(([b]) => b === bit)![1]];
    case 'failover':
      return [FAILOVER_TEXT];
    default:
      return [];
  }
}

function insufficientTexts(reasons: number, n: Naming): string[] {
  const out: string[] = [];
  for (let d = 0; d < MAX_DIMS; d++) if (reasons & (1 << (R_INSUFFICIENT_SHIFT + d))) out.push(insufficientText(n.dimName(d), d));
  return out;
}

/** Every reason of a host, all stages (for --explain). */
export function allReasonTexts(reasons: number, blockingTaints: number[], n: Naming): string[] {
  const out: string[] = [];
  if (reasons & R_UNSCHEDULABLE) out.push(UNSCHEDULABLE_TEXT);
  if (reasons & R_TAINT) for (const t of blockingTaints) out.push(taintText(n.taint(t)));
  if (reasons & R_AFFINITY) out.push(affinityText(n.workloadKind));
  out.push(...insufficientTexts(reasons, n));
  for (const [bit, text] of TOPOLOGY_TEXT) if (reasons & bit) out.push(text);
  if (reasons & R_FAILOVER) out.push(FAILOVER_TEXT);
  return out;
}

function countText(rc: ReasonCount, n: Naming): string {
  if (rc.bit === 0) return taintText(n.taint(rc.taint));
  if (rc.bit === R_UNSCHEDULABLE) return UNSCHEDULABLE_TEXT;
  if (rc.bit === R_AFFINITY) return affinityText(n.workloadKind);
  const topology = TOPOLOGY_TEXT.find(([bit]) => bit === rc.bit);
  if (topology) return topology[1];
  if (rc.bit === R_FAILOVER) return FAILOVER_TEXT;
  const d = Math.log2(rc.bit) - R_INSUFFICIENT_SHIFT;
  return insufficientText(n.dimName(d), d);
}

/** FitError.Error(): "0/N hosts are available: " + the histogram sorted as strings, joined. */
export function fitErrorMessage(f: Extract<Failure, { kind: 'filter' }>, n: Naming): string {
  if (f.hosts === 0) return 'no hosts available to schedule workloads';
  const lines = f.counts.map((rc) => `${rc.count} ${countText(rc, n)}`).sort();
  return `0/${f.hosts} hosts are available: ${lines.join(', ')}.`;
}

/** The admission plugin's message: exceeded quota: <name>, requested: k=v, used: k=v, limited: k=v. */
export function quotaMessage(f: Extract<Failure, { kind: 'quota' }>, requested: (entry: number) => bigint, n: Naming): string {
  const rows = f.entries.map((e) => ({ key: n.entryKey(e.entry), req: requested(e.entry), used: e.used, hard: n.entryHard(e.entry) }));
  rows.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const list = (pick: (r: (typeof rows)[number]) => bigint) => rows.map((r) => `${r.key}=${formatAmount(r.key, pick(r))}`).join(',');
  return `exceeded quota: ${n.quotaName(f.quota)}, requested: ${list((r) => r.req)}, used: ${list((r) => r.used)}, limited: ${list((r) => r.hard)}`;
}

/** The reservation rule's message, in the quota message's shape. */
export function reservationMessage(f: Extract<Failure, { kind: 'reservation' }>, requested: (dim: number) => bigint, n: Naming): string {
  const list = (pick: (r: (typeof f.dims)[number]) => bigint) =>
    f.dims.map((r) => `${n.dimName(r.dim)}=${formatAmount(n.dimName(r.dim), pick(r))}`).join(',');
  return `exceeds unreserved capacity: requested: ${list((r) => requested(r.dim))}, free: ${list((r) => r.free)}, reserved for other namespaces: ${list((r) => r.reservedForOthers)}`;
}
