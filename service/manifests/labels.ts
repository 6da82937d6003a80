// Label keys, label values, namespace names and metav1.LabelSelector, validated with apimachinery's
// own messages (k8s.io/apimachinery/pkg/api/validate/content: IsLabelKey, IsLabelValue,
// IsDNS1123Label; pkg/apis/meta/v1/validation: ValidateLabelSelector), plus selector matching.
// Where apimachinery returns several messages, the first one is reported.

import type { LabelSelector, NodeSelectorRequirement } from '../../model/types.js';
import type { Field } from './fields.js';

/** content.RegexError: `msg (e.g. 'a',  or 'b', regex used for validation is 're')`. */
function regexError(msg: string, re: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${re}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${re}')`;
}

const EMPTY = 'must be non-empty';
const maxLen = (n: number): string => `must be no more than ${n} bytes`;
const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');

const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_KEY_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_KEY_RE = new RegExp(`^${LABEL_KEY_FMT}$`);
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`;
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_RE = new RegExp(`^${LABEL_VALUE_FMT}$`);
const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_LABEL_RE = new RegExp(`^${DNS1123_LABEL_FMT}$`);
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_RE = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`);

export function dns1123SubdomainErrors(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 253) errs.push(maxLen(253));
  if (!DNS1123_SUBDOMAIN_RE.test(v)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN_FMT, 'example.com'));
  return errs;
}

/** IsDNS1123Label: namespace names (ValidateNamespaceName). */
export function dns1123LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 63) errs.push(maxLen(63));
  if (!DNS1123_LABEL_RE.test(v)) {
    errs.push(
      DNS1123_SUBDOMAIN_RE.test(v) ? 'must not contain dots' : regexError(DNS1123_LABEL_MSG, DNS1123_LABEL_FMT, 'my-name', '123-abc'),
    );
  }
  return errs;
}

/** IsLabelKey (IsQualifiedName): `[prefix/]name`. */
export function labelKeyErrors(key: string): string[] {
  const errs: string[] = [];
  const parts = key.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const prefix = parts[0]!;
    name = parts[1]!;
    if (prefix.length === 0) errs.push(`prefix part ${EMPTY}`);
    else errs.push(...dns1123SubdomainErrors(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push(`name part ${EMPTY}`);
  else if (byteLength(name) > 63) errs.push(`name part ${maxLen(63)}`);
  if (!LABEL_KEY_RE.test(name)) errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** IsLabelValue. */
export function labelValueErrors(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 63) errs.push(maxLen(63));
  if (!LABEL_VALUE_RE.test(v)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** ValidateLabelName: `f` holds a label key (a topologyKey, a matchLabelKeys entry). */
export function checkLabelKey(f: Field, key: string): void {
  const [msg] = labelKeyErrors(key);
  if (msg !== undefined) f.invalid(msg, key);
}

type SelectorOp = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/**
 * A metav1.LabelSelector (ValidateLabelSelector, label values checked as on create): null when
 * the field is absent. For matchLabels Kubernetes reports key and value errors at
 * `...matchLabels` itself, not at the key.
 */
export function readLabelSelector(f: Field): LabelSelector | null {
  if (!f.isSet) return null;
  f.entries(); // must be an object
  const mlField = f.at('matchLabels');
  const matchLabels = new Map<string, string>();
  for (const [k, vf] of mlField.entries()) {
    const v = vf.optString() ?? '';
    const [keyMsg] = labelKeyErrors(k);
    if (keyMsg !== undefined) mlField.invalid(keyMsg, k);
    const [valueMsg] = labelValueErrors(v);
    if (valueMsg !== undefined) mlField.invalid(valueMsg, v);
    matchLabels.set(k, v);
  }
  const matchExpressions = f
    .at('matchExpressions')
    .items()
    .map((e) => {
      const keyField = e.at('key');
      const key = keyField.optString() ?? '';
      const opField = e.at('operator');
      const op = opField.optString() ?? '';
      const valuesField = e.at('values');
      const values = valuesField.stringList();
      if (!checkSetOperatorValues(op, values, valuesField)) opField.invalid('not a valid selector operator', op);
      checkLabelKey(keyField, key);
      valuesField.items().forEach((vf, i) => {
        const [msg] = labelValueErrors(values[i]!);
        if (msg !== undefined) vf.invalid(msg, values[i]);
      });
      return { key, operator: op as SelectorOp, values };
    });
  return { matchLabels, matchExpressions };
}

/** A deep copy, so that merging label keys into one template's selector leaves others alone. */
export const cloneSelector = (sel: LabelSelector): LabelSelector => ({
  matchLabels: new Map(sel.matchLabels),
  matchExpressions: sel.matchExpressions.map((e) => ({ ...e, values: [...e.values] })),
});

/**
 * A label selector in kubectl's `-l` syntax (apimachinery labels.Parse): requirements separated
 * by commas, all of which must hold — `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`,
 * `!k`, `k>n`, `k<n`. Throws an Error naming the bad requirement.
 */
export function parseSelectorString(text: string): NodeSelectorRequirement[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  if (text.trim() === '') throw new Error('the selector is empty: give at least one requirement, e.g. topology.kubernetes.io/zone=zone-a');
  return parts.map((raw) => parseRequirement(raw.trim(), text));
}

function parseRequirement(r: string, whole: string): NodeSelectorRequirement {
  const fail = (why: string): never => {
    throw new Error(`unable to parse requirement ${JSON.stringify(r)} of selector ${JSON.stringify(whole)}: ${why}`);
  };
  const key = (k: string): string => {
    const [msg] = labelKeyErrors(k);
    if (msg !== undefined) fail(`key ${JSON.stringify(k)}: ${msg}`);
    return k;
  };
  const value = (v: string): string => {
    const [msg] = labelValueErrors(v);
    if (msg !== undefined) fail(`value ${JSON.stringify(v)}: ${msg}`);
    return v;
  };
  if (r === '') fail('empty requirement');
  if (r.startsWith('!')) return { key: key(r.slice(1).trim()), operator: 'DoesNotExist', values: [] };
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(r);
  if (set) {
    const values = set[3].split(',').map((v) => value(v.trim()));
    return { key: key(set[1]), operator: set[2] === 'in' ? 'In' : 'NotIn', values };
  }
  const cmp = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(r);
  if (cmp) {
    const [, k, op, v] = cmp;
    if (op === '>' || op === '<') {
      if (!/^-?\d+$/.test(v)) fail(`${op} needs an integer, got ${JSON.stringify(v)}`);
      return { key: key(k), operator: op === '>' ? 'Gt' : 'Lt', values: [v] };
    }
    return { key: key(k), operator: op === '!=' ? 'NotIn' : 'In', values: [value(v)] };
  }
  if (/\s/.test(r)) fail("expected 'key', '!key', 'key=value', 'key!=value', 'key in (a,b)' or 'key notin (a,b)'");
  return { key: key(r), operator: 'Exists', values: [] };
}

/**
 * The values rule of the set operators, the same for label selectors and node selector
 * requirements in the API server's validation: In and NotIn need values, Exists and DoesNotExist
 * forbid them. false for any other operator (the caller's to judge).
 */
export function checkSetOperatorValues(op: string, values: readonly string[], valuesField: Field): boolean {
  switch (op) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) valuesField.required("must be specified when `operator` is 'In' or 'NotIn'");
      return true;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) valuesField.fail("Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
      return true;
    default:
      return false;
  }
}
