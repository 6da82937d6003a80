// Inter-pod affinity and anti-affinity (`spec.affinity.podAffinity` / `podAntiAffinity`),
// validated as Kubernetes' validatePodAffinityTerm does, then `matchLabelKeys` /
// `mismatchLabelKeys` merged into the label selector the way kube-apiserver's pod strategy does
// on create (pkg/registry/core/pod/strategy.go, applyMatchLabelKeysAndMismatchLabelKeys):
//
//   for each key in matchLabelKeys that the pod has:    labelSelector += key In [pod's value]
//   for each key in mismatchLabelKeys that the pod has: labelSelector += key NotIn [pod's value]
//   keys the pod lacks are ignored; a term without labelSelector is left alone (it matches nothing).
//
// The merge needs the pod's final labels, which for a Deployment include the
// pod-template-hash the controller adds, so reading (readPodAffinity) and merging
// (mergePodAffinity) are separate steps. The check that needs the merged selector
// ("exists in both matchLabelKeys and labelSelector") runs in the merge step, as the API
// server runs it on the mutated pod.

import type { InterPodAffinity, LabelSelector, PodAffinityTerm } from '../../model/types.js';
import { Field } from './fields.js';
import { checkLabelKey, cloneSelector, dns1123LabelErrors, readLabelSelector } from './labels.js';

/** A term as written, with what the merge needs. */
export interface RawAffinityTerm {
  /** The PodAffinityTerm itself, for errors found after the merge. */
  field: Field;
  term: PodAffinityTerm;
  matchLabelKeys: string[];
  mismatchLabelKeys: string[];
}

export interface RawInterPod {
  required: RawAffinityTerm[];
  preferred: { weight: number; raw: RawAffinityTerm }[];
}

export interface RawPodAffinity {
  affinity: RawInterPod;
  antiAffinity: RawInterPod;
}

export const emptyInterPod = (): InterPodAffinity => ({ required: [], preferred: [] });

function readLabelKeys(f: Field, selector: LabelSelector | null): string[] {
  const keys = f.stringList();
  if (keys.length === 0) return keys;
  if (selector === null) f.fail('Forbidden: must not be specified when labelSelector is not set');
  f.items().forEach((kf, i) => checkLabelKey(kf, keys[i]!));
  return keys;
}

/** validatePodAffinityTerm, except the check that needs the merged selector. */
function readTerm(f: Field): RawAffinityTerm {
  const labelSelector = readLabelSelector(f.at('labelSelector'));
  const namespaceSelector = readLabelSelector(f.at('namespaceSelector'));
  const namespaces = f.at('namespaces').stringList();
  for (const ns of namespaces) {
    // Kubernetes reports these at `<term>.namespace` (singular), whatever the index
    const [msg] = dns1123LabelErrors(ns);
    if (msg !== undefined) f.at('namespace').invalid(msg, ns);
  }
  const matchLabelKeys = readLabelKeys(f.at('matchLabelKeys'), labelSelector);
  const mismatchLabelKeys = readLabelKeys(f.at('mismatchLabelKeys'), labelSelector);
  const mismatch = new Set(mismatchLabelKeys);
  f.at('matchLabelKeys')
    .items()
    .forEach((kf, i) => {
      if (mismatch.has(matchLabelKeys[i]!)) kf.invalid('exists in both matchLabelKeys and mismatchLabelKeys', matchLabelKeys[i]);
    });
  const tkField = f.at('topologyKey');
  const topologyKey = tkField.optString() ?? '';
  if (topologyKey === '') tkField.required('can not be empty');
  checkLabelKey(tkField, topologyKey);
  return { field: f, term: { labelSelector, namespaces, namespaceSelector, topologyKey }, matchLabelKeys, mismatchLabelKeys };
}

function readInterPod(f: Field): RawInterPod {
  const required = f.at('requiredDuringSchedulingIgnoredDuringExecution').items().map(readTerm);
  const preferred = f
    .at('preferredDuringSchedulingIgnoredDuringExecution')
    .items()
    .map((p) => {
      const wf = p.at('weight');
      const weight = wf.optInt() ?? 0;
      if (weight <= 0 || weight > 100) wf.invalid('must be in the range 1-100', weight);
      return { weight, raw: readTerm(p.at('podAffinityTerm')) };
    });
  return { required, preferred };
}

/** `spec.affinity.podAffinity` and `podAntiAffinity` of a pod (or pod template) spec. */
export function readPodAffinity(affinity: Field): RawPodAffinity {
  return { affinity: readInterPod(affinity.at('podAffinity')), antiAffinity: readInterPod(affinity.at('podAntiAffinity')) };
}

/** applyMatchLabelKeysAndMismatchLabelKeys, then the duplicate-key check on the merged selector. */
function mergeTerm(raw: RawAffinityTerm, labels: ReadonlyMap<string, string>): PodAffinityTerm {
  const { term } = raw;
  const copy = (sel: LabelSelector | null): LabelSelector | null => (sel === null ? null : cloneSelector(sel));
  const out: PodAffinityTerm = {
    ...term,
    labelSelector: copy(term.labelSelector),
    namespaces: [...term.namespaces],
    namespaceSelector: copy(term.namespaceSelector),
  };
  const sel = out.labelSelector;
  if (sel === null || (raw.matchLabelKeys.length === 0 && raw.mismatchLabelKeys.length === 0)) return out;
  for (const key of raw.matchLabelKeys) {
    const v = labels.get(key);
    if (v !== undefined) sel.matchExpressions.push({ key, operator: 'In', values: [v] });
  }
  for (const key of raw.mismatchLabelKeys) {
    const v = labels.get(key);
    if (v !== undefined) sel.matchExpressions.push({ key, operator: 'NotIn', values: [v] });
  }
  // validateMatchLabelKeysAndMismatchLabelKeys: a matchLabelKeys key that shows up twice in the
  // merged selector was also written in labelSelector. Kubernetes names the error
  // `<term>[i]` (i = the key's last index in matchLabelKeys).
  const index = new Map<string, number>();
  raw.matchLabelKeys.forEach((k, i) => index.set(k, i));
  const seen = new Set(sel.matchLabels.keys());
  for (const e of sel.matchExpressions) {
    const i = index.get(e.key);
    if (i !== undefined && seen.has(e.key)) {
      new Field(raw.field.ctx, e.key, raw.field, i).invalid('exists in both matchLabelKeys and labelSelector', e.key);
    }
    seen.add(e.key);
  }
  return out;
}

function mergeInterPod(raw: RawInterPod, labels: ReadonlyMap<string, string>): InterPodAffinity {
  return {
    required: raw.required.map((t) => mergeTerm(t, labels)),
    preferred: raw.preferred.map((p) => ({ weight: p.weight, term: mergeTerm(p.raw, labels) })),
  };
}

/** The terms a pod with `labels` carries, with matchLabelKeys / mismatchLabelKeys merged in. */
export function mergePodAffinity(
  raw: RawPodAffinity,
  labels: ReadonlyMap<string, string>,
): { podAffinity: InterPodAffinity; podAntiAffinity: InterPodAffinity } {
  return { podAffinity: mergeInterPod(raw.affinity, labels), podAntiAffinity: mergeInterPod(raw.antiAffinity, labels) };
}
