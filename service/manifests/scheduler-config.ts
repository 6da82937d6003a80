// A KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1, the file kube-scheduler's
// --config reads) → placer's score profile: the default-scheduler profile's
// `plugins.score.enabled/disabled` with weights and `pluginConfig`'s NodeResourcesFitArgs
// scoringStrategy. What placer scores with a fixed weight (kube's default) must keep that
// weight; what it cannot honour is an error naming the file and the field path, never ignored.
//
//   NodeResourcesFit                  weight 1; scoringStrategy: type, resources, shape
//   NodeResourcesBalancedAllocation   weight 0..10 (disabled: 0); resources cpu and memory
//   NodeAffinity 2, TaintToleration 3, InterPodAffinity 2, PodTopologySpread 2: those weights
//   ImageLocality                     enabled (weight > 0) or not: placer does not score images;
//                                     while it is on, the extender lets placer choose a node only
//                                     where it gives every passing node 0 (state/node-images.ts)
//   VolumeBinding                     accepted as written: placer sees no volumes, so it scores
//                                     every node alike and changes no choice

import { InputError } from '../../model/errors.js';
import type { SourceRef, Strategy } from '../../model/types.js';
import { isPlainObject, NumberLiteral } from './fields.js';
import { parseText } from './load.js';

/** The score profile a configuration gives, in the Engine's options. */
export interface ScoreProfile {
  strategy: Strategy;
  scoring?: { resource: string; weight: number }[];
  shape?: { utilization: number; score: number }[];
  balancedWeight: number;
  /** ImageLocality scores (enabled with a weight above 0): kube-scheduler's default profile does. */
  imageLocality: boolean;
}

const GROUP = 'kubescheduler.config.k8s.io';
const FIXED: Readonly<Record<string, number>> = {
  NodeResourcesFit: 1,
  NodeAffinity: 2,
  TaintToleration: 3,
  InterPodAffinity: 2,
  PodTopologySpread: 2,
};
const IMAGE_LOCALITY = 'ImageLocality';
const ALIKE = new Set([IMAGE_LOCALITY, 'VolumeBinding']);
const BALANCED = 'NodeResourcesBalancedAllocation';
const MAX_BALANCED_WEIGHT = 10;
const STRATEGIES: readonly Strategy[] = ['LeastAllocated', 'MostAllocated', 'RequestedToCapacityRatio'];

/** Read the file's KubeSchedulerConfiguration; throws InputError naming file and field. */
export function readSchedulerConfig(text: string, file: string): ScoreProfile {
  const docs = parseText(text, file);
  const m = docs.find((d) => d.kind === 'KubeSchedulerConfiguration');
  if (!m) throw new InputError({ file, doc: 0, path: '' }, 'kind', 'no KubeSchedulerConfiguration in the file');
  const src: SourceRef = m.source;
  const fail = (field: string, detail: string): never => {
    throw new InputError(src, field, detail, 'KubeSchedulerConfiguration');
  };
  if (m.apiVersion !== `${GROUP}/v1`) fail('apiVersion', `${JSON.stringify(m.apiVersion)}: placer reads ${GROUP}/v1`);
  const profiles = m.obj.profiles ?? [];
  if (!Array.isArray(profiles)) return fail('profiles', 'must be a list');
  const at = profiles.findIndex((p) => isPlainObject(p) && (p.schedulerName ?? 'default-scheduler') === 'default-scheduler');
  const profile: Record<string, unknown> = at < 0 ? {} : (profiles[at] as Record<string, unknown>);
  if (at < 0 && profiles.length > 0) fail('profiles', 'no profile of schedulerName default-scheduler, the one placer follows');
  const base = `profiles[${Math.max(at, 0)}]`;
  const out: ScoreProfile = { strategy: 'LeastAllocated', balancedWeight: 1, imageLocality: true };
  readScorePlugins(profile.plugins, `${base}.plugins`, out, fail);
  readPluginConfig(profile.pluginConfig, `${base}.pluginConfig`, out, fail);
  return out;
}

type Fail = (field: string, detail: string) => never;

/** An integer as the manifest reader gives it (a YAML number keeps its text); undefined when it is none. */
function int(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (v instanceof NumberLiteral) return int(v.source);
  return typeof v === 'string' && /^[+-]?\d+$/.test(v) ? Number(v) : undefined;
}

