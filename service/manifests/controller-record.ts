// A pod controller (Deployment, ReplicaSet, StatefulSet, Job) read into a ControllerRecord: its
// pod template's shape and constraints, its replicas (a Job's parallelism, completions and
// progress), its owner, and the canonical JSON of its template that Deployments and their
// ReplicaSets are matched and hashed by. Checked as the API server validates them: a selector
// that matches the template's labels, an allowed restartPolicy. controllers.ts expands the
// records into pods; ownership.ts finds the record a pod belongs to.

import { selectorMatches } from '../../model/selectors.js';
import type { Field } from './fields.js';
import { readLabelSelector } from './labels.js';
import { controllerOf, type ObjectReader, type OwnerRef } from './meta.js';
import { canonicalJson } from './names.js';
import { readPodShapeAndConstraints, type PodConstraints, type PodShape } from './pod.js';

/** The label a Deployment gives its ReplicaSets and their pods: the hash of the pod template. */
export const POD_TEMPLATE_HASH = 'pod-template-hash';

export type ControllerKind = 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'Job';

export interface JobSpec {
  parallelism: number;
  completions: number | undefined;
  indexed: boolean;
  /** Suspended or finished (Complete / Failed): creates no pods. */
  inactive: boolean;
  statusSucceeded: number;
  completedIndexes: Set<number>;
}

export interface ControllerRecord {
  reader: ObjectReader;
  kind: ControllerKind;
  namespace: string;
  name: string;
  uid?: string;
  owner?: OwnerRef;
  /** Shape of spec.template (its labels are the template's). */
  shape: PodShape;
  /** The template's label-dependent terms as written, merged again with the labels the controller adds. */
  constraints: PodConstraints;
  /** Canonical JSON of spec.template without the pod-template-hash label: hashing and RS matching. */
  templateJson: string;
  replicas: number;
  collisionCount?: number;
  ordinalsStart: number;
  job?: JobSpec;
  order: number;
}

function checkSelector(r: ObjectReader, templateLabels: Map<string, string>): void {
  const sel = r.root.get('spec.selector');
  if (!sel.isSet) sel.required();
  if (sel.at('matchLabels').entries().length === 0 && sel.at('matchExpressions').items().length === 0) {
    sel.invalid(`empty selector is invalid for ${r.kind === 'StatefulSet' ? 'statefulset' : r.kind.toLowerCase()}`);
  }
  if (!selectorMatches(readLabelSelector(sel), templateLabels)) {
    const shown = JSON.stringify(Object.fromEntries(templateLabels));
    r.root.get('spec.template.metadata.labels').fail(`Invalid value: ${shown}: \`selector\` does not match template \`labels\``);
  }
}

function checkRestartPolicy(f: Field, allowed: readonly string[], requiredIfMissing: boolean): void {
  const v = f.optString();
  if (v === undefined || v === '') {
    if (requiredIfMissing) f.required(`valid values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
    return;
  }
  if (!allowed.includes(v)) f.unsupported(allowed);
}

function readJobSpec(r: ObjectReader): JobSpec {
  const spec = r.root.at('spec');
  const completionsField = spec.at('completions');
  let completions = completionsField.optInt(0);
  let parallelism = spec.at('parallelism').optInt(0);
  if (completions === undefined && parallelism === undefined) completions = parallelism = 1; // a non-parallel Job
  parallelism ??= 1;
  const mode = spec.at('completionMode').optEnum(['NonIndexed', 'Indexed'] as const) ?? 'NonIndexed';
  if (mode === 'Indexed' && completions === undefined) completionsField.required('when completion mode is Indexed');
  const status = r.root.at('status');
  const finished = status
    .at('conditions')
    .items()
    .some((c) => ['Complete', 'Failed'].includes(c.at('type').optString() ?? '') && c.at('status').optString() === 'True');
  return {
    parallelism,
    completions,
    indexed: mode === 'Indexed',
    inactive: spec.at('suspend').bool(false) || finished,
    statusSucceeded: status.at('succeeded').optInt(0) ?? 0,
    completedIndexes: parseIndexes(status.at('completedIndexes').optString() ?? ''),
  };
}

/** Job status.completedIndexes: "1,3-5,7". */
export function parseIndexes(s: string): Set<number> {
  const out = new Set<number>();
  for (const part of s.split(',')) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

export function readController(r: ObjectReader, order: number): ControllerRecord {
  const kind = r.kind as ControllerKind;
  const spec = r.root.at('spec');
  const template = spec.at('template');
  const templateLabels = template.get('metadata.labels').stringMap();
  const podSpec = template.at('spec');
  if (kind === 'Job') checkRestartPolicy(podSpec.at('restartPolicy'), ['OnFailure', 'Never'], true);
  else {
    checkSelector(r, templateLabels);
    checkRestartPolicy(podSpec.at('restartPolicy'), ['Always'], false);
  }
  const { shape, constraints } = readPodShapeAndConstraints(podSpec, templateLabels);
  const rawTemplate = withoutHashLabel(template.value);
  const owner = controllerOf(r.meta);
  return {
    reader: r,
    kind,
    namespace: r.meta.namespace!,
    name: r.meta.name,
    ...(r.meta.uid !== undefined && { uid: r.meta.uid }),
    ...(owner !== undefined && { owner }),
    shape,
    constraints,
    templateJson: canonicalJson(rawTemplate),
    replicas: kind === 'Job' ? 0 : spec.at('replicas').int(1, 0),
    ...(kind === 'Deployment' &&
      r.root.get('status.collisionCount').isSet && { collisionCount: r.root.get('status.collisionCount').optInt(0)! }),
    ordinalsStart: kind === 'StatefulSet' ? spec.get('ordinals.start').int(0, 0) : 0,
    ...(kind === 'Job' && { job: readJobSpec(r) }),
    order,
  };
}

/** spec.template without the pod-template-hash label, the part a Deployment and its ReplicaSet share. */
function withoutHashLabel(t: unknown): unknown {
  if (typeof t !== 'object' || t === null) return t;
  const tpl = { ...(t as Record<string, unknown>) };
  const md = tpl.metadata;
  if (typeof md === 'object' && md !== null) {
    const labels = (md as Record<string, unknown>).labels;
    if (typeof labels === 'object' && labels !== null && POD_TEMPLATE_HASH in labels) {
      const { [POD_TEMPLATE_HASH]: _drop, ...rest } = labels as Record<string, unknown>;
      tpl.metadata = { ...(md as Record<string, unknown>), labels: rest };
    }
  }
  return tpl;
}
