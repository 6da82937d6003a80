// The flags of the commands that read a cluster from manifests to report on it (`placer capacity`,
// `placer failover`): the output format, and how the files' cluster is placed first — the
// strategy, the VM CPU conversion and the engine.

import { type Command, Option } from 'commander';
import { STRATEGIES } from '../manifests/policy.js';

/** Adds -o, --strategy, --cpu-mhz-per-core and --engine to `c`. */
export function clusterReportOptions(c: Command): Command {
  return c
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
    .addOption(
      new Option('--strategy <name>', 'scoring strategy for the cluster read from files').choices(STRATEGIES).default('LeastAllocated'),
    )
    .option('--cpu-mhz-per-core <mhz>', 'host core frequency, to convert VM CPU reservations given in MHz', (v: string) => Number(v), 2000)
    .addOption(new Option('--engine <backend>', 'placement engine').choices(['wasm', 'wasm-scalar', 'reference']).default('wasm'));
}
