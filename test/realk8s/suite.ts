// describe() for the tests that need the real control plane: they run when its binaries are found
// (binaries.ts) and are skipped otherwise, saying why — in the test's title and on stderr — so
// that `npm test` passes on a machine without them and nobody mistakes a skip for a pass. With
// PLACER_REQUIRE_K8S=1 (CI) a missing control plane fails instead.

import { spawnSync } from 'node:child_process';
import { describe, it } from 'vitest';
import { findBinaries, type Binaries } from './binaries.js';

const found = await findBinaries();
const openssl = spawnSync('openssl', ['version']).status === 0;

export function describeReal(title: string, fn: (bins: Binaries) => void, needs: { scheduler?: boolean } = {}): void {
  const why =
    typeof found === 'string'
      ? found
      : !openssl
        ? 'openssl is not installed (the tests make the control plane certificates with it)'
        : needs.scheduler && !found.scheduler
          ? `no kube-scheduler beside ${found.origin}`
          : undefined;
  if (why !== undefined || typeof found === 'string') {
    // CI must not pass by skipping: it sets PLACER_REQUIRE_K8S=1 (.ci/run)
    if (process.env.PLACER_REQUIRE_K8S === '1') {
      describe(title, () =>
        it('needs the real control plane (PLACER_REQUIRE_K8S=1)', () => {
          throw new Error(String(why));
        }),
      );
      return;
    }
    process.stderr.write(`placer: real-control-plane tests "${title}" skipped: ${why}\n`);
    describe(title, () => it.skip(`skipped — ${why}`, () => {}));
    return;
  }
  describe(title, () => fn(found));
}
