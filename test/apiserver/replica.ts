// A real `placer serve` process in Kubernetes mode, pointed at a fake API server through a
// kubeconfig file the test wrote (as test/e2e/serve.test.ts starts standalone servers).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killAll, type Server, spawnServe } from '../e2e/server.js';
import type { FakeApiServer } from './fake-apiserver.js';

export type Obj = Record<string, unknown>;

/** A replica is a server process like any other (test/e2e/server.ts starts both). */
export type Replica = Server;

const dirs: string[] = [];

/** Write the fake's kubeconfig to a temp file. */
export function kubeconfigFor(f: FakeApiServer): string {
  const d = mkdtempSync(join(tmpdir(), 'placer-kube-'));
  dirs.push(d);
  const p = join(d, 'kubeconfig');
  writeFileSync(p, f.kubeconfig());
  return p;
}

/** Start `placer serve --kubeconfig`; resolves once it serves (that is, after its first lists). */
export function startReplica(kubeconfig: string, args: string[] = []): Promise<Replica> {
  return spawnServe(
    ['--kubeconfig', kubeconfig, '--log-level', 'info', ...args],
    /placer serving on (http:\/\/127\.0\.0\.1:\d+) \(Kubernetes mode\)/,
  );
}

/** SIGKILL every replica still running (afterEach). */
export { killAll };

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function call(r: Replica, method: string, path: string, body?: unknown): Promise<{ status: number; body: Obj; text: string }> {
  // a fresh connection per call (as test/e2e/server.ts): never a keep-alive socket the server closed while the test was blocked
  const res = await fetch(r.url + path, {
    method,
    headers: { connection: 'close', ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  let parsed: Obj = {};
  try {
    parsed = JSON.parse(text) as Obj;
  } catch {
    // /readyz and /metrics are text
  }
  return { status: res.status, body: parsed, text };
}

/** The hosts as GET /v1/hosts shows them: name → used, allocatable, unschedulable, workloads. */
export async function hosts(r: Replica): Promise<Record<string, Obj>> {
  const items = (await call(r, 'GET', '/v1/hosts')).body.items as Obj[];
  return Object.fromEntries(items.map((h) => [h.name as string, { used: h.used, unschedulable: h.unschedulable, workloads: h.workloads }]));
}

/** namespace/name → host of every placement. */
export async function placements(r: Replica): Promise<Record<string, string>> {
  const items = (await call(r, 'GET', '/v1/placements')).body.items as Obj[];
  return Object.fromEntries(items.map((p) => [`${p.namespace}/${p.name}`, p.host as string]));
}

/** The extender's filter in NodeNames mode (kube-scheduler's nodeCacheCapable: true). */
export async function filter(
  r: Replica,
  pod: Obj,
  nodes: string[],
): Promise<{ passed: string[]; failed: Obj; unresolvable: Obj; error: string }> {
  const { kind: _k, apiVersion: _a, ...p } = pod; // kube-scheduler's pods come without kind/apiVersion
  const res = await call(r, 'POST', '/scheduler/filter', { Pod: p, Nodes: null, NodeNames: nodes });
  return {
    passed: res.body.NodeNames as string[],
    failed: res.body.FailedNodes as Obj,
    unresolvable: res.body.FailedAndUnresolvableNodes as Obj,
    error: res.body.Error as string,
  };
}

export async function bind(r: Replica, pod: Obj, node: string): Promise<string> {
  const md = pod.metadata as Obj;
  const res = await call(r, 'POST', '/scheduler/bind', { PodName: md.name, PodNamespace: md.namespace, PodUID: md.uid, Node: node });
  if (res.status !== 200) return `HTTP ${res.status}: ${res.text}`;
  return res.body.Error as string;
}

/** A metric's value from /metrics (0 when absent). */
export async function metric(r: Replica, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = (await call(r, 'GET', '/metrics')).text;
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:]+)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[3] ?? '').split(',');
    if (want.every((w) => have.includes(w))) return Number(m[4]);
  }
  return 0;
}
