// The client's configuration sources against the fake API server over HTTPS (as a real API server
// serves): a kubeconfig with the cluster's CA, and the in-cluster service account (token, ca.crt
// and namespace files, KUBERNETES_SERVICE_HOST/PORT) — what `placer serve --in-cluster` uses in a pod.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../service/apiserver/client.js';
import { node } from '../fixtures/k8s.js';
import { FakeApiServer, type Obj } from './fake-apiserver.js';

const tlsDir = join(import.meta.dirname, 'tls');
const tls = { key: readFileSync(join(tlsDir, 'server.key')), cert: readFileSync(join(tlsDir, 'server.crt')) };

let f: FakeApiServer;
let dir: string;
const env = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };

beforeAll(async () => {
  f = await FakeApiServer.start({ token: 'sa-token', tls });
  f.create(node('hv-1').allocatable({ cpu: '4' }).obj());
  dir = mkdtempSync(join(tmpdir(), 'placer-client-'));
});
afterAll(async () => {
  await f.stop();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  for (const [k, v] of [
    ['KUBERNETES_SERVICE_HOST', env.host],
    ['KUBERNETES_SERVICE_PORT', env.port],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

async function nodes(c: KubeClient): Promise<{ code: number; names: string[] }> {
  const r = await c.request('GET', '/api/v1/nodes', { timeoutMs: 5000 });
  return { code: r.code, names: ((r.body?.items ?? []) as Obj[]).map((n) => String((n.metadata as Obj).name)) };
}

/** The service account files under `prefix`, as the kubelet mounts them in a pod. */
function serviceAccount(prefix: string, token: string, namespace: string, ca: Buffer = tls.cert): void {
  const sa = join(prefix, 'var/run/secrets/kubernetes.io/serviceaccount');
  mkdirSync(sa, { recursive: true });
  writeFileSync(join(sa, 'token'), token);
  writeFileSync(join(sa, 'ca.crt'), ca);
  writeFileSync(join(sa, 'namespace'), namespace);
}

describe('KubeClient over HTTPS', () => {
  it('a kubeconfig with the cluster CA: verified TLS, the bearer token, the context namespace', async () => {
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, f.kubeconfig('team-x').replace('placer-token', 'sa-token'));
    const target = await loadKubeConfig({ kubeconfig: file });
    expect(target.server).toBe(f.url);
    expect(target.server.startsWith('https://127.0.0.1:')).toBe(true);
    expect(target.namespace).toBe('team-x');
    const c = await KubeClient.connect(target);
    try {
      expect(await nodes(c)).toEqual({ code: 200, names: ['hv-1'] });
    } finally {
      c.close();
    }
  });

  it('refuses a server whose certificate the configuration does not trust', async () => {
    const file = join(dir, 'kubeconfig-no-ca');
    writeFileSync(file, f.kubeconfig().replace(/ {4}certificate-authority-data: .*\n/, ''));
    const c = await KubeClient.connect(await loadKubeConfig({ kubeconfig: file }));
    try {
      await expect(nodes(c)).rejects.toThrow(/self[- ]signed certificate/);
    } finally {
      c.close();
    }
  });

  it('in-cluster: KUBERNETES_SERVICE_HOST/PORT, the service account token, ca.crt and namespace', async () => {
    const port = new URL(f.url).port;
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = port;
    const prefix = join(dir, 'pod');
    serviceAccount(prefix, 'sa-token', 'placer-system');
    const target = await loadKubeConfig({ serviceAccountPrefix: prefix });
    expect(target.server).toBe(`https://127.0.0.1:${port}`);
    expect(target.namespace).toBe('placer-system');
    const c = await KubeClient.connect(target);
    try {
      expect(await nodes(c)).toEqual({ code: 200, names: ['hv-1'] });
    } finally {
      c.close();
    }

    // another pod's token: the API server says 401
    const other = join(dir, 'other-pod');
    serviceAccount(other, 'not-the-token', 'placer-system');
    const c2 = await KubeClient.connect(await loadKubeConfig({ serviceAccountPrefix: other }));
    try {
      expect((await nodes(c2)).code).toBe(401);
    } finally {
      c2.close();
    }
  });

  it('in-cluster outside a pod: a clear error', async () => {
    delete process.env.KUBERNETES_SERVICE_HOST;
    delete process.env.KUBERNETES_SERVICE_PORT;
    await expect(loadKubeConfig({})).rejects.toThrow(
      '--in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not running in a pod?); use --kubeconfig outside a cluster',
    );
  });
});
