// placer in Kubernetes mode as a real process (`placer serve --kubeconfig`) against the real API
// server, as its ServiceAccount — deploy/rbac.yaml is all it may do — optionally through a proxy;
// or as deploy/placer.yaml's DaemonSet runs it (HTTPS, client certificates, --delegated-auth), and
// a client of its HTTPS port.

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { ControlPlane } from './controlplane.js';
import type { Answer, Obj } from './kube.js';
import { deployDocs } from './objects.js';
import { spawnServe, type Server } from '../e2e/server.js';

export type Placer = Server;

export interface PlacerOptions {
  /** The API server URL placer uses (a proxy's); default the API server itself. */
  server?: string;
  args?: string[];
  /** Arguments of Node itself (a benchmark's --cpu-prof). */
  nodeArgs?: string[];
}

/** Start placer; resolves once it serves, that is after its first lists. */
export function startPlacer(cp: ControlPlane, o: PlacerOptions = {}): Promise<Placer> {
  return spawnServe(
    ['--kubeconfig', cp.kubeconfig('placer', o.server ?? cp.url), '--log-level', 'info', ...(o.args ?? [])],
    /placer serving on (http:\/\/127\.0\.0\.1:\d+) \(Kubernetes mode\)/,
    undefined,
    o.nodeArgs,
  );
}

/** placer's JSON log lines (stderr) so far. */
export function logLines(p: Placer): Record<string, unknown>[] {
  return p
    .stderr()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The files a test gives the shipped DaemonSet's volumes: each mountPath's files, by name. */
export type VolumeFiles = Record<string, Record<string, string>>;

/** The placer container of deploy/placer.yaml's DaemonSet, as shipped. */
export function shippedContainer(): Obj {
  const ds = deployDocs('placer.yaml').find((d) => d.kind === 'DaemonSet')!;
  return ((((ds.spec as Obj).template as Obj).spec as Obj).containers as Obj[])[0];
}

/**
 * placer as deploy/placer.yaml's DaemonSet runs it: the container's own arguments, but for
 * --in-cluster (a kubeconfig of placer's ServiceAccount instead: no pod here) and --port (a free
 * one); every path under a volumeMount is read from the files `volumes` gives that mountPath (the
 * keys of the Secret or ConfigMap mounted there), so a flag that names a file the volume does not
 * hold fails the start. Resolves with its HTTPS URL once it serves.
 */
export async function startShippedPlacer(cp: ControlPlane, volumes: VolumeFiles, port: number): Promise<Placer> {
  const c = shippedContainer();
  const mounts = (c.volumeMounts as Obj[]).map((m) => String(m.mountPath));
  const dir = mkdtempSync(join(cp.dir, 'volumes-'));
  const local = new Map<string, string>();
  for (const m of mounts) {
    const d = join(dir, m.replace(/\//g, '_'));
    mkdirSync(d);
    for (const [name, from] of Object.entries(volumes[m] ?? {})) copyFileSync(from, join(d, name));
    local.set(m, d);
  }
  const args = (c.args as string[]).slice(1).flatMap((a) => {
    if (a === '--in-cluster') return ['--kubeconfig', cp.kubeconfig('placer')];
    if (a.startsWith('--port=')) return [`--port=${port}`];
    const [flag, value] = a.split('=', 2);
    const mount = value === undefined ? undefined : mounts.find((m) => value.startsWith(`${m}/`));
    return [mount === undefined ? a : `${flag}=${local.get(mount)!}${value.slice(mount.length)}`];
  });
  return spawnServe([...args, '--log-level', 'info'], /placer serving on (https:\/\/127\.0\.0\.1:\d+) \(Kubernetes mode\)/, []);
}

export interface Caller {
  /** A bearer token. */
  token?: string;
  /** A client certificate and its key (PEM files). */
  certFile?: string;
  keyFile?: string;
}

/** One request to placer over HTTPS, trusting `caFile`, as `who`; the status and the parsed body. */
export function callPlacer(url: string, caFile: string, who: Caller, method: string, path: string, body?: unknown): Promise<Answer> {
  const text = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, url),
      {
        method,
        agent: false,
        ca: readFileSync(caFile),
        ...(who.certFile && { cert: readFileSync(who.certFile), key: readFileSync(who.keyFile!) }),
        headers: {
          ...(who.token !== undefined && { authorization: `Bearer ${who.token}` }),
          ...(text !== undefined && { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () => {
          let parsed: Obj;
          try {
            parsed = JSON.parse(data) as Obj;
          } catch {
            parsed = { text: data };
          }
          resolve({ code: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}
