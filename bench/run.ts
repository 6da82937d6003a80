// npm run bench [-- --quick] [--only scan,batch] [--out file] [--markdown] [--render]
//
// Runs the benchmark suites, prints a table per suite and the design's targets, and writes every
// figure with the machine it ran on to bench/results/latest.json (--quick: bench/results/quick.json,
// so a quick run never overwrites the committed full results). --markdown then rewrites the
// results section of BENCHMARKS.md; --render only rewrites it from an existing results file.
//
// Benchmarks are measurements, never tests: nothing here fails on a slow figure. The exit code is
// non-zero only when a suite crashed (a bug), so CI keeps the suites working.
//
// Every suite runs in a process of its own (this file with --suite-child): a suite that built a
// million-workload plan leaves a multi-GB heap whose concurrent garbage collection took the other
// core from the next suite (seen: the extender's transport floor at ~1 k calls/s after the batch
// suite, ~2.5–6 k in a run of its own).

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machine } from './lib/machine.js';
import { fastestProbe, probe, steady, waitedSeconds } from './lib/probe.js';
import { renderBenchmarksMd } from './lib/markdown.js';
import { type Results, type Suite, type SuiteResult, printSuite, printTargets, progress, writeResults } from './lib/report.js';
import { evaluateTargets } from './lib/targets.js';
import { batchSuite } from './suites/batch.js';
import { capacitySuite } from './suites/capacity.js';
import { consoleSuite } from './suites/console.js';
import { extenderSuite } from './suites/extender.js';
import { failoverSuite } from './suites/failover.js';
import { kubeSuite } from './suites/kube.js';
import { qualitySuite } from './suites/quality.js';
import { restartSuite } from './suites/restart.js';
import { scanSuite } from './suites/scan.js';
import { soakSuite } from './suites/soak.js';
import { soakKubeSuite } from './suites/soak-kube.js';
import { operationsSuite } from './suites/operations.js';
import { pendingSuite } from './suites/pending.js';
import { topologySuite } from './suites/topology.js';

const SUITES: Record<string, Suite> = {
  scan: scanSuite,
  batch: batchSuite,
  quality: qualitySuite,
  extender: extenderSuite,
  restart: restartSuite,
  topology: topologySuite,
  console: consoleSuite,
  operations: operationsSuite,
  capacity: capacitySuite,
  failover: failoverSuite,
  pending: pendingSuite,
  soak: soakSuite,
  'soak-kube': soakKubeSuite,
  kube: kubeSuite,
};

