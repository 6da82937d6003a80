// The Wasm boundary: the layout table the compiled core reports is the one TypeScript reads, for
// every build; a disagreement is caught (checkLayout); the generated sources are what
// core-wasm/abi.mjs renders now; and a definition error fails the generator.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ABI_FILES, type AbiDefinition, renderAbi, validate } from '../../core-wasm/abi-gen.mjs';
import { ENUMS, GROUPS, LAYOUT } from '../../core-wasm/abi.mjs';
import { LAYOUT_FIELDS } from '../../core-wasm/src/abi.js';
import { type WasmVariant, checkLayout, instantiateCore, reportedLayout } from '../../core-wasm/src/wasm/module.js';

const coreWasm = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'core-wasm');

describe('wasm ABI', () => {
  it.each<WasmVariant>(['simd', 'scalar', 'debug'])('the %s build reports the layout TypeScript reads', (variant) => {
    const x = instantiateCore(variant);
    expect(reportedLayout(x)).toEqual([...LAYOUT_FIELDS]);
    expect(() => checkLayout(reportedLayout(x))).not.toThrow();
  });

  it('a module whose layout disagrees is refused, naming the first differing field', () => {
    const fields = [...LAYOUT_FIELDS];
    const swapped = [...fields];
    [swapped[3], swapped[4]] = [swapped[4], swapped[3]];
    expect(() => checkLayout(swapped)).toThrow(/layout field 3 is nzUsedF in the module but freeF/);
    expect(() => checkLayout(fields.slice(0, -1))).toThrow(/layout field 65 is missing in the module but clsItem/);
    expect(() => checkLayout([...fields, 'extra'])).toThrow(/layout field 66 is extra in the module but missing/);
    expect(() => checkLayout([])).toThrow(/layout field 0 is missing/);
    expect(() => checkLayout(fields)).not.toThrow();
  });

  it('the generated sources are what core-wasm/abi.mjs renders now', () => {
    const rendered = renderAbi();
    expect(Object.keys(rendered).sort()).toEqual([...ABI_FILES].sort());
    for (const file of ABI_FILES) expect(readFileSync(join(coreWasm, file), 'utf8'), file).toBe(rendered[file]);
  });

  it('the definition is checked: repeated names, values against their text, repeated enum values, layout fields', () => {
    const def: AbiDefinition = { GROUPS, ENUMS, LAYOUT };
    expect(() => validate(def)).not.toThrow();
    const group = GROUPS[0];
    const dup = { ...def, GROUPS: [{ ...group, entries: [...group.entries, group.entries[0]] }, ...GROUPS.slice(1)] };
    expect(() => validate(dup)).toThrow(/DIM_CPU is defined twice/);
    const wrong = { ...def, GROUPS: [{ ...group, entries: [{ ...group.entries[0], value: 1, text: '1 << 1' }] }] };
    expect(() => validate(wrong)).toThrow(/DIM_CPU is 1, not 1 << 1/);
    const [strategy] = ENUMS;
    const same = { ...def, ENUMS: [{ ...strategy, members: [strategy.members[0], [...strategy.members[1].slice(0, 1), 0, 'X', '']] }] };
    expect(() => validate(same as AbiDefinition)).toThrow(/repeats the value 0/);
    expect(() => validate({ ...def, LAYOUT: [...LAYOUT, LAYOUT[0]] })).toThrow(/hostCap is listed twice/);
  });
});
