// v1 ResourceQuota → QuotaObj. `spec.hard` keys are kept exactly as written (`cpu`,
// `requests.cpu`, `count/pods`, `requests.nvidia.com/gpu`, ...); values become exact amounts
// (millicores for cpu-like keys). Scopes and scope selectors are validated like the API server.

import type { QuotaObj, QuotaScope, ScopedResourceSelectorRequirement } from '../../model/types.js';
import type { Field } from './fields.js';
import type { ObjectReader } from './meta.js';
import { quantitiesToAmounts, readAnyResourceList } from './resources.js';

const SCOPES: readonly QuotaScope[] = [
  'BestEffort',
  'NotBestEffort',
  'Terminating',
  'NotTerminating',
  'PriorityClass',
  'CrossNamespacePodAffinity',
];
/** Scopes that only take `Exists` in a scope selector. */
const EXISTS_ONLY: ReadonlySet<QuotaScope> = new Set([
  'BestEffort',
  'NotBestEffort',
  'Terminating',
  'NotTerminating',
  'CrossNamespacePodAffinity',
]);
const CONFLICTS: readonly [QuotaScope, QuotaScope][] = [
  ['BestEffort', 'NotBestEffort'],
  ['Terminating', 'NotTerminating'],
];

function readScope(f: Field): QuotaScope {
  const s = f.optString() ?? '';
  if (!(SCOPES as readonly string[]).includes(s)) f.invalid('unsupported scope', s);
  return s as QuotaScope;
}

function readSelectorRequirement(f: Field): ScopedResourceSelectorRequirement {
  const scopeName = readScope(f.at('scopeName'));
  const opField = f.at('operator');
  const operator = opField.optString() ?? '';
  const valuesField = f.at('values');
  const values = valuesField.stringList();
  if (EXISTS_ONLY.has(scopeName) && operator !== 'Exists') {
    opField.invalid(
      "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
      operator,
    );
  }
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) valuesField.required("must be at least one value when `operator` is 'In' or 'NotIn' for scope selector");
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0)
        valuesField.invalid("must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector", values.join(','));
      break;
    default:
      opField.invalid('not a valid selector operator', operator);
  }
  return { scopeName, operator: operator as ScopedResourceSelectorRequirement['operator'], values };
}

function checkConflicts(f: Field, scopes: readonly QuotaScope[]): void {
  for (const [a, b] of CONFLICTS) if (scopes.includes(a) && scopes.includes(b)) f.invalid('conflicting scopes', scopes.join(','));
}

export function readResourceQuota(r: ObjectReader): QuotaObj {
  const spec = r.root.at('spec');
  const scopesField = spec.at('scopes');
  const scopes = scopesField.items().map(readScope);
  checkConflicts(scopesField, scopes);
  const exprField = spec.get('scopeSelector.matchExpressions');
  const scopeSelector = exprField.items().map(readSelectorRequirement);
  checkConflicts(
    exprField,
    scopeSelector.map((s) => s.scopeName),
  );
  return {
    name: r.meta.name,
    namespace: r.meta.namespace!,
    hard: quantitiesToAmounts(readAnyResourceList(spec.at('hard'))),
    scopes,
    scopeSelector,
    source: r.source,
  };
}