/** Suites a full run without --only leaves out (they take hours at full size). */
const LONG_SUITES = new Set(['soak', 'soak-kube']);

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      out: { type: 'string' },
      seed: { type: 'string', default: '20250101' },
      markdown: { type: 'boolean', default: false },
      render: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      // internal: run one suite in this process and write its result to --child-out
      'suite-child': { type: 'string' },
      'child-out': { type: 'string' },
      'child-tmp': { type: 'string' },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(
      [
        'usage: npm run bench -- [--quick] [--only <suite>[,<suite>]] [--out <file>] [--seed <n>] [--markdown] [--render]',
        `  suites: ${Object.keys(SUITES).join(', ')}`,
        '  --quick     every suite at a small size (under a minute); writes bench/results/quick.json',
        '  --markdown  after the run, rewrite the results section of BENCHMARKS.md',
        '  --render    do not run: rewrite BENCHMARKS.md from the results file (--out or latest.json)',
        '',
      ].join('\n'),
    );
    return 0;
  }
  const out = resolve(values.out ?? join(root, 'bench', 'results', values.quick ? 'quick.json' : 'latest.json'));
  const mdFile = join(root, 'BENCHMARKS.md');
  if (values.render) {
    const results = JSON.parse(readFileSync(out, 'utf8')) as Results;
    renderBenchmarksMd(mdFile, results);
    progress(`rewrote ${mdFile} from ${out}`);
    return 0;
  }

  if (values['suite-child']) {
    const name = values['suite-child'];
    const gate = async () => void (await steady(values.quick ? 0 : 30_000));
    try {
      const body = await SUITES[name]({ quick: values.quick, seed: Number(values.seed), tmp: values['child-tmp']!, root, gate });
      writeFileSync(values['child-out']!, JSON.stringify({ body, waitedSeconds: waitedSeconds() }));
    } catch (err) {
      writeFileSync(values['child-out']!, JSON.stringify({ error: err instanceof Error ? (err.stack ?? err.message) : String(err) }));
    }
    // Whatever a suite left open (a timer, a socket) must not keep the child alive.
    process.exit(0);
  }

  const only = (values.only ?? []).flatMap((s) => s.split(',')).filter(Boolean);
  for (const s of only) if (!SUITES[s]) throw new Error(`unknown suite ${JSON.stringify(s)} (suites: ${Object.keys(SUITES).join(', ')})`);
  // The full soak (a million pods, an hour or more) runs only when named; --quick runs its short version.
  const selected = only.length > 0 ? only : Object.keys(SUITES).filter((s) => values.quick || !LONG_SUITES.has(s));
  const seed = Number(values.seed);
  const results: Results = { machine: machine(), quick: values.quick, seed, args: process.argv.slice(2), suites: {}, targets: [] };
  const m = results.machine;
  process.stdout.write(
    `placer benchmarks${values.quick ? ' (quick)' : ''}: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.os}, load ${m.load}, seed ${seed}\n`,
  );

  const tmp = mkdtempSync(join(tmpdir(), 'placer-bench-'));
  let crashed = false;
  try {
    for (const name of selected) {
      // Start outside a slow phase of the shared machine (the suites gate their rounds too).
      const waitedBefore = waitedSeconds();
      const before = await steady(values.quick ? 0 : 60_000);
      const t0 = performance.now();
      let r: SuiteResult;
      let childWaited = 0;
      try {
        const result = await runChild(name, { quick: values.quick, seed, tmp });
        childWaited = result.waitedSeconds;
        r = { name, seconds: (performance.now() - t0) / 1000, ...result.body };
      } catch (err) {
        crashed = true;
        const reason = err instanceof Error ? (err.stack ?? err.message) : String(err);
        progress(`${name} failed: ${reason}`);
        r = {
          name,
          status: 'error',
          reason: reason.split('\n')[0],
          seconds: (performance.now() - t0) / 1000,
          description: '',
          tables: [],
          figures: {},
        };
      }
      r.probe = { before, after: probe(), waitedSeconds: waitedSeconds() - waitedBefore + childWaited };
      results.suites[name] = r;
      printSuite(r);
      // Results so far are written after every suite: an interrupted run still leaves figures.
      results.targets = evaluateTargets(results);
      writeResults(out, results);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  printTargets(results.targets);
  process.stdout.write(`\nwrote ${out}\n`);
  if (values.markdown) {
    renderBenchmarksMd(mdFile, results);
    process.stdout.write(`rewrote the results section of ${mdFile}\n`);
  }
  return crashed ? 1 : 0;
}

/**
 * Runs one suite in a child process (same Node flags and loader as this one; the probe's reference
 * handed down so the child's gates need not take their own) and returns what it wrote.
 */
function runChild(
  name: string,
  o: { quick: boolean; seed: number; tmp: string },
): Promise<{ body: Awaited<ReturnType<Suite>>; waitedSeconds: number }> {
  const file = join(o.tmp, `${name}.result.json`);
  const args = [
    ...process.execArgv,
    fileURLToPath(import.meta.url),
    '--suite-child',
    name,
    '--child-out',
    file,
    '--child-tmp',
    o.tmp,
    '--seed',
    String(o.seed),
    ...(o.quick ? ['--quick'] : []),
  ];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, PLACER_BENCH_PROBE_REF: String(fastestProbe()) },
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (code !== 0) return reject(new Error(`suite ${name}: child process exited ${code ?? signal}`));
      try {
        const r = JSON.parse(readFileSync(file, 'utf8')) as { body: Awaited<ReturnType<Suite>>; waitedSeconds: number } | { error: string };
        if ('error' in r) reject(new Error(r.error));
        else resolvePromise(r);
      } catch (err) {
        reject(err);
      }
    });
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
