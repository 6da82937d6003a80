// scheduling.k8s.io/v1 PriorityClass, validated like the API server (value range, reserved
// `system-` names) and the Priority admission plugin (at most one globalDefault).

import { InputError } from '../../model/errors.js';
import type { PriorityClassObj } from '../../model/types.js';
import type { ObjectReader } from './meta.js';

/** HighestUserDefinablePriority. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;

/** The classes every cluster has (the API server creates them at startup). */
export const SYSTEM_PRIORITY_CLASSES: ReadonlyMap<string, number> = new Map([
  ['system-node-critical', 2_000_001_000],
  ['system-cluster-critical', 2_000_000_000],
]);

export const BUILT_IN_SOURCE = { file: '<built-in>', doc: 0, path: '' };

export function builtInPriorityClasses(): PriorityClassObj[] {
  return [...SYSTEM_PRIORITY_CLASSES].map(([name, value]) => ({
    name,
    value,
    globalDefault: false,
    preemptionPolicy: 'PreemptLowerPriority' as const,
    source: BUILT_IN_SOURCE,
  }));
}

/** The classes of a cluster that declares `declared`: those, and the built-in ones it does not declare. */
export function withBuiltInPriorityClasses(declared: readonly PriorityClassObj[]): PriorityClassObj[] {
  const names = new Set(declared.map((p) => p.name));
  return [...declared, ...builtInPriorityClasses().filter((b) => !names.has(b.name))];
}

export function readPriorityClass(r: ObjectReader): PriorityClassObj {
  const vf = r.root.at('value');
  if (!vf.isSet) vf.required();
  const value = vf.optInt()!;
  const name = r.meta.name;
  if (name.startsWith('system-')) {
    const known = SYSTEM_PRIORITY_CLASSES.get(name);
    const why =
      known === undefined
        ? `${name} is not a known system priority class`
        : known !== value
          ? `value of ${name} PriorityClass must be ${known}`
          : '';
    if (why)
      r.root
        .get('metadata.name')
        .fail(`Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: ${why}`);
  } else if (value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    vf.fail(`Forbidden: maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`);
  }
  return {
    name,
    value,
    globalDefault: r.root.at('globalDefault').bool(false),
    preemptionPolicy: r.root.at('preemptionPolicy').optEnum(['PreemptLowerPriority', 'Never'] as const) ?? 'PreemptLowerPriority',
    source: r.source,
  };
}

/** The admission plugin's rule: a second globalDefault class is refused. */
export function checkSingleGlobalDefault(classes: readonly PriorityClassObj[]): void {
  let first: PriorityClassObj | undefined;
  for (const pc of classes) {
    if (!pc.globalDefault) continue;
    if (first) {
      throw new InputError(
        pc.source,
        'globalDefault',
        `Forbidden: PriorityClass ${first.name} is already marked as default. Only one default can exist`,
        `PriorityClass ${pc.name}`,
      );
    }
    first = pc;
  }
}
