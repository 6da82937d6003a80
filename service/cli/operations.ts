// `placer drain`, `placer rebalance`, `placer move-namespace` and `placer consolidate`: over manifests (the cluster as
// `placer place` would leave it; a plan, since files are not a store) or against a running
// `placer serve` (--server: planned with --dry-run, executed otherwise).

import { type Command, InvalidArgumentError, Option } from 'commander';
import { type BackendName, UnknownHostError } from '../../core-wasm/src/engine.js';
import { parseSelectorString } from '../manifests/labels.js';
import type { Strategy } from '../../model/types.js';
import { type PlanDoc, namespaceUsageDoc, planDoc } from '../placement/plans.js';
import { runPlacement } from '../placement/placement.js';
import { type OutputFormat, printPlan } from '../placement/printers.js';
import { planInNamespace } from '../placement/namespaces.js';
import { readInput, writeWarnings } from './input.js';
import { namespaceOf, namespaceOptions } from './namespace-flags.js';
import { progressOn } from './progress.js';
import { warningTexts } from '../server/warning.js';

/** A failure the command reports on stderr with exit code 1. */
export class OperationError extends Error {}

const STRATEGIES: Strategy[] = ['LeastAllocated', 'MostAllocated', 'BalancedAllocation', 'RequestedToCapacityRatio'];

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer (got ${JSON.stringify(v)})`);
  return n;
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError(`expected a non-negative integer (got ${JSON.stringify(v)})`);
  return n;
}

/** Namespace names, comma-separated, repeatable: each a DNS-1123 label. */
function namespaceList(v: string, previous: string[] = []): string[] {
  const names = v.split(',').map((n) => n.trim());
  for (const n of names)
    if (n.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n))
      throw new InvalidArgumentError(`${JSON.stringify(n)} is not a namespace name (a DNS-1123 label)`);
  return [...previous, ...names];
}

function common(c: Command): Command {
  return c
    .option('--server <url>', 'a running placer serve (e.g. http://127.0.0.1:8080): plan or execute there instead of over files')
    .option('--dry-run', 'with --server: plan only, change nothing', false)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
    .addOption(
      new Option('--strategy <name>', 'scoring strategy for the cluster read from files').choices(STRATEGIES).default('LeastAllocated'),
    )
    .option('--cpu-mhz-per-core <mhz>', 'host core frequency, to convert VM CPU reservations given in MHz', positiveInt, 2000)
    .addOption(new Option('--engine <backend>', 'placement engine').choices(['wasm', 'wasm-scalar', 'reference']).default('wasm'))
    .option(
      '--strict',
      'an object of a kind placer does not know (neither Kubernetes nor a CRD in the input defines it) is an error',
      false,
    );
}

interface CommonOpts {
  server?: string;
  dryRun: boolean;
  output: OutputFormat;
  strategy: Strategy;
  cpuMhzPerCore: number;
  engine: BackendName;
  strict: boolean;
  namespace?: string;
  allNamespaces?: boolean;
}

/** The cluster as `placer place` leaves it: every workload of the files placed. */
export async function clusterFrom(paths: string[], o: Pick<CommonOpts, 'cpuMhzPerCore' | 'strict' | 'engine' | 'strategy'>) {
  if (paths.length === 0)
    throw new OperationError('give the manifests of the cluster (files, directories or -), or --server <url> of a running placer serve');
  const progress = progressOn();
  try {
    const { input } = await readInput(paths, { cpuMhzPerCore: o.cpuMhzPerCore, strict: o.strict }, progress);
    const instances = input.workloads.reduce((n, t) => n + t.instances.length, 0);
    progress.stage('placing', instances, 'workloads', instances >= 100_000);
    return runPlacement(input, { backend: o.engine, strategy: o.strategy, trackPlacements: true }).engine;
  } finally {
    progress.done();
  }
}

/** POST to the native API; a Status error becomes an OperationError with its causes. */
export async function post<T = PlanDoc>(server: string, path: string, body?: unknown): Promise<T> {
  return call<T>('POST', server, path, body);
}

/** GET from the native API, as post(). */
export async function get<T>(server: string, path: string): Promise<T> {
  return call<T>('GET', server, path);
}

async function call<T>(method: 'GET' | 'POST', server: string, path: string, body?: unknown): Promise<T> {
  const url = new URL(path, server.endsWith('/') ? server : server + '/');
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new OperationError(`cannot reach ${url.origin}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
  }
  // what the server read and did not use, as kubectl prints the API server's warnings
  writeWarnings(warningTexts(res.headers.get('warning')));
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text);
  } catch {
    throw new OperationError(`${url.origin} answered ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) {
    const causes = ((json.details as { causes?: { field?: string; message: string }[] } | undefined)?.causes ?? [])
      .map((c) => `\n  ${c.field ? `${c.field}: ` : ''}${c.message}`)
      .join('');
    throw new OperationError(`${json.message ?? `HTTP ${res.status}`}${causes}`);
  }
  return json as unknown as T;
}

const flag = (name: string, on: boolean) => `${name}=${on ? 'true' : 'false'}`;

/** Prints the plan (-n: one namespace's part of it); the exit code is the whole plan's. */
function finish(doc: PlanDoc, o: CommonOpts, allowPartial: boolean): number {
  const namespace = namespaceOf(o);
  process.stdout.write(printPlan(namespace === undefined ? doc : planInNamespace(doc, namespace), o.output));
  // A plan that leaves workloads behind is a failed drain for scripts, unless partial is fine.
  return doc.unmovable.length > 0 && !allowPartial ? 1 : 0;
}

export function operationCommands(cmd: Command, setExit: (code: number) => void): void {
  const drain = common(
    cmd
      .command('drain')
      .description('maintenance mode: cordon the hosts and plan a new host for every workload on them (all constraints kept)')
      .argument('<hosts>', 'host name(s), comma-separated: a rack drains as one plan')
      .argument('[paths...]', 'manifests of the cluster (files, directories or -), when not using --server')
      .option('--allow-partial', 'execute even when some workloads cannot move (they stay; exit code 0)', false),
  );
  namespaceOptions(drain, 'list only the moves of this namespace (the whole drain is planned)').action(
    async (hostList: string, paths: string[], o: CommonOpts & { allowPartial: boolean }) => {
      const hosts = hostList
        .split(',')
        .map((h) => h.trim())
        .filter((h) => h !== '');
      if (hosts.length === 0) throw new OperationError('name at least one host to drain');
      let doc: PlanDoc;
      if (o.server) {
        const q = `${flag('dryRun', o.dryRun)}&${flag('allowPartial', o.allowPartial)}`;
        doc =
          hosts.length === 1
            ? await post(o.server, `v1/hosts/${encodeURIComponent(hosts[0])}/drain?${q}`)
            : await post(o.server, `v1/drain?${q}`, { hosts });
      } else {
        const engine = await clusterFrom(paths, o);
        try {
          doc = planDoc('DrainPlan', engine.drain(hosts), true, { hosts });
        } catch (err) {
          if (err instanceof UnknownHostError) throw new OperationError(`${err.message} of the given manifests`);
          throw err;
        }
      }
      setExit(finish(doc, o, o.allowPartial));
    },
  );

  const rebalance = common(
    cmd
      .command('rebalance')
      .description('DRS-like: recommend moves that lower the imbalance of the scarcest resource (cpu or memory), each legal in sequence')
      .argument('[paths...]', 'manifests of the cluster (files, directories or -), when not using --server')
      .option('--max-moves <n>', 'at most this many moves', positiveInt, 10)
      .option('--resource <name>', 'balance this resource (default: cpu or memory, whichever is more utilized)'),
  );
  namespaceOptions(rebalance, 'list only the moves of this namespace (the whole cluster is rebalanced)').action(
    async (paths: string[], o: CommonOpts & { maxMoves: number; resource?: string }) => {
      let doc: PlanDoc;
      if (o.server) {
        doc = await post(
          o.server,
          `v1/rebalance?${flag('dryRun', o.dryRun)}&maxMoves=${o.maxMoves}${o.resource ? `&resource=${encodeURIComponent(o.resource)}` : ''}`,
        );
      } else {
        const engine = await clusterFrom(paths, o);
        if (o.resource !== undefined && !engine.dimensionNames().includes(o.resource)) {
          throw new OperationError(`unknown resource ${JSON.stringify(o.resource)}: the hosts have ${engine.dimensionNames().join(', ')}`);
        }
        doc = planDoc(
          'RebalancePlan',
          engine.rebalance({ maxMoves: o.maxMoves, ...(o.resource !== undefined && { resource: o.resource }) }),
          true,
        );
      }
      setExit(finish(doc, o, true));
    },
  );

  const consolidate = common(
    cmd
      .command('consolidate')
      .description('free the most hosts: move workloads off the emptiest hosts, every rule kept; the empty hosts are standby candidates')
      .argument('[paths...]', 'manifests of the cluster (files, directories or -), when not using --server')
      .option('--max-moves <n>', 'at most this many moves', positiveInt, 1000)
      .option('--effort <n>', 'at most this many placements evaluated (the bound of the plan, never time)', positiveInt, 100_000)
      .option('--spare-per-zone <n>', 'empty hosts each zone keeps on as spares, out of standby', nonNegativeInt, 0)
      .option('--exclude-namespace <ns,...>', 'namespaces whose workloads stay where they are (repeatable)', namespaceList)
      .option('--include-bin-packing', 'move the workloads of bin-packing namespaces (strategy MostAllocated) too', false),
  );
  namespaceOptions(consolidate, 'list only the moves of this namespace (the whole cluster is consolidated)').action(
    async (
      paths: string[],
      o: CommonOpts & { maxMoves: number; effort: number; sparePerZone: number; excludeNamespace?: string[]; includeBinPacking: boolean },
    ) => {
      let doc: PlanDoc;
      if (o.server) {
        const q = new URLSearchParams({
          dryRun: String(o.dryRun),
          maxMoves: String(o.maxMoves),
          effort: String(o.effort),
          sparePerZone: String(o.sparePerZone),
          includeBinPacking: String(o.includeBinPacking),
          ...(o.excludeNamespace && { excludeNamespaces: o.excludeNamespace.join(',') }),
        });
        doc = await post(o.server, `v1/consolidate?${q}`);
      } else {
        const engine = await clusterFrom(paths, o);
        for (const ns of o.excludeNamespace ?? [])
          if (!engine.namespaceUsage().some((n) => n.namespace === ns))
            throw new OperationError(`--exclude-namespace: namespace ${JSON.stringify(ns)} has no workloads in the given manifests`);
        const report = engine.consolidate({
          maxMoves: o.maxMoves,
          effort: o.effort,
          sparePerZone: o.sparePerZone,
          excludeNamespaces: o.excludeNamespace ?? [],
          includeBinPacking: o.includeBinPacking,
        });
        doc = planDoc('ConsolidatePlan', report, true);
      }
      // Pinned workloads stay by design: they do not fail the command.
      setExit(finish(doc, o, true));
    },
  );

  common(
    cmd
      .command('move-namespace')
      .description('move every workload of a namespace onto the hosts matching a label selector, all or nothing')
      .argument('<namespace>', 'the namespace')
      .argument('[paths...]', 'manifests of the cluster (files, directories or -), when not using --server')
      .requiredOption(
        '--to <selector>',
        "label selector of the target hosts, kubectl syntax: 'topology.kubernetes.io/zone=zone-b', 'rack in (r1,r2)', '!maintenance'",
      ),
  ).action(async (namespace: string, paths: string[], o: CommonOpts & { to: string }) => {
    let requirements;
    try {
      requirements = parseSelectorString(o.to);
    } catch (err) {
      throw new OperationError(`--to: ${(err as Error).message}`);
    }
    let doc: PlanDoc;
    if (o.server) {
      doc = await post(o.server, `v1/namespaces/${encodeURIComponent(namespace)}/move?${flag('dryRun', o.dryRun)}`, { to: o.to });
    } else {
      const engine = await clusterFrom(paths, o);
      if (!engine.namespaceUsage().some((n) => n.namespace === namespace))
        throw new OperationError(`namespace ${JSON.stringify(namespace)} has no workloads in the given manifests`);
      const report = engine.moveNamespace(namespace, requirements);
      doc = planDoc('NamespaceMovePlan', report, true, { namespace, selector: o.to, usage: namespaceUsageDoc(engine, namespace, report) });
    }
    setExit(finish(doc, o, false));
  });
}
