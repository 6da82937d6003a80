// Kubernetes adapters: manifests in, the cluster model (model/types.ts) out.
//
//   const input = await loadClusterInput(['cluster/', 'workloads.yaml'], { cpuMhzPerCore: 2100 });
//   // or, for an HTTP body: resolveInput(parseManifests(parseText(body, 'request body')), opts)
//
// Every bad input throws an InputError (model/errors.ts) naming the file, the document,
// the object and the field path.

import type { ClusterInput } from '../../model/types.js';
import { loadPaths, type LoadOptions } from './load.js';
import { parseManifests } from './parse.js';
import { resolveInput, type ResolveOptions } from './resolve.js';
import { manifestWarnings, type ManifestWarning } from './warnings.js';

export { loadPaths, parseText, listManifestFiles, type Manifest, type LoadOptions } from './load.js';
export { parseManifests, emptyParsedInput } from './parse.js';
export { resolveInput, resolveVirtualMachine, type ResolveOptions } from './resolve.js';
export { manifestWarnings, type ManifestWarning } from './warnings.js';
export {
  parseQuantity,
  milliValue,
  value,
  formatQuantity,
  formatAmount,
  formatAmounts,
  quantityString,
  resourceAmount,
  QuantityError,
  type Quantity,
  type QuantityFormat,
} from '../../model/quantity.js';

/** Read, parse and resolve in one call (the CLI's path). */
export async function loadClusterInput(paths: readonly string[], opts: ResolveOptions & LoadOptions): Promise<ClusterInput> {
  return resolveInput(parseManifests(await loadPaths(paths, opts)), opts);
}

/** loadClusterInput, with the warnings about what was read and not used (warnings.ts). */
export async function readCluster(
  paths: readonly string[],
  opts: ResolveOptions & LoadOptions,
): Promise<{ input: ClusterInput; warnings: ManifestWarning[] }> {
  const manifests = await loadPaths(paths, opts);
  const parsed = parseManifests(manifests);
  return { input: resolveInput(parsed, opts), warnings: manifestWarnings(manifests, parsed.ignored) };
}
