// Node affinity: required and preferred node selector terms, validated the way Kubernetes' API
// validation does (ValidateNodeSelectorRequirement / ValidateNodeFieldSelectorRequirement),
// plus the integer check the scheduler applies to Gt/Lt values.

import type { NodeSelectorRequirement, NodeSelectorTerm, PreferredSchedulingTerm, SelectorOperator } from '../../model/types.js';
import { parseInt64 } from '../../model/selectors.js';
import type { Field } from './fields.js';
import { checkSetOperatorValues } from './labels.js';

const OPERATORS: readonly SelectorOperator[] = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'];

function readOperator(f: Field): SelectorOperator {
  const op = f.optString();
  if (!op || !(OPERATORS as readonly string[]).includes(op)) f.invalid('not a valid selector operator', op ?? '');
  return op as SelectorOperator;
}

function readExpression(f: Field): NodeSelectorRequirement {
  const key = f.at('key').string();
  const operator = readOperator(f.at('operator'));
  const valuesField = f.at('values');
  const values = valuesField.stringList();
  if (!checkSetOperatorValues(operator, values, valuesField)) {
    // Gt, Lt
    if (values.length !== 1) valuesField.required("must be specified single value when `operator` is 'Lt' or 'Gt'");
    if (parseInt64(values[0]!) === null) {
      valuesField.items()[0]!.invalid("for 'Gt', 'Lt' operators, the value must be an integer");
    }
  }
  return { key, operator, values };
}

/** matchFields: only `metadata.name`, only In/NotIn, exactly one value. */
function readFieldExpression(f: Field): NodeSelectorRequirement {
  const opField: Field = f.at('operator');
  const op = opField.optString();
  if (op !== 'In' && op !== 'NotIn') opField.invalid('not a valid selector operator', op ?? '');
  const valuesField = f.at('values');
  const values = valuesField.stringList();
  if (values.length !== 1) valuesField.required("must be only one value when `operator` is 'In' or 'NotIn' for node field selector");
  const keyField = f.at('key');
  const key = keyField.optString() ?? '';
  if (key !== 'metadata.name') keyField.invalid('not a valid field selector key', key);
  return { key, operator: op, values };
}

function readTerm(f: Field): NodeSelectorTerm {
  return {
    matchExpressions: f.at('matchExpressions').items().map(readExpression),
    matchFields: f.at('matchFields').items().map(readFieldExpression),
  };
}

export interface NodeAffinity {
  required: NodeSelectorTerm[] | null;
  preferred: PreferredSchedulingTerm[];
}

/** `spec.affinity.nodeAffinity`; pod (anti-)affinity is not read here. */
export function readNodeAffinity(affinity: Field): NodeAffinity {
  const na = affinity.at('nodeAffinity');
  const req = na.at('requiredDuringSchedulingIgnoredDuringExecution');
  let required: NodeSelectorTerm[] | null = null;
  if (req.isSet) {
    const termsField = req.at('nodeSelectorTerms');
    const terms = termsField.items();
    if (terms.length === 0) termsField.required('must have at least one node selector term');
    required = terms.map(readTerm);
  }
  const preferred = na
    .at('preferredDuringSchedulingIgnoredDuringExecution')
    .items()
    .map((p) => {
      const wf = p.at('weight');
      const weight = wf.optInt() ?? 0;
      if (weight < 1 || weight > 100) wf.invalid('must be in the range 1-100', weight);
      const pref = p.at('preference');
      if (!pref.isSet) pref.required();
      return { weight, preference: readTerm(pref) };
    });
  return { required, preferred };
}
