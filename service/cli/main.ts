#!/usr/bin/env node
// placer: the command line. `placer place <files|dirs|->...` places every workload of ordinary
// Kubernetes manifests onto the hosts they declare and prints where each went and why not.

import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEFAULT_BALANCED_WEIGHT } from '../../core-wasm/src/contract.js';
import type { BackendName } from '../../core-wasm/src/engine.js';
import { DEFAULT_PACKING_EFFORT } from '../../core-wasm/src/packing.js';
import { InputError } from '../../model/errors.js';
import type { Strategy } from '../../model/types.js';
import { runPlacement } from '../placement/placement.js';
import { readSchedulerConfig, type ScoreProfile } from '../manifests/scheduler-config.js';
import type { KubeOptions } from '../apiserver/mode.js';
import type { ApiServerOptions } from '../apiserver/binding.js';
import { serveCommand } from '../serve.js';
import { TLS_VERSIONS, type TlsFiles } from '../server/tls.js';
import { EXTENDER_CHOICES, type ExtenderChoice } from '../server/routes/extender-choice.js';
import { MIB } from '../server/auth/audit-log.js';
import { capacityCommand } from './capacity.js';
import { failoverCommand } from './failover.js';
import { OperationError, operationCommands } from './operations.js';
import { type OutputFormat, writeResult } from '../placement/printers.js';
import { resultInNamespace } from '../placement/namespaces.js';
import type { ResultView } from '../placement/result.js';
import { versionInfo, versionLine } from '../server/version.js';
import { formatDuration, parseDuration } from './duration.js';
import { readInput } from './input.js';
import { namespaceOptions, namespaceOf } from './namespace-flags.js';
import { type Progress, progressOn } from './progress.js';

const STRATEGIES: Strategy[] = ['LeastAllocated', 'MostAllocated', 'BalancedAllocation', 'RequestedToCapacityRatio'];

function parseWeights(v: string): { resource: string; weight: number }[] {
  return v.split(',').map((pair) => {
    const [resource, w] = pair.split('=');
    const weight = Number(w);
    if (!resource || !Number.isInteger(weight) || weight < 1 || weight > 100) {
      throw new InvalidArgumentError(
        `expected resource=weight pairs with weights 1..100, e.g. cpu=1,memory=1 (got ${JSON.stringify(pair)})`,
      );
    }
    return { resource, weight };
  });
}

function parseShape(v: string): { utilization: number; score: number }[] {
  const points = v.split(',').map((pair) => {
    const [u, s] = pair.split(':').map(Number);
    if (!Number.isInteger(u) || !Number.isInteger(s) || u < 0 || u > 100 || s < 0 || s > 10) {
      throw new InvalidArgumentError(
        `expected utilization:score points (utilization 0..100, score 0..10), e.g. 0:0,100:10 (got ${JSON.stringify(pair)})`,
      );
    }
    return { utilization: u, score: s };
  });
  for (let i = 1; i < points.length; i++) {
    if (points[i].utilization <= points[i - 1].utilization)
      throw new InvalidArgumentError('shape utilizations must be strictly increasing');
  }
  return points;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`expected a port number 0..65535, 0 for any free port (got ${JSON.stringify(v)})`);
  return n;
}

function nonNegativeInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer (got ${JSON.stringify(v)})`);
  return n;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer (got ${JSON.stringify(v)})`);
  return n;
}

/** A duration flag: Kubernetes' spelling (15s, 2m, 1h30m), parsed to milliseconds; help shows the default as a duration. */
function durationOption(flag: string, what: string, defaultMs: number): Option {
  return new Option(`${flag} <duration>`, `${what}; a duration such as 15s, 2m or 1h30m`)
    .argParser(parseDuration)
    .default(defaultMs, formatDuration(defaultMs));
}

interface PlaceOptions {
  strategy: string;
  output: string;
  explain: boolean;
  order: 'interleave' | 'size' | 'input';
  packingEffort?: number;
  scoringResources?: { resource: string; weight: number }[];
  shape?: { utilization: number; score: number }[];
  config?: string;
  cpuMhzPerCore: number;
  engine: string;
  strict: boolean;
  namespace?: string;
  allNamespaces: boolean;
}

