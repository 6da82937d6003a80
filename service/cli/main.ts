#!/usr/bin/env node
// placer: the command line. `placer place <files|dirs|->...` places every workload of ordinary
// Kubernetes manifests onto the hosts they declare and prints where each went and why not.

import { Command, InvalidArgumentError, Option } from 'commander';
import type { BackendName } from '../../core-wasm/src/engine.js';
import { loadClusterInput } from '../k8s/index.js';
import { InputError } from '../model/errors.js';
import type { Strategy } from '../model/types.js';
import { runPlacement } from '../placement.js';
import { inClusterOptions, type ApiServerOptions } from '../server/binder.js';
import { serveCommand } from '../server/main.js';
import { OperationError, operationCommands } from './operations.js';
import { type OutputFormat, writeResult } from './printers.js';

const STRATEGIES: Strategy[] = ['LeastAllocated', 'MostAllocated', 'BalancedAllocation', 'RequestedToCapacityRatio'];

function parseWeights(v: string): { resource: string; weight: number }[] {
  return v.split(',').map((pair) => {
    const [resource, w] = pair.split('=');
    const weight = Number(w);
    if (!resource || !Number.isInteger(weight) || weight < 1 || weight > 100) {
      throw new InvalidArgumentError(`expected resource=weight pairs with weights 1..100, e.g. cpu=1,memory=1 (got ${JSON.stringify(pair)})`);
    }
    return { resource, weight };
  });
}

function parseShape(v: string): { utilization: number; score: number }[] {
  const points = v.split(',').map((pair) => {
    const [u, s] = pair.split(':').map(Number);
    if (!Number.isInteger(u) || !Number.isInteger(s) || u < 0 || u > 100 || s < 0 || s > 10) {
      throw new InvalidArgumentError(`expected utilization:score points (utilization 0..100, score 0..10), e.g. 0:0,100:10 (got ${JSON.stringify(pair)})`);
    }
    return { utilization: u, score: s };
  });
  for (let i = 1; i < points.length; i++) {
    if (points[i].utilization <= points[i - 1].utilization) throw new InvalidArgumentError('shape utilizations must be strictly increasing');
  }
  return points;
}

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError(`expected a port number 0..65535, 0 for any free port (got ${JSON.stringify(v)})`);
  return n;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`expected a positive integer (got ${JSON.stringify(v)})`);
  return n;
}

export function program(): Command {
  const cmd = new Command('placer')
    .description('WebAssembly-accelerated placement engine for pods and VMs on hypervisor hosts')
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });

  cmd
    .command('place')
    .description('place every workload of the given manifests (YAML, JSON, Lists, `kubectl get -o json` output; `-` for stdin)')
    .argument('<paths...>', 'files, directories (read recursively) or - for stdin')
    .addOption(new Option('--strategy <name>', 'scoring strategy (a NamespacePolicy strategy wins for its namespace)').choices(STRATEGIES).default('LeastAllocated'))
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'wide', 'json', 'yaml']).default('table'))
    .option('--explain', 'explain every unplaced workload host by host', false)
    .addOption(
      new Option('--order <policy>', 'batch order within a priority: interleave (replicas spread evenly over the batch), size (first-fit decreasing) or input')
        .choices(['interleave', 'size', 'input'])
        .default('interleave'),
    )
    .option('--scoring-resources <list>', 'resources and weights of the strategy score', parseWeights)
    .option('--shape <points>', 'RequestedToCapacityRatio shape, utilization:score pairs', parseShape)
    .option('--cpu-mhz-per-core <mhz>', 'host core frequency, to convert VM CPU reservations given in MHz', positiveInt, 2000)
    .addOption(new Option('--engine <backend>', 'placement engine').choices(['wasm', 'wasm-scalar', 'reference']).default('wasm'))
    .action(async (paths: string[], o) => {
      const input = await loadClusterInput(paths, { cpuMhzPerCore: o.cpuMhzPerCore });
      const run = runPlacement(input, {
        backend: o.engine as BackendName,
        strategy: o.strategy as Strategy,
        order: o.order,
        scoring: o.scoringResources,
        shape: o.shape,
        explain: o.explain,
      });
      writeResult(run.result, o.output as OutputFormat, (chunk) => process.stdout.write(chunk), run.explanations);
    });

  cmd
    .command('serve')
    .description('run the placement service: the kube-scheduler extender (/scheduler), the native API (/v1), /metrics and health endpoints')
    .option('--port <n>', 'port to listen on (0: any free port)', port, 8080)
    .option('--host <address>', 'address to listen on', '0.0.0.0')
    .option('--data-dir <dir>', 'directory of the on-disk store', './data')
    .option('--bootstrap <paths...>', 'manifests to apply when the store is empty (printed like `placer place`)')
    .addOption(new Option('--strategy <name>', 'default scoring strategy (a NamespacePolicy strategy wins for its namespace)').choices(STRATEGIES).default('LeastAllocated'))
    .option('--cpu-mhz-per-core <mhz>', 'host core frequency, to convert VM CPU reservations given in MHz', positiveInt, 2000)
    .addOption(new Option('--engine <backend>', 'placement engine').choices(['wasm', 'wasm-scalar', 'reference']).default('wasm'))
    .addOption(new Option('--log-level <level>', 'log level (JSON logs on stderr)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .option('--in-cluster', "on the extender's bind, create the pod's Binding with the pod's service account", false)
    .option('--apiserver <url>', "on the extender's bind, create the pod's Binding in this API server")
    .option('--apiserver-token-file <path>', 'bearer token file for --apiserver')
    .option('--apiserver-ca-file <path>', 'CA bundle for --apiserver')
    .action(async (o) => {
      const apiServer: ApiServerOptions | undefined = o.inCluster
        ? inClusterOptions()
        : o.apiserver
          ? { url: o.apiserver, ...(o.apiserverTokenFile && { tokenFile: o.apiserverTokenFile }), ...(o.apiserverCaFile && { caFile: o.apiserverCaFile }) }
          : undefined;
      await serveCommand({
        port: o.port,
        host: o.host,
        dataDir: o.dataDir,
        bootstrap: o.bootstrap,
        strategy: o.strategy as Strategy,
        cpuMhzPerCore: o.cpuMhzPerCore,
        backend: o.engine as BackendName,
        logLevel: o.logLevel,
        ...(apiServer && { apiServer }),
      });
    });

  operationCommands(cmd, (code) => (commandExit = code));

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
