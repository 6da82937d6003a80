// Taints and tolerations, validated as Kubernetes' API validation does (ValidateTolerations,
// validateNodeTaints). Shared by pods and NamespacePolicy placement defaults.

import type { Taint, TaintEffect, Toleration } from '../../model/types.js';
import type { Field } from './fields.js';

export const TAINT_EFFECTS: readonly TaintEffect[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function readTolerations(list: Field): Toleration[] {
  return list.items().map(readToleration);
}

function readToleration(f: Field): Toleration {
  const key = f.at('key').stringOr('');
  const opField: Field = f.at('operator');
  const operator = opField.stringOr('Equal'); // empty operator means Equal
  const value = f.at('value').stringOr('');
  const effField = f.at('effect');
  const effect = effField.stringOr('');

  if (key === '' && operator !== 'Exists') {
    opField.invalid('operator must be Exists when `key` is empty, which means "match all values and all keys"', operator);
  }
  if (f.at('tolerationSeconds').isSet && effect !== 'NoExecute') {
    effField.invalid("effect must be 'NoExecute' when `tolerationSeconds` is set", effect);
  }
  if (operator !== 'Equal' && operator !== 'Exists') opField.unsupported(['Equal', 'Exists'], operator);
  if (operator === 'Exists' && value !== '') opField.invalid("value must be empty when `operator` is 'Exists'", value);
  if (effect !== '' && !(TAINT_EFFECTS as readonly string[]).includes(effect)) effField.unsupported(TAINT_EFFECTS, effect);
  return { key, operator, value, effect: effect as Toleration['effect'] };
}

/** Node `spec.taints`: key and effect required; unique by key and effect. */
export function readTaints(list: Field): Taint[] {
  const seen = new Set<string>();
  return list.items().map((f) => {
    const key = f.at('key').string();
    const effField: Field = f.at('effect');
    const effect = effField.optString() || effField.required();
    if (!(TAINT_EFFECTS as readonly string[]).includes(effect)) effField.unsupported(TAINT_EFFECTS, effect);
    const id = `${key}\u0000${effect}`;
    if (seen.has(id)) f.fail(`Duplicate value: ${JSON.stringify(`${key}:${effect}`)}: taints must be unique by key and effect pair`);
    seen.add(id);
    return { key, value: f.at('value').stringOr(''), effect: effect as TaintEffect };
  });
}
