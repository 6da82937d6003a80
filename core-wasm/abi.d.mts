// Types of core-wasm/abi.mjs, the Wasm boundary's definition (see that file).
import type { AbiDefinition } from './abi-gen.mjs';

export const GROUPS: AbiDefinition['GROUPS'];
export const ENUMS: AbiDefinition['ENUMS'];
export const LAYOUT: AbiDefinition['LAYOUT'];