/** Placing or writing this many workloads takes about a second: progress shows at once. */
const LONG_RUN = 100_000;

/** The view, ticking `progress` at each entry the writer visits (tables visit every entry twice: widths, then rows). */
function counted(view: ResultView, format: OutputFormat, progress: Progress): ResultView {
  const entries = view.summary.placed + view.summary.unplaced;
  const passes = format === 'table' || format === 'wide' ? 2 : 1;
  progress.stage('writing', entries * passes, 'entries', entries >= LONG_RUN);
  let pending = 0;
  const tick = (): void => {
    if (++pending < 4096) return;
    progress.tick(pending);
    pending = 0;
  };
  return {
    ...view,
    placements(visit) {
      view.placements((...a) => (tick(), visit(...a)));
    },
    unplaced(visit) {
      view.unplaced((...a) => (tick(), visit(...a)));
    },
  };
}

export function program(): Command {
  const cmd = new Command('placer')
    .description('WebAssembly-accelerated placement engine for pods and VMs on hypervisor hosts')
    .version(versionLine(), '--version', 'print the version and exit')
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });

  cmd
    .command('version')
    .description('print the version: package version, git commit and build date (-o json: the shape of GET /version)')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((o: { output: string }) => {
      process.stdout.write(o.output === 'json' ? JSON.stringify(versionInfo(), null, 2) + '\n' : versionLine() + '\n');
    });

  const place = cmd
    .command('place')
    .description('place every workload of the given manifests (YAML, JSON, Lists, `kubectl get -o json` output; `-` for stdin)')
    .argument('<paths...>', 'files, directories (read recursively) or - for stdin')
    .addOption(
      new Option('--strategy <name>', 'scoring strategy (a NamespacePolicy strategy wins for its namespace)')
        .choices(STRATEGIES)
        .default('LeastAllocated'),
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'wide', 'json', 'yaml']).default('table'))
    .option('--explain', 'explain every unplaced workload host by host', false)
    .addOption(
      new Option(
        '--order <policy>',
        'batch order within a priority: interleave (replicas spread evenly over the batch), size (first-fit decreasing) or input',
      )
        .choices(['interleave', 'size', 'input'])
        .default('interleave'),
    )
    .option(
      '--packing-effort <n>',
      `after a batch with MostAllocated workloads: how many of them the packing phase may place again to empty hosts (0: off; default ${DEFAULT_PACKING_EFFORT} with --strategy MostAllocated, else 0)`,
      nonNegativeInt,
    )
    .option('--scoring-resources <list>', 'resources and weights of the strategy score', parseWeights)
    .option('--shape <points>', 'RequestedToCapacityRatio shape, utilization:score pairs', parseShape)
    .option(
      '--config <file>',
      "kube-scheduler's KubeSchedulerConfiguration: the default-scheduler profile's score plugins and weights, and NodeResourcesFit's scoringStrategy",
    )
    .option('--cpu-mhz-per-core <mhz>', 'host core frequency, to convert VM CPU reservations given in MHz', positiveInt, 2000)
    .addOption(new Option('--engine <backend>', 'placement engine').choices(['wasm', 'wasm-scalar', 'reference']).default('wasm'))
    .option(
      '--strict',
      'an object of a kind placer does not know (neither Kubernetes nor a CRD in the input defines it) is an error',
      false,
    );
  namespaceOptions(place, 'list only the placements and unplaced workloads of this namespace (the whole cluster is placed)').action(
    async (paths: string[], o: PlaceOptions) => {
      const progress = progressOn();
      try {
        // images are runtime facts of a cluster: nothing placer places from manifests reads them
        const { imageLocality: _images, ...profile } = scoreProfile(o, place);
        const { input, warnings } = await readInput(paths, { cpuMhzPerCore: o.cpuMhzPerCore, strict: o.strict }, progress);
        const instances = input.workloads.reduce((n, t) => n + t.instances.length, 0);
        progress.stage('placing', instances, 'workloads', instances >= LONG_RUN);
        const run = runPlacement(input, {
          backend: o.engine as BackendName,
          ...profile,
          order: o.order,
          packingEffort: o.packingEffort,
          explain: o.explain,
        });
        progress.tick(instances);
        const namespace = namespaceOf(o);
        let view: ResultView = warnings.length > 0 ? { ...run.result, warnings } : run.result;
        if (namespace !== undefined) view = resultInNamespace(view, namespace);
        const format = o.output as OutputFormat;
        writeResult(counted(view, format, progress), format, (chunk) => process.stdout.write(chunk), run.explanations);
      } finally {
        progress.done();
      }
    },
  );

  cmd
    .command('serve')
    .description('run the placement service: the kube-scheduler extender (/scheduler), the native API (/v1), /metrics and health endpoints')
    .option('--port <n>', 'port to listen on (0: any free port)', port, 8080)
    .option('--host <address>', 'address to listen on (default: 127.0.0.1 without authentication, 0.0.0.0 with)')
    .option('--tls-cert-file <path>', 'serve HTTPS with this PEM certificate (chain); re-read when it changes')
    .option('--tls-private-key-file <path>', "the PEM private key of --tls-cert-file's certificate; re-read when it changes")
    .addOption(
      new Option('--tls-min-version <version>', 'the lowest TLS version served').choices(Object.keys(TLS_VERSIONS)).default('VersionTLS12'),
    )
    .option('--client-ca-file <path>', 'authenticate client certificates signed by this CA bundle (user: CN, groups: O); needs TLS')
    .option(
      '--token-auth-file <path>',
      'authenticate bearer tokens listed in this CSV (token,user,uid,"group1,group2"); re-read when it changes',
    )
    .option('--allow-anonymous', 'listen beyond loopback without authentication: every caller may do everything', false)
    .option('--audit-log-path <path>', "write the audit lines to this file ('-': stdout; default: stderr); reopened on SIGHUP")
    .option('--audit-log-maxsize <MiB>', 'rotate the audit log file before it grows past this many megabytes (0: never)', nonNegativeInt, 0)
    .option('--audit-log-maxbackup <n>', 'rotated audit log files to keep (0: all)', nonNegativeInt, 0)
    .option('--data-dir <dir>', 'directory of the on-disk store', './data')
    .option('--bootstrap <paths...>', 'manifests to apply when the store is empty (printed like `placer place`)')
    .addOption(
      durationOption(
        '--shutdown-grace-period',
        'on SIGTERM, how long requests in flight may take to finish before their connections are closed',
        10_000,
      ),
    )
    .addOption(
      new Option('--strategy <name>', 'default scoring strategy (a NamespacePolicy strategy wins for its namespace)')
        .choices(STRATEGIES)
        .default('LeastAllocated'),
    )
    .option(
      '--config <file>',
      "kube-scheduler's KubeSchedulerConfiguration: the default-scheduler profile's score plugins and weights, and NodeResourcesFit's scoringStrategy",
    )
    .option('--cpu-mhz-per-core <mhz>', 'host core frequency, to convert VM CPU reservations given in MHz', positiveInt, 2000)
    .addOption(new Option('--engine <backend>', 'placement engine').choices(['wasm', 'wasm-scalar', 'reference']).default('wasm'))
    .addOption(
      new Option('--log-level <level>', 'log level (JSON logs on stderr)')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info'),
    )
    .option(
      '--ignored-resources <names>',
      "resources placer does not account, comma-separated (e.g. the extender's managedResources marker placer.dev/managed)",
      (v: string) =>
        v
          .split(',')
          .map((x) => x.trim())
          .filter((x) => x !== ''),
    )
    .addOption(
      new Option(
        '--extender-choice <who>',
        "who picks among the nodes that pass the extender's filter: placer (the filter answers placer's choice; kube-scheduler neither scores nor calls prioritize) or kube-scheduler (every passing node, for it to score)",
      )
        .choices(EXTENDER_CHOICES)
        .default('kube-scheduler'),
    )
    .option('--apiserver <url>', "standalone mode: on the extender's bind, also create the pod's Binding in this API server")
    .option('--apiserver-token-file <path>', 'bearer token file for --apiserver')
    .option('--apiserver-ca-file <path>', 'CA bundle for --apiserver')
    .option(
      '--kubeconfig <file>',
      'Kubernetes mode: mirror the API server of this kubeconfig (the API server is the source of truth; no store, no --bootstrap)',
    )
    .option('--context <name>', 'the kubeconfig context to use (default: its current-context)')
    .option('--in-cluster', "Kubernetes mode with the pod's service account (in a cluster)", false)
    .option(
      '--scheduler-name <name>',
      'Kubernetes mode: schedule, in batches, the pending pods whose spec.schedulerName is this name (repeatable); kube-scheduler keeps the others',
      (v: string, prev: string[] | undefined) => {
        if (v.trim() === '') throw new InvalidArgumentError('a scheduler name must not be empty');
        return [...(prev ?? []), v.trim()];
      },
    )
    .addOption(durationOption('--batch-window', 'scheduler mode: how long pending pods are collected before they are placed together', 50))
    .option(
      '--batch-size <n>',
      'scheduler mode: a batch is placed at once when this many pods wait, and holds at most this many',
      positiveInt,
      1000,
    )
    .option('--bind-concurrency <n>', 'scheduler mode: Binding requests in flight at most', positiveInt, 16)
    .option('--no-leader-elect', 'scheduler mode: do not elect a leader (a single replica that always schedules)')
    .addOption(
      durationOption('--leader-elect-lease-duration', 'scheduler mode: how long the Lease holds without renewal (whole seconds)', 15_000),
    )
    .addOption(
      durationOption(
        '--leader-elect-renew-deadline',
        'scheduler mode: a leader that could not renew for this long stops scheduling',
        10_000,
      ),
    )
    .addOption(durationOption('--leader-elect-retry-period', 'scheduler mode: how often the Lease is renewed or tried', 2_000))
    .option('--leader-elect-resource-name <name>', 'scheduler mode: name of the Lease', 'placer-scheduler')
    .option(
      '--leader-elect-resource-namespace <namespace>',
      "scheduler mode: namespace of the Lease (default: the kubeconfig context's, in a pod its own)",
    )
    .option(
      '--delegated-auth',
      'Kubernetes mode: authenticate bearer tokens with TokenReview and authorize every request with SubjectAccessReview (cluster RBAC)',
      false,
    )
    .action(async (o, command: Command) => {
      const kubeMode = o.kubeconfig !== undefined || o.inCluster === true;
      if ((o.tlsCertFile === undefined) !== (o.tlsPrivateKeyFile === undefined))
        throw new InputError(undefined, '', '--tls-cert-file and --tls-private-key-file go together');
      const tls: TlsFiles | undefined =
        o.tlsCertFile === undefined
          ? undefined
          : {
              certFile: o.tlsCertFile,
              keyFile: o.tlsPrivateKeyFile,
              minVersion: TLS_VERSIONS[o.tlsMinVersion as string],
              ...(o.clientCaFile !== undefined && { clientCaFile: o.clientCaFile }),
            };
      if (o.clientCaFile !== undefined && !tls)
        throw new InputError(
          undefined,
          '',
          '--client-ca-file needs --tls-cert-file and --tls-private-key-file: client certificates come over TLS',
        );
      for (const f of ['auditLogMaxsize', 'auditLogMaxbackup'] as const)
        if (command.getOptionValueSource(f) === 'cli' && (o.auditLogPath === undefined || o.auditLogPath === '-'))
          throw new InputError(
            undefined,
            '',
            `--${f === 'auditLogMaxsize' ? 'audit-log-maxsize' : 'audit-log-maxbackup'} needs --audit-log-path with a file: only a file is rotated`,
          );
      if (kubeMode) {
        const conflicts = [
          o.kubeconfig !== undefined && o.inCluster && '--kubeconfig and --in-cluster',
          o.bootstrap && '--bootstrap (the API server holds the objects)',
          command.getOptionValueSource('dataDir') === 'cli' && '--data-dir (nothing is stored: a start relists the API server)',
          o.apiserver !== undefined && '--apiserver (Kubernetes mode binds through the kubeconfig)',
        ].filter(Boolean);
        if (conflicts.length > 0) throw new InputError(undefined, '', `Kubernetes mode does not take ${conflicts.join(', ')}`);
      }
      const apiServer: ApiServerOptions | undefined = o.apiserver
        ? {
            url: o.apiserver,
            ...(o.apiserverTokenFile && { tokenFile: o.apiserverTokenFile }),
            ...(o.apiserverCaFile && { caFile: o.apiserverCaFile }),
          }
        : undefined;
      const schedulerNames = o.schedulerName as string[] | undefined;
      if (!kubeMode && schedulerNames !== undefined)
        throw new InputError(undefined, '', '--scheduler-name needs Kubernetes mode (--kubeconfig or --in-cluster)');
      const kube: KubeOptions | undefined = kubeMode
        ? {
            ...(o.kubeconfig !== undefined && { kubeconfig: o.kubeconfig }),
            ...(o.context !== undefined && { context: o.context }),
            ...(schedulerNames !== undefined && {
              scheduler: {
                names: [...new Set(schedulerNames)],
                batchWindowMs: o.batchWindow as number,
                batchSize: o.batchSize as number,
                bindConcurrency: o.bindConcurrency as number,
                ...(o.leaderElect !== false && {
                  leaderElection: {
                    leaseDurationMs: o.leaderElectLeaseDuration as number,
                    renewDeadlineMs: o.leaderElectRenewDeadline as number,
                    retryPeriodMs: o.leaderElectRetryPeriod as number,
                    name: o.leaderElectResourceName as string,
                    ...(o.leaderElectResourceNamespace !== undefined && { namespace: o.leaderElectResourceNamespace as string }),
                  },
                }),
              },
            }),
          }
        : undefined;
      const { strategy, imageLocality, ...profile } = scoreProfile(o as PlaceOptions, command);
      await serveCommand({
        port: o.port,
        ...(o.host !== undefined && { host: o.host }),
        ...(tls && { tls }),
        ...(o.tokenAuthFile !== undefined && { tokenAuthFile: o.tokenAuthFile }),
        allowAnonymous: o.allowAnonymous === true,
        delegatedAuth: o.delegatedAuth === true,
        ...(o.auditLogPath !== undefined && {
          auditLog: { path: o.auditLogPath, maxBytes: o.auditLogMaxsize * MIB, maxBackups: o.auditLogMaxbackup },
        }),
        dataDir: o.dataDir,
        bootstrap: o.bootstrap,
        strategy,
        profile,
        cpuMhzPerCore: o.cpuMhzPerCore,
        backend: o.engine as BackendName,
        logLevel: o.logLevel,
        ...(o.ignoredResources && { ignoredResources: o.ignoredResources }),
        extenderChoice: o.extenderChoice as ExtenderChoice,
        imageLocality,
        ...(apiServer && { apiServer }),
        ...(kube && { kube }),
        shutdownTimeoutMs: o.shutdownGracePeriod,
      });
    });

  operationCommands(cmd, (code) => (commandExit = code));
  capacityCommand(cmd);
  failoverCommand(cmd, (code) => (commandExit = code));

  return cmd;
}

