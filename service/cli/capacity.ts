// `placer capacity`: how many more replicas of a workload fit — over manifests (the cluster as
// `placer place` leaves it) or against a running `placer serve` (--server) — for workload
// manifests (-f) or a shape of requests (--shape cpu=8,memory=32Gi) in one namespace (-n, default
// `default`) or every namespace the cluster knows (-A). Nothing is placed.

import type { Command } from 'commander';
import type { BackendName } from '../../core-wasm/src/engine.js';
import { InputError } from '../../model/errors.js';
import type { Strategy, WorkloadTemplate } from '../../model/types.js';
import { loadPaths, manifestWarnings, parseManifests, resolveInput } from '../manifests/index.js';
import type { CapacityReportDoc } from '../placement/api-types.js';
import { capacityDoc, parseShape, printCapacity, shapeTemplate } from '../placement/capacity.js';
import { runPlacement } from '../placement/placement.js';
import { readInput, writeWarnings } from './input.js';
import { clusterReportOptions } from './cluster-flags.js';
import { OperationError, post } from './operations.js';
import { progressOn } from './progress.js';

interface CapacityOpts {
  shape?: string;
  filename?: string[];
  namespace?: string;
  allNamespaces: boolean;
  zoneKey: string;
  server?: string;
  output: 'table' | 'json' | 'yaml';
  strategy: Strategy;
  cpuMhzPerCore: number;
  engine: BackendName;
}

export function capacityCommand(cmd: Command): void {
  const c = cmd
    .command('capacity')
    .description(
      'how many more replicas of a workload (-f) or a shape of requests (--shape) fit now, every rule applied, and what stops the next',
    )
    .argument('[paths...]', 'manifests of the cluster (files, directories or -), when not using --server')
    .option('--shape <requests>', 'the requests of one replica, e.g. cpu=8,memory=32Gi (a Pod of one container, requests = limits)')
    .option('-f, --filename <paths...>', 'workload manifests to measure (Pod, Deployment, StatefulSet, Job, VirtualMachine, …)')
    .option('-n, --namespace <name>', 'with --shape: the namespace whose quota, reservation and policy apply (default: default)')
    .option('-A, --all-namespaces', 'with --shape: every namespace the cluster knows', false)
    .option('--zone-key <label>', 'the label whose values are the zones of the breakdown', 'topology.kubernetes.io/zone')
    .option('--server <url>', 'a running placer serve (e.g. http://127.0.0.1:8080): ask it instead of reading files');
  clusterReportOptions(c).action(async (paths: string[], o: CapacityOpts) => {
    if ((o.shape === undefined) === (o.filename === undefined))
      throw new OperationError('give either --shape <requests> or -f <workload manifests>');
    if (o.filename && (o.namespace !== undefined || o.allNamespaces)) {
      throw new OperationError('-n and -A go with --shape: workload manifests carry their namespaces');
    }
    if (o.namespace !== undefined && o.allNamespaces) throw new OperationError('give -n <namespace> or -A, not both');
    const shape = o.shape === undefined ? undefined : parseShape(o.shape, '--shape');
    process.stdout.write(printCapacity(o.server ? await fromServer(o, shape) : await fromFiles(paths, o, shape), o.output));
  });
}

/** The cluster of the files as `placer place` leaves it, asked about each template. */
async function fromFiles(paths: string[], o: CapacityOpts, shape: Record<string, string> | undefined): Promise<CapacityReportDoc> {
  if (paths.length === 0)
    throw new OperationError('give the manifests of the cluster (files, directories or -), or --server <url> of a running placer serve');
  const { input } = await readInput(paths, { cpuMhzPerCore: o.cpuMhzPerCore, strict: false }, progressOn());
  const { engine } = runPlacement(input, { backend: o.engine, strategy: o.strategy });
  let templates: WorkloadTemplate[];
  if (shape) {
    const namespaces = o.allNamespaces
      ? [
          ...new Set(
            [...input.quotas, ...input.policies, ...input.workloads, ...(input.namespaces ?? []).map((n) => ({ namespace: n.name }))].map(
              (x) => x.namespace,
            ),
          ),
        ].sort()
      : [o.namespace ?? 'default'];
    templates = namespaces.map((ns) => shapeTemplate(shape, ns));
  } else {
    const manifests = await loadPaths(o.filename!);
    const parsed = parseManifests(manifests);
    writeWarnings(manifestWarnings(manifests, parsed.ignored).map((w) => w.text));
    templates = resolveInput(
      { ...parsed, vmClasses: [...input.vmClasses, ...parsed.vmClasses], priorityClasses: input.priorityClasses },
      { cpuMhzPerCore: o.cpuMhzPerCore },
    ).workloads;
    if (templates.length === 0) throw new InputError(undefined, '', `${o.filename!.join(', ')}: no workload to measure`);
  }
  return capacityDoc(engine, templates, shape, o.zoneKey);
}

/** POST /v1/capacity on a running placer serve. */
async function fromServer(o: CapacityOpts, shape: Record<string, string> | undefined): Promise<CapacityReportDoc> {
  const q = new URLSearchParams({ zoneKey: o.zoneKey });
  if (shape) {
    q.set('shape', o.shape!);
    if (o.allNamespaces) q.set('allNamespaces', 'true');
    else q.set('namespace', o.namespace ?? 'default');
    return post<CapacityReportDoc>(o.server!, `v1/capacity?${q}`);
  }
  const docs = (await loadPaths(o.filename!)).map((m) => m.obj);
  return post<CapacityReportDoc>(o.server!, `v1/capacity?${q}`, { apiVersion: 'v1', kind: 'List', items: docs });
}
