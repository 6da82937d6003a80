// Types of core-wasm/abi-gen.mjs for the TypeScript that imports it (the ABI tests).

export interface AbiConstant {
  name: string;
  value: number;
  why: string;
  type: string;
  text?: string;
}
export interface AbiDefinition {
  GROUPS: { title: string; doc: string; core?: boolean; entries: AbiConstant[] }[];
  ENUMS: { name: string; doc: string; core?: boolean; members: [string, number, string, string][] }[];
  LAYOUT: { name: string; kind: 'count' | 'table'; why: string }[];
}

/** Generated files, relative to core-wasm/. */
export const ABI_FILES: string[];
/** Throws on a definition error (a name twice, a value its text contradicts, a repeated enum value, a bad layout field). */
export function validate(definition?: AbiDefinition): void;
/** Every generated file's text, by path relative to core-wasm/. */
export function renderAbi(): Record<string, string>;
/** Writes the generated files that changed; returns their paths relative to core-wasm/. */
export function writeAbi(): string[];