/** Exit code a command asks for (a drain plan that leaves workloads behind is 1). */
let commandExit = 0;

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return commandExit;
  } catch (err) {
    if (err instanceof InputError || err instanceof OperationError) {
      process.stderr.write(`error: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`placer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);

/**
 * The score profile of `place`: a KubeSchedulerConfiguration (--config), or the flags. Both at
 * once would leave one silently unused: an error.
 */
function scoreProfile(o: PlaceOptions, cmd: Command): ScoreProfile {
  if (o.config === undefined) {
    return {
      strategy: o.strategy as Strategy,
      scoring: o.scoringResources,
      shape: o.shape,
      balancedWeight: DEFAULT_BALANCED_WEIGHT,
      imageLocality: true,
    };
  }
  const flags = ['strategy', 'scoringResources', 'shape'].filter((k) => cmd.getOptionValueSource(k) === 'cli');
  if (flags.length > 0) {
    const names = flags.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    throw new InputError(undefined, '', `--config sets the score profile; ${names.join(', ')} cannot be given with it`);
  }
  let text: string;
  try {
    text = readFileSync(o.config, 'utf8');
  } catch (e) {
    throw new InputError(undefined, '', `${o.config}: ${(e as Error).message}`);
  }
  return readSchedulerConfig(text, o.config);
}
