// The extender benchmark's "default share" row sends as many NodeNames as kube-scheduler would
// with the default percentageOfNodesToScore. Examples from pkg/scheduler/schedule_one.go's
// numFeasibleNodesToFind (adaptive percentage 50 − n/125, at least 5%, at least 100 nodes).
import { describe, expect, it } from 'vitest';
import { numFeasibleNodesToFind } from '../../bench/suites/extender.js';

describe('numFeasibleNodesToFind (default percentageOfNodesToScore)', () => {
  it.each([
    [99, 99], // below 100 nodes: all
    [150, 100], // 150·49/100 = 73 → at least 100
    [500, 230], // 50 − 4 = 46% → 230
    [1000, 420], // 50 − 8 = 42%
    [2000, 680], // 50 − 16 = 34%
    [5000, 500], // 50 − 40 = 10%
    [5625, 281], // 50 − 45 = 5% → 281
    [10000, 500], // 50 − 80 < 5 → 5%
  ])('%i nodes → %i', (n, want) => {
    expect(numFeasibleNodesToFind(n)).toBe(want);
  });
});