function readScorePlugins(plugins: unknown, path: string, out: ScoreProfile, fail: Fail): void {
  if (plugins === undefined) return;
  if (!isPlainObject(plugins)) return fail(path, 'must be an object');
  const score = plugins.score;
  if (score === undefined) return;
  if (!isPlainObject(score)) return fail(`${path}.score`, 'must be an object');
  const list = (key: 'enabled' | 'disabled'): Record<string, unknown>[] => {
    const v = score[key] ?? [];
    if (!Array.isArray(v)) return fail(`${path}.score.${key}`, 'must be a list');
    return v.map((p, i) => (isPlainObject(p) && typeof p.name === 'string' ? p : fail(`${path}.score.${key}[${i}].name`, 'required')));
  };
  let star = -1;
  list('disabled').forEach((p, i) => {
    const field = `${path}.score.disabled[${i}].name`;
    if (p.name === BALANCED) out.balancedWeight = 0;
    else if (p.name === IMAGE_LOCALITY) out.imageLocality = false;
    else if (p.name === '*') {
      star = i;
      out.balancedWeight = 0;
      out.imageLocality = false;
    } else if (!ALIKE.has(String(p.name)))
      fail(field, `placer cannot disable ${String(p.name)}: it scores it with kube-scheduler's default weight`);
  });
  list('enabled').forEach((p, i) => {
    const field = `${path}.score.enabled[${i}]`;
    const name = String(p.name);
    const weight = p.weight === undefined ? undefined : int(p.weight);
    if (p.weight !== undefined && (weight === undefined || weight < 0)) fail(`${field}.weight`, 'must be a non-negative integer');
    if (name === BALANCED) {
      const w = weight ?? 1;
      if (w > MAX_BALANCED_WEIGHT) fail(`${field}.weight`, `${w}: placer scores ${BALANCED} with a weight of 0..${MAX_BALANCED_WEIGHT}`);
      out.balancedWeight = w;
    } else if (name === IMAGE_LOCALITY) {
      out.imageLocality = (weight ?? 1) > 0;
    } else if (name in FIXED) {
      if (weight !== undefined && weight !== FIXED[name])
        fail(`${field}.weight`, `${String(weight)}: placer scores ${name} with kube-scheduler's default weight ${FIXED[name]} only`);
    } else if (!ALIKE.has(name)) fail(`${field}.name`, `${JSON.stringify(name)}: not a score plugin placer runs`);
  });
  if (star >= 0) {
    const enabled = new Set(list('enabled').map((p) => p.name));
    const missing = Object.keys(FIXED).filter((n) => !enabled.has(n));
    if (missing.length > 0)
      fail(`${path}.score.disabled[${star}].name`, `"*" disables ${missing.join(', ')}, which placer always scores: enable them again`);
  }
}

function readPluginConfig(config: unknown, path: string, out: ScoreProfile, fail: Fail): void {
  if (config === undefined) return;
  if (!Array.isArray(config)) return fail(path, 'must be a list');
  config.forEach((c, i) => {
    const field = `${path}[${i}]`;
    if (!isPlainObject(c) || typeof c.name !== 'string') return fail(`${field}.name`, 'required');
    const args = c.args ?? {};
    if (!isPlainObject(args)) return fail(`${field}.args`, 'must be an object');
    if (c.name === 'NodeResourcesFit') readFitArgs(args, `${field}.args`, out, fail);
    else if (c.name === BALANCED && args.resources !== undefined) {
      const names = Array.isArray(args.resources) ? args.resources.map((r) => (isPlainObject(r) ? r.name : undefined)) : [];
      if (names.length !== 2 || !names.includes('cpu') || !names.includes('memory'))
        fail(`${field}.args.resources`, `placer scores ${BALANCED} over cpu and memory only`);
    }
  });
}

function readFitArgs(args: Record<string, unknown>, path: string, out: ScoreProfile, fail: Fail): void {
  const s = args.scoringStrategy;
  if (s === undefined) return;
  if (!isPlainObject(s)) return fail(`${path}.scoringStrategy`, 'must be an object');
  const type = s.type ?? 'LeastAllocated';
  if (typeof type !== 'string' || !STRATEGIES.includes(type as Strategy))
    fail(`${path}.scoringStrategy.type`, `${JSON.stringify(type)}: must be one of ${STRATEGIES.join(', ')}`);
  out.strategy = type as Strategy;
  if (s.resources !== undefined) {
    if (!Array.isArray(s.resources) || s.resources.length === 0)
      return fail(`${path}.scoringStrategy.resources`, 'must be a non-empty list');
    out.scoring = s.resources.map((r, i) => {
      const at = `${path}.scoringStrategy.resources[${i}]`;
      if (!isPlainObject(r) || typeof r.name !== 'string' || r.name === '') return fail(`${at}.name`, 'required');
      const w = r.weight === undefined ? 1 : int(r.weight);
      if (w === undefined || w < 1 || w > 100) return fail(`${at}.weight`, 'must be an integer 1..100');
      return { resource: r.name, weight: w };
    });
  }
  const shape = isPlainObject(s.requestedToCapacityRatio) ? s.requestedToCapacityRatio.shape : undefined;
  if (shape !== undefined) {
    const at = `${path}.scoringStrategy.requestedToCapacityRatio.shape`;
    if (!Array.isArray(shape) || shape.length === 0) return fail(at, 'must be a non-empty list');
    let last = -1;
    out.shape = shape.map((p, i) => {
      const u = isPlainObject(p) ? int(p.utilization) : undefined;
      const sc = isPlainObject(p) ? int(p.score) : undefined;
      if (u === undefined || u < 0 || u > 100) return fail(`${at}[${i}].utilization`, 'must be an integer 0..100');
      if (sc === undefined || sc < 0 || sc > 10) return fail(`${at}[${i}].score`, 'must be an integer 0..10');
      if (u <= last) return fail(`${at}[${i}].utilization`, 'utilizations must be strictly increasing');
      last = u;
      return { utilization: u, score: sc };
    });
  }
}
