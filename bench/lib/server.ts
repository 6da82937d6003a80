// A real `placer serve` process for the service suites, and a loopback HTTP load generator.
//
// The server is started exactly as a user would: `node bin/placer.js serve --port <p>
// --host 127.0.0.1 --data-dir <d>`. When the built CLI has no `serve` command (or it does not
// come up), the suites report "skipped: placer serve not available" instead of faking numbers.
//
// The load generator (undici) is closed-loop: `concurrency` workers, each sending its next request
// when the previous answer arrived, over keep-alive connections (kube-scheduler's extender client
// keeps its connections alive too). Latency is per call, client side, after a warmup.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Pool } from 'undici';

export const SKIP_REASON = 'placer serve not available';

/** Whether the built CLI has a `serve` command with the options the suites use. */
export function serveAvailable(root: string): { ok: true } | { ok: false; why: string } {
  const r = spawnSync(process.execPath, [join(root, 'bin', 'placer.js'), 'serve', '--help'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0)
    return { ok: false, why: `\`placer serve --help\` exited ${r.status}: ${(r.stderr || r.stdout).trim().split('\n')[0]}` };
  for (const opt of ['--port', '--data-dir'])
    if (!r.stdout.includes(opt)) return { ok: false, why: `\`placer serve\` has no ${opt} option` };
  return { ok: true };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface Served {
  url: string;
  child: ChildProcess;
  /** Milliseconds from spawn until /readyz answered 200. */
  readyMs: number;
  logFile: string;
  /** Resident set size of the server process, KiB (Linux /proc). */
  rssKiB(): number | null;
  /** CPU seconds the server process has used, user + system (Linux /proc). */
  cpuSeconds(): number | null;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Start `placer serve` and wait for /readyz → 200 (polled every 10 ms). */
/** HTTPS for startServer: placer's serving pair, and the CA it verifies client certificates against (and that signed the pair). */
export interface ServeTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

export async function startServer(
  root: string,
  dataDir: string,
  logFile: string,
  timeoutMs = 120_000,
  extraNodeArgs: readonly string[] = [],
  tls?: ServeTls,
): Promise<Served> {
  const port = await freePort();
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const tlsArgs = tls ? ['--tls-cert-file', tls.certFile, '--tls-private-key-file', tls.keyFile, '--client-ca-file', tls.caFile] : [];
  const log = createWriteStream(logFile, { flags: 'a' });
  const t0 = performance.now();
  // PLACER_BENCH_SERVE_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const nodeArgs = [...extraNodeArgs, ...(process.env.PLACER_BENCH_SERVE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)];
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      join(root, 'bin', 'placer.js'),
      'serve',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--data-dir',
      dataDir,
      '--log-level',
      'warn',
      ...tlsArgs,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? -1));
  const agent = new Agent({ keepAlive: false });
  for (;;) {
    if (exited !== null) throw new Error(`placer serve exited ${exited} before it was ready (log: ${logFile})`);
    if (performance.now() - t0 > timeoutMs) {
      child.kill('SIGKILL');
      throw new Error(`placer serve not ready after ${timeoutMs} ms (log: ${logFile})`);
    }
    try {
      const status = tls ? await httpsReady(url, readFileSync(tls.caFile)) : (await call(agent, url, 'GET', '/readyz')).status;
      if (status === 200) break;
    } catch {
      /* not listening yet */
    }
    await sleep(10);
  }
  const readyMs = performance.now() - t0;
  const pid = child.pid!;
  return {
    url,
    child,
    readyMs,
    logFile,
    cpuSeconds: () => cpuSeconds(pid),
    rssKiB() {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return m ? Number(m[1]) : null;
      } catch {
        return null;
      }
    },
    async stop() {
      if (exited !== null) return;
      const done = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/** GET /readyz over HTTPS (the probes need no client certificate): its status code. */
function httpsReady(url: string, ca: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(`${url}/readyz`, { ca, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

/**
 * CPU seconds process `pid` has used (utime + stime of /proc/<pid>/stat, in USER_HZ ticks of
 * 10 ms on Linux): what a server costs per call, whatever it spends it on (HTTP, parsing, GC).
 */
export function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces) in parentheses.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return null;
  }
}

export interface Reply {
  status: number;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
}

export function call(
  agent: Agent,
  url: string,
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const u = new URL(path, url);
    const req = httpRequest(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        headers: { ...headers, ...(body !== undefined && { 'content-length': String(Buffer.byteLength(body)) }) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), headers: res.headers }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export interface LoadRequest {
  path: string;
  body: Buffer | string;
  headers: Record<string, string>;
  /** Label the latency is recorded under (e.g. the extender verb). */
  label: string;
  /** Check the answer once in a while (throwing aborts the run). */
  check?: (r: Reply) => void;
}

export interface LoadResult {
  concurrency: number;
  seconds: number;
  calls: number;
  /** calls ÷ seconds; for merged rounds, the best round's. */
  callsPerSec: number;
  errors: number;
  /** Per label: sorted latencies in ms. */
  latencies: Map<string, Float64Array>;
  /** Merged rounds (mergeRounds): each round's calls/s, in the order run. */
  rounds?: number[];
  /** Answers received, warmup included. */
  sent: number;
}

/**
 * Rounds of the same load as one result: latencies pooled, calls/s of the best round (a slow
 * phase of the shared machine only ever slows a round down), every round's calls/s kept.
 */
export function mergeRounds(parts: readonly LoadResult[]): LoadResult {
  const lat = new Map<string, number[]>();
  for (const p of parts) for (const [k, v] of p.latencies) lat.set(k, [...(lat.get(k) ?? []), ...v]);
  return {
    concurrency: parts[0].concurrency,
    seconds: parts.reduce((s, p) => s + p.seconds, 0),
    calls: parts.reduce((s, p) => s + p.calls, 0),
    callsPerSec: Math.max(...parts.map((p) => p.callsPerSec)),
    errors: parts.reduce((s, p) => s + p.errors, 0),
    latencies: new Map([...lat].map(([k, v]) => [k, Float64Array.from(v).sort()])),
    rounds: parts.map((p) => p.callsPerSec),
    sent: parts.reduce((s, p) => s + p.sent, 0),
  };
}

export function quantile(sorted: Float64Array, q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * Closed-loop load: `concurrency` workers send `next(i)` requests back to back for `durationMs`
 * after `warmupMs` of unrecorded calls. Every non-2xx answer counts as an error (and the first
 * one is reported).
 */
export async function load(
  url: string,
  concurrency: number,
  warmupMs: number,
  durationMs: number,
  next: (i: number) => LoadRequest,
  /** Over HTTPS: the CA to trust and the client certificate to present (kube-scheduler's tlsConfig). */
  tls?: { ca: Buffer; cert: Buffer; key: Buffer },
): Promise<LoadResult> {
  // undici, one request in flight per keep-alive connection (as kube-scheduler's extender
  // client): the generator shares the two cores with the server, and node:http spent about as
  // much CPU per call as the server did (~320 µs for a 59 KiB call), which at concurrency 1
  // measured the client as much as placer.
  const pool = new Pool(url, { connections: concurrency, pipelining: 1, ...(tls && { connect: tls }) });
  const lat = new Map<string, number[]>();
  let i = 0;
  let calls = 0;
  let sent = 0;
  let errors = 0;
  let firstError: string | null = null;
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + durationMs;
  const worker = async () => {
    for (;;) {
      const now = performance.now();
      if (now >= end) return;
      const r = next(i++);
      const t0 = performance.now();
      const res = await pool.request({ path: r.path, method: 'POST', body: r.body, headers: r.headers });
      // The whole answer is received (and kept for the occasional check).
      const body = Buffer.from(await res.body.arrayBuffer());
      const t1 = performance.now();
      sent++;
      const reply: Reply = { status: res.statusCode, body, headers: res.headers };
      if (reply.status < 200 || reply.status >= 300) {
        errors++;
        firstError ??= `${r.path} → ${reply.status}: ${body.toString('utf8').slice(0, 300)}`;
      } else if (r.check && (i & 63) === 0) r.check(reply);
      if (t0 >= measureFrom && t1 <= end) {
        calls++;
        let a = lat.get(r.label);
        if (!a) lat.set(r.label, (a = []));
        a.push(t1 - t0);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    await pool.close();
  }
  if (errors > 0) throw new Error(`${errors} failed calls; first: ${firstError}`);
  const seconds = durationMs / 1000;
  const latencies = new Map([...lat].map(([k, v]) => [k, Float64Array.from(v).sort()]));
  return { concurrency, seconds, calls, callsPerSec: calls / seconds, errors, latencies, sent };
}

/** Histogram buckets of one Prometheus metric, per label set: `le` → cumulative count. */
export function histogram(text: string, metric: string, match: Record<string, string>): Map<number, number> {
  const out = new Map<number, number>();
  const re = new RegExp(`^${metric}_bucket\\{([^}]*)\\} ([0-9.e+-]+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (!Object.entries(match).every(([k, v]) => labels[k] === v)) continue;
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    out.set(le, (out.get(le) ?? 0) + Number(m[2]));
  }
  return out;
}

/** Mean of the observations of one Prometheus histogram between two scrapes (its _sum and _count), ms. */
export function histogramMeanMs(before: string, after: string, metric: string, match: Record<string, string>): number | null {
  const total = (text: string, suffix: string) => {
    let t = 0;
    const re = new RegExp(`^${metric}_${suffix}\\{([^}]*)\\} ([0-9.e+-]+)$`, 'gm');
    for (const m of text.matchAll(re)) {
      const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
      if (Object.entries(match).every(([k, v]) => labels[k] === v)) t += Number(m[2]);
    }
    return t;
  };
  const n = total(after, 'count') - total(before, 'count');
  return n > 0 ? ((total(after, 'sum') - total(before, 'sum')) / n) * 1000 : null;
}

/** The bucket bound under which quantile q of (after − before) observations fell (ms). */
export function histogramQuantile(before: Map<number, number>, after: Map<number, number>, q: number): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  if (total <= 0) return null;
  for (const le of bounds) {
    const n = (after.get(le) ?? 0) - (before.get(le) ?? 0);
    if (n >= q * total) return le * 1000;
  }
  return null;
}
