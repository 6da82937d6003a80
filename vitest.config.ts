import { defineConfig } from 'vitest/config';

// Two groups: everything else first, two files at a time (vitest's default is one fewer than the
// cores: one on a two-core CI machine); then the tests against a real control plane (test/realk8s:
// etcd, kube-apiserver, kube-scheduler processes), one file at a time, so that their timings are
// measured on a machine no other test file is loading.
export default defineConfig({
  test: {
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'placer', include: ['test/**/*.test.ts'], exclude: ['test/realk8s/**'], sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'realk8s',
          include: ['test/realk8s/**/*.test.ts'],
          fileParallelism: false,
          testTimeout: 240_000,
          hookTimeout: 120_000,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
