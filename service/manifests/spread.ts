// Pod topology spread (`spec.topologySpreadConstraints`), validated as Kubernetes'
// validateTopologySpreadConstraints does, in its order: maxSkew, topologyKey, whenUnsatisfiable,
// repeated {topologyKey, whenUnsatisfiable} pairs, minDomains, nodeAffinityPolicy,
// nodeTaintsPolicy, matchLabelKeys, labelSelector. Defaults as the API gives them:
// nodeAffinityPolicy Honor, nodeTaintsPolicy Ignore.
//
// `matchLabelKeys` is merged into the label selector as kube-apiserver does on pod create
// (MatchLabelKeysInPodTopologySpreadSelectorMerge, on by default since 1.33): for each key the pod
// has, `key In [pod's value]`; keys the pod lacks are ignored; a constraint without a selector is
// left alone. The key checks ("exists in both matchLabelKeys and labelSelector") apply to the
// selector as written, before the merge.

import { InputError } from '../../model/errors.js';
import type { TopologySpreadConstraint } from '../../model/types.js';
import type { Field } from './fields.js';
import { checkLabelKey, cloneSelector, readLabelSelector } from './labels.js';

const ACTIONS = ['DoNotSchedule', 'ScheduleAnyway'] as const;
const POLICIES = ['Honor', 'Ignore'] as const;
const NOT_POSITIVE = 'must be greater than zero';

export interface RawSpread {
  constraint: TopologySpreadConstraint;
  matchLabelKeys: string[];
}

/** A NodeInclusionPolicy pointer: absent or null is the default; anything else, "" included, must be supported. */
function readPolicy(f: Field, fallback: 'Honor' | 'Ignore'): 'Honor' | 'Ignore' {
  if (!f.isSet) return fallback;
  const v = f.optString()!;
  if (!(POLICIES as readonly string[]).includes(v)) f.unsupported(POLICIES);
  return v as 'Honor' | 'Ignore';
}

/** The keys a selector field names, as written (for the matchLabelKeys check, before it is validated). */
function writtenSelectorKeys(sel: Field): Set<string> {
  const keys = new Set<string>();
  if (!sel.isSet) return keys;
  for (const [k] of sel.at('matchLabels').entries()) keys.add(k);
  for (const e of sel.at('matchExpressions').items()) keys.add(e.at('key').optString() ?? '');
  return keys;
}

export function readTopologySpread(list: Field): RawSpread[] {
  const items = list.items();
  const pairs = items.map((c) => ({ key: c.at('topologyKey').optString() ?? '', action: c.at('whenUnsatisfiable').optString() ?? '' }));
  return items.map((c, i) => {
    const skewField = c.at('maxSkew');
    const maxSkew = skewField.optInt() ?? 0;
    if (maxSkew <= 0) skewField.invalid(NOT_POSITIVE, maxSkew);
    const { key: topologyKey, action } = pairs[i]!;
    if (topologyKey === '') c.at('topologyKey').required('can not be empty');
    if (!(ACTIONS as readonly string[]).includes(action)) c.at('whenUnsatisfiable').unsupported(ACTIONS, action);
    if (pairs.slice(i + 1).some((p) => p.key === topologyKey && p.action === action)) {
      // field.Path.Child("{topologyKey, whenUnsatisfiable}"): a dotted child, whatever its characters
      throw new InputError(
        c.ctx.source,
        `${c.path}.{topologyKey, whenUnsatisfiable}`,
        `Duplicate value: ${JSON.stringify(`{${topologyKey}, ${action}}`)}`,
        c.ctx.object,
      );
    }
    const mdField = c.at('minDomains');
    const minDomains = mdField.optInt();
    if (minDomains !== undefined) {
      if (minDomains <= 0) mdField.invalid(NOT_POSITIVE, minDomains);
      if (action !== 'DoNotSchedule')
        mdField.invalid(`can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ${action}`, minDomains);
    }
    const nodeAffinityPolicy = readPolicy(c.at('nodeAffinityPolicy'), 'Honor');
    const nodeTaintsPolicy = readPolicy(c.at('nodeTaintsPolicy'), 'Ignore');
    const mlkField = c.at('matchLabelKeys');
    const matchLabelKeys = mlkField.stringList();
    const selField = c.at('labelSelector');
    if (matchLabelKeys.length > 0) {
      if (!selField.isSet) mlkField.fail('Forbidden: must not be specified when labelSelector is not set');
      const written = writtenSelectorKeys(selField);
      mlkField.items().forEach((kf, j) => {
        const key = matchLabelKeys[j]!;
        checkLabelKey(kf, key);
        if (written.has(key)) kf.invalid('exists in both matchLabelKeys and labelSelector', key);
      });
    }
    const constraint: TopologySpreadConstraint = {
      maxSkew,
      topologyKey,
      whenUnsatisfiable: action as TopologySpreadConstraint['whenUnsatisfiable'],
      labelSelector: readLabelSelector(selField),
      ...(minDomains !== undefined && { minDomains }),
      nodeAffinityPolicy,
      nodeTaintsPolicy,
    };
    return { constraint, matchLabelKeys };
  });
}

/** The constraints a pod with `labels` carries: matchLabelKeys merged as `key In [value]`. */
export function mergeTopologySpread(raw: readonly RawSpread[], labels: ReadonlyMap<string, string>): TopologySpreadConstraint[] {
  return raw.map(({ constraint, matchLabelKeys }) => {
    const labelSelector = constraint.labelSelector === null ? null : cloneSelector(constraint.labelSelector);
    if (labelSelector !== null) {
      for (const key of matchLabelKeys) {
        const v = labels.get(key);
        if (v !== undefined) labelSelector.matchExpressions.push({ key, operator: 'In', values: [v] });
      }
    }
    return { ...constraint, labelSelector };
  });
}
