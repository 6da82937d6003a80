// A KubeSchedulerConfiguration as placer's score profile (service/manifests/scheduler-config.ts):
// what kube-scheduler's --config file says about scoring, read the way kube-scheduler reads it,
// and every setting placer cannot honour an error naming the file and the field path.

import { describe, expect, it } from 'vitest';
import { readSchedulerConfig } from '../../../service/manifests/scheduler-config.js';

const config = (profile: string): string => `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
profiles:
- schedulerName: default-scheduler
${profile}`;

describe('readSchedulerConfig', () => {
  it("no profile: kube-scheduler's default (LeastAllocated, BalancedAllocation weight 1)", () => {
    expect(readSchedulerConfig('apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n', 'ks.yaml')).toEqual({
      strategy: 'LeastAllocated',
      balancedWeight: 1,
      imageLocality: true,
    });
  });

  it.each([
    ['on by default', '  plugins: {}', true],
    ['disabled by name', '  plugins:\n    score:\n      disabled: [{name: ImageLocality}]', false],
    [
      'disabled with "*", the others enabled again',
      '  plugins:\n    score:\n      disabled: [{name: "*"}]\n      enabled: [{name: NodeResourcesFit}, {name: NodeAffinity}, {name: TaintToleration}, {name: InterPodAffinity}, {name: PodTopologySpread}]',
      false,
    ],
    [
      'disabled with "*", then enabled again',
      '  plugins:\n    score:\n      disabled: [{name: "*"}]\n      enabled: [{name: NodeResourcesFit}, {name: NodeAffinity}, {name: TaintToleration}, {name: InterPodAffinity}, {name: PodTopologySpread}, {name: ImageLocality}]',
      true,
    ],
    ['enabled with weight 0', '  plugins:\n    score:\n      enabled: [{name: ImageLocality, weight: 0}]', false],
    ['enabled with weight 7', '  plugins:\n    score:\n      enabled: [{name: ImageLocality, weight: 7}]', true],
  ])('ImageLocality %s: imageLocality %s', (_what, profile, on) => {
    expect(readSchedulerConfig(config(profile), 'ks.yaml').imageLocality).toBe(on);
  });

  it('plugins.score: BalancedAllocation disabled, or enabled with a weight; the fixed weights restated', () => {
    expect(
      readSchedulerConfig(config('  plugins:\n    score:\n      disabled: [{name: NodeResourcesBalancedAllocation}]'), 'ks.yaml'),
    ).toMatchObject({
      balancedWeight: 0,
    });
    const p = config(
      '  plugins:\n    score:\n      enabled:\n      - {name: NodeResourcesBalancedAllocation, weight: 3}\n      - {name: TaintToleration, weight: 3}\n      - {name: ImageLocality, weight: 7}',
    );
    expect(readSchedulerConfig(p, 'ks.yaml')).toMatchObject({ balancedWeight: 3 });
  });

  it('pluginConfig: NodeResourcesFitArgs scoringStrategy (type, resources, shape)', () => {
    const p = config(`  pluginConfig:
  - name: NodeResourcesFit
    args:
      scoringStrategy:
        type: RequestedToCapacityRatio
        resources: [{name: cpu, weight: 2}, {name: nvidia.com/gpu, weight: 5}]
        requestedToCapacityRatio:
          shape: [{utilization: 0, score: 10}, {utilization: 100, score: 0}]`);
    expect(readSchedulerConfig(p, 'ks.yaml')).toEqual({
      strategy: 'RequestedToCapacityRatio',
      balancedWeight: 1,
      imageLocality: true,
      scoring: [
        { resource: 'cpu', weight: 2 },
        { resource: 'nvidia.com/gpu', weight: 5 },
      ],
      shape: [
        { utilization: 0, score: 10 },
        { utilization: 100, score: 0 },
      ],
    });
  });

  it.each([
    [
      'another weight for a plugin placer weighs as kube does',
      config('  plugins:\n    score:\n      enabled: [{name: NodeAffinity, weight: 5}]'),
      "ks.yaml: document 1 (KubeSchedulerConfiguration): profiles[0].plugins.score.enabled[0].weight: 5: placer scores NodeAffinity with kube-scheduler's default weight 2 only",
    ],
    [
      'a BalancedAllocation weight beyond the score budget',
      config('  plugins:\n    score:\n      enabled: [{name: NodeResourcesBalancedAllocation, weight: 11}]'),
      'ks.yaml: document 1 (KubeSchedulerConfiguration): profiles[0].plugins.score.enabled[0].weight: 11: placer scores NodeResourcesBalancedAllocation with a weight of 0..10',
    ],
    [
      'a score plugin placer does not run',
      config('  plugins:\n    score:\n      enabled: [{name: MyPlugin}]'),
      'ks.yaml: document 1 (KubeSchedulerConfiguration): profiles[0].plugins.score.enabled[0].name: "MyPlugin": not a score plugin placer runs',
    ],
    [
      '"*" disabled without enabling the plugins placer always scores',
      config('  plugins:\n    score:\n      disabled: [{name: "*"}]\n      enabled: [{name: NodeResourcesFit}]'),
      'ks.yaml: document 1 (KubeSchedulerConfiguration): profiles[0].plugins.score.disabled[0].name: "*" disables NodeAffinity, TaintToleration, InterPodAffinity, PodTopologySpread, which placer always scores: enable them again',
    ],
    [
      'an unknown scoring strategy',
      config('  pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: Spread}}'),
      'ks.yaml: document 1 (KubeSchedulerConfiguration): profiles[0].pluginConfig[0].args.scoringStrategy.type: "Spread": must be one of LeastAllocated, MostAllocated, RequestedToCapacityRatio',
    ],
    [
      'a shape that does not increase',
      config(
        '  pluginConfig:\n  - name: NodeResourcesFit\n    args: {scoringStrategy: {type: RequestedToCapacityRatio, requestedToCapacityRatio: {shape: [{utilization: 50, score: 1}, {utilization: 50, score: 2}]}}}',
      ),
      'ks.yaml: document 1 (KubeSchedulerConfiguration): profiles[0].pluginConfig[0].args.scoringStrategy.requestedToCapacityRatio.shape[1].utilization: utilizations must be strictly increasing',
    ],
    [
      'another API version',
      'apiVersion: kubescheduler.config.k8s.io/v1beta2\nkind: KubeSchedulerConfiguration\n',
      'ks.yaml: document 1 (KubeSchedulerConfiguration): apiVersion: "kubescheduler.config.k8s.io/v1beta2": placer reads kubescheduler.config.k8s.io/v1',
    ],
    [
      'no default-scheduler profile',
      'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles: [{schedulerName: other}]\n',
      'ks.yaml: document 1 (KubeSchedulerConfiguration): profiles: no profile of schedulerName default-scheduler, the one placer follows',
    ],
  ])('%s: an error naming file and field', (_, text, message) => {
    expect(() => readSchedulerConfig(text, 'ks.yaml')).toThrow(message);
  });
});
