// Helpers of the Kubernetes-mode end-to-end tests (kube.test.ts, kube-restart.test.ts, …): fixtures
// for hosts and pods, a replica's hosts and placements by prefix or namespace, the placer CLI as a
// process, what the fake API server says runs where, and one replica on a fake API server for a
// file's tests.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { node, pod } from '../fixtures/k8s.js';
import { FakeApiServer, type Obj } from '../apiserver/fake-apiserver.js';
import {
  hosts as allHosts,
  killAll,
  kubeconfigFor,
  placements as allPlacements,
  removeTempDirs,
  startReplica,
  type Replica,
} from '../apiserver/replica.js';

export const hv = (name: string, cpu = '4', labels: Record<string, string> = {}) =>
  node(name).labels(labels).allocatable({ cpu, memory: '16Gi', pods: '10' });
export const web = (name: string, ns: string, cpu: string) => pod(name).ns(ns).container({ cpu, memory: '1Gi' });
export const uidOf = (o: Obj): string => String((o.metadata as Obj).uid);
export const MARKER = { 'placer.dev/managed': '1' };

/** The hosts whose names start with `prefix`. */
export async function hosts(r: Replica, prefix: string): Promise<Record<string, Obj>> {
  return Object.fromEntries(Object.entries(await allHosts(r)).filter(([n]) => n.startsWith(prefix)));
}

/** The placements of namespace `ns`, or all. */
export async function placements(r: Replica, ns?: string): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await allPlacements(r)).filter(([k]) => ns === undefined || k.startsWith(`${ns}/`)));
}

export const json = (v: unknown): string => JSON.stringify(v);

/** The placer CLI as a process (asynchronously: the fake API server in this process keeps serving). */
export function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(import.meta.dirname, '..', '..', 'bin', 'placer.js'), ...args],
      { encoding: 'utf8' },
      (err, stdout, stderr) => {
        resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
      },
    );
  });
}

/** What the fake API says runs where: bound pods that have not finished, VirtualMachines on a host. */
export function apiPlacements(f: FakeApiServer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of f.list('VirtualMachine')) {
    const md = v.metadata as Obj;
    const n = (v.status as Obj | undefined)?.nodeName;
    if (typeof n === 'string' && n !== '') out[`${md.namespace}/${md.name}`] = n;
  }
  for (const p of f.list('Pod')) {
    const md = p.metadata as Obj;
    const n = (p.spec as Obj).nodeName;
    const phase = (p.status as Obj | undefined)?.phase;
    if (typeof n === 'string' && n !== '' && phase !== 'Succeeded' && phase !== 'Failed') out[`${md.namespace}/${md.name}`] = n;
  }
  return out;
}

/**
 * A fake API server and one replica (`placer serve --kubeconfig`, the marker resource ignored) for
 * the tests of the calling file: started before them, stopped after. Read them through the getters.
 */
export function replicaOnFakeApi(): { f: () => FakeApiServer; r: () => Replica } {
  let f: FakeApiServer;
  let r: Replica;
  beforeAll(async () => {
    f = await FakeApiServer.start({ token: 'e2e-token' });
    r = await startReplica(kubeconfigFor(f), ['--ignored-resources', 'placer.dev/managed']);
  });
  afterAll(async () => {
    killAll();
    await f.stop();
    removeTempDirs();
  });
  return { f: () => f, r: () => r };
}
