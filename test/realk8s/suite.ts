// describe() for the tests that need the real control plane: they run when its binaries are found
// (binaries.ts) and are skipped otherwise, saying why — in the test's title and on stderr — so
// that `npm test` passes on a machine without them and nobody mistakes a skip for a pass.

import { describe, it } from 'vitest';
import { findBinaries, type Binaries } from './binaries.js';

const found = await findBinaries();

export function describeReal(title: string, fn: (bins: Binaries) => void, needs: { scheduler?: boolean } = {}): void {
  const why =
    typeof found === 'string' ? found : needs.scheduler && !found.scheduler ? `no kube-scheduler beside ${found.origin}` : undefined;
  if (why !== undefined || typeof found === 'string') {
    process.stderr.write(`placer: real-control-plane tests "${title}" skipped: ${why}\n`);
    describe(title, () => it.skip(`skipped — ${why}`, () => {}));
    return;
  }
  describe(title, () => fn(found));
}
