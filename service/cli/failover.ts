// `placer failover`: namespace HA over manifests (the cluster as `placer place` leaves it) or
// against a running `placer serve` (--server). Without --fail: the failover report — per
// protected namespace the failures it tolerates now, per host whether its protected workloads
// restart and where, the room held and its cost against vSphere HA's percentage rule. With
// --fail (and/or --fail-zone): the restart plan of exactly those failures. Nothing changes.

import type { Command } from 'commander';
import type { BackendName } from '../../core-wasm/src/engine.js';
import type { Strategy } from '../../model/types.js';
import type { FailoverReportDoc, FailoverSimulationDoc } from '../placement/api-types.js';
import { type FailoverFormat, failoverDoc, failureProblem, printFailover, printSimulation, simulationDoc } from '../placement/failover.js';
import { clusterReportOptions } from './cluster-flags.js';
import { clusterFrom, get, OperationError, post } from './operations.js';

interface FailoverOpts {
  fail?: string;
  failZone?: string;
  server?: string;
  output: FailoverFormat;
  strategy: Strategy;
  cpuMhzPerCore: number;
  engine: BackendName;
  strict: boolean;
}

/** `esx-a01,esx-a02` → the host names, blanks dropped. */
const hostList = (v: string): string[] =>
  v
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '');

/** Exit code 1 when a policy is not kept (the report) or a protected workload cannot restart (--fail), for scripts. */
export function failoverCommand(cmd: Command, setExit: (code: number) => void): void {
  const c = cmd
    .command('failover')
    .description(
      'namespace HA: the failures each protected namespace tolerates now and where its workloads restart (--fail: the restart plan of exactly those failures)',
    )
    .argument('[paths...]', 'manifests of the cluster (files, directories or -), when not using --server')
    .option(
      '--fail <hosts>',
      'simulate the failure of these hosts, comma-separated: every workload on them restarted or listed with its reason',
    )
    .option('--fail-zone <zone>', 'simulate the failure of every host of this zone (topology.kubernetes.io/zone)')
    .option('--server <url>', 'a running placer serve (e.g. http://127.0.0.1:8080): ask it instead of reading files')
    .option('--strict', 'an object of a kind placer does not know is an error', false);
  clusterReportOptions(c).action(async (paths: string[], o: FailoverOpts) => {
    const simulate = o.fail !== undefined || o.failZone !== undefined;
    const hosts = hostList(o.fail ?? '');
    if (o.fail !== undefined && hosts.length === 0) throw new OperationError('--fail: name at least one host');
    if (o.server && paths.length > 0) throw new OperationError('give the manifests of the cluster or --server, not both');
    if (!simulate) {
      const doc = o.server
        ? await get<FailoverReportDoc>(o.server, 'v1/failover')
        : failoverDoc((await clusterFrom(paths, o)).failoverReport());
      process.stdout.write(printFailover(doc, o.output));
      return setExit(doc.namespaces.every((n) => n.kept) ? 0 : 1);
    }
    let doc: FailoverSimulationDoc;
    if (o.server) {
      doc = await post<FailoverSimulationDoc>(o.server, 'v1/failover/simulate', {
        hosts,
        ...(o.failZone !== undefined && { zone: o.failZone }),
      });
    } else {
      const engine = await clusterFrom(paths, o);
      const problem = failureProblem(engine, hosts, o.failZone);
      if (problem)
        throw new OperationError(`${problem.field === 'zone' ? '--fail-zone' : '--fail'}: ${problem.message} in the given manifests`);
      doc = simulationDoc(engine.simulateFailures(hosts, o.failZone), o.failZone);
    }
    process.stdout.write(printSimulation(doc, o.output));
    setExit(doc.absorbed ? 0 : 1);
  });
}
