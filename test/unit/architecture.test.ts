// The architecture check (scripts/architecture.ts): the tree keeps it, and it fails a tree that
// imports upward or in a cycle — type-only imports included.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkArchitecture } from '../../scripts/architecture.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('architecture', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  function tree(files: Record<string, string>): string {
    dir = mkdtempSync(join(tmpdir(), 'placer-arch-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  }

  it('the repository keeps its layers and has no import cycle', () => {
    expect(checkArchitecture(ROOT).map((v) => v.message)).toEqual([]);
  });

  it('fails an upward import and a cycle of type-only imports', () => {
    const root = tree({
      'model/types.ts': "import type { Engine } from '../core-wasm/src/engine.js';\nexport type E = Engine;\n",
      'core-wasm/src/engine.ts': "import type { E } from '../../model/types.js';\nexport class Engine {}\nexport type X = E;\n",
      'service/manifests/controllers.ts': "import type { O } from './ownership.js';\nexport type C = O;\n",
      'service/manifests/ownership.ts': "import type { C } from './controllers.js';\nexport type O = C | null;\n",
      'service/cli/main.ts': "import { Engine } from '../../core-wasm/src/engine.js';\nnew Engine();\n",
    });
    const found = checkArchitecture(root);
    expect(found.map((v) => v.kind).sort()).toEqual(['cycle', 'cycle', 'layer']);
    expect(found.find((v) => v.kind === 'layer')!.message).toMatch(
      /^model\/types\.ts \(model: .*\) imports core-wasm\/src\/engine\.ts \(engine\); model may import nothing$/,
    );
    const cycles = found.filter((v) => v.kind === 'cycle').map((v) => v.message);
    // model → engine → model is a cycle as well as an upward import; the CLI importing the engine is neither.
    expect(cycles).toContain('import cycle: core-wasm/src/engine.ts → model/types.ts → core-wasm/src/engine.ts');
    expect(cycles).toContain(
      'import cycle: service/manifests/controllers.ts → service/manifests/ownership.ts → service/manifests/controllers.ts',
    );
  });

  it('accepts inward imports, and files outside the layers', () => {
    const root = tree({
      'model/types.ts': 'export type T = number;\n',
      'core-wasm/src/engine.ts': "import type { T } from '../../model/types.js';\nexport const t: T = 1;\n",
      'service/cli/main.ts': "import { t } from '../../core-wasm/src/engine.js';\nexport const u = t;\n",
      'test/any.test.ts': "import { u } from '../service/cli/main.js';\nexport const v = u;\n",
    });
    expect(checkArchitecture(root)).toEqual([]);
  });
});
