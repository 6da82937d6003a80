// A real Kubernetes control plane for one test file: etcd (its data on /dev/shm) and
// kube-apiserver v1.24 serving TLS with a CA of the test's own, static tokens (the admin in
// system:masters; placer as its ServiceAccount, so that deploy/rbac.yaml is what authorizes it;
// kube-scheduler as system:kube-scheduler), RBAC, and without the admission plugins that wait for
// kube-controller-manager and kubelets (ServiceAccount, TaintNodesByCondition, ResourceQuota: the
// API server does not enforce quotas itself, placer's enforcement is what a test sees). The flags
// are those /work/shared/k8s/README.md knows to work.
//
// The API server can be killed and started again (with other flags: no watch cache), and etcd's
// history compacted, for the fault tests.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Binaries } from './binaries.js';
import { Kube } from './kube.js';
import { makePki, writeTokens, type Pki, type User } from './pki.js';
import { freePort, start, until, type Proc } from './procs.js';

export interface ApiServerOptions {
  /** --watch-cache (default true): false sends every watch to etcd. */
  watchCache?: boolean;
  extraArgs?: string[];
}

export class ControlPlane {
  readonly admin: Kube;
  private apiserver: Proc | undefined;
  private kubes: Kube[] = [];

  private constructor(
    readonly bins: Binaries,
    readonly dir: string,
    private readonly etcdDir: string,
    readonly pki: Pki,
    readonly tokens: Record<User, string>,
    private readonly tokensFile: string,
    private readonly etcd: Proc,
    readonly etcdUrl: string,
    readonly apiPort: number,
  ) {
    this.admin = this.client('admin');
  }

  get url(): string {
    return `https://127.0.0.1:${this.apiPort}`;
  }

  /** etcd, then the API server; resolves once /readyz answers 200 (its RBAC bootstrap done). */
  static async start(bins: Binaries, opts: ApiServerOptions = {}): Promise<ControlPlane> {
    const dir = mkdtempSync(join(tmpdir(), 'placer-k8s-'));
    const etcdDir = etcdDataDir();
    const pki = makePki(dir);
    const { file, tokens } = writeTokens(dir);
    const [client, peer, api] = [await freePort(), await freePort(), await freePort()];
    const etcdUrl = `http://127.0.0.1:${client}`;
    const etcd = start(
      'etcd',
      bins.etcd,
      [
        '--name=t',
        `--data-dir=${etcdDir}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=t=http://127.0.0.1:${peer}`,
        '--log-level=warn',
      ],
      join(dir, 'etcd.log'),
    );
    await until(async () => (await fetch(`${etcdUrl}/health`)).ok, 30_000, 'etcd healthy');
    const cp = new ControlPlane(bins, dir, etcdDir, pki, tokens, file, etcd, etcdUrl, api);
    await cp.startApiServer(opts);
    return cp;
  }

  async startApiServer(opts: ApiServerOptions = {}): Promise<void> {
    this.apiserver = start(
      'kube-apiserver',
      this.bins.apiserver,
      [
        `--etcd-servers=${this.etcdUrl}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${this.apiPort}`,
        `--tls-cert-file=${this.pki.serverCert}`,
        `--tls-private-key-file=${this.pki.serverKey}`,
        `--client-ca-file=${this.pki.caCert}`,
        `--token-auth-file=${this.tokensFile}`,
        '--authorization-mode=Node,RBAC',
        '--anonymous-auth=false',
        '--service-account-issuer=https://kubernetes.default.svc',
        `--service-account-key-file=${this.pki.saPub}`,
        `--service-account-signing-key-file=${this.pki.saKey}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--disable-admission-plugins=ServiceAccount,TaintNodesByCondition,ResourceQuota',
        `--watch-cache=${opts.watchCache ?? true}`,
        '--profiling=false',
        ...(opts.extraArgs ?? []),
      ],
      join(this.dir, 'apiserver.log'),
    );
    const proc = this.apiserver;
    await until(
      async () => {
        if (proc.proc.exitCode !== null) throw new Error(`kube-apiserver exited:\n${proc.output().slice(-3000)}`);
        return (await this.admin.call('GET', '/readyz', undefined, undefined, 5000)).code === 200;
      },
      90_000,
      'kube-apiserver ready',
      200,
    );
  }

  /** SIGKILL the API server (etcd keeps running). */
  async killApiServer(): Promise<void> {
    await this.apiserver?.kill('SIGKILL');
  }

  /** A client as `user` (through `server`, e.g. a proxy, instead of the API server itself). */
  client(user: User, server = this.url): Kube {
    const k = new Kube(server, this.pki.caCert, this.tokens[user]);
    this.kubes.push(k);
    return k;
  }

  /** A kubeconfig file for `user`, pointing at `server` (default: the API server). */
  kubeconfig(user: User, server = this.url, namespace = 'placer-system'): string {
    const file = join(this.dir, `kubeconfig-${user}-${Math.random().toString(36).slice(2, 8)}`);
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'test', cluster: { server, 'certificate-authority': this.pki.caCert } }],
        users: [{ name: user, user: { token: this.tokens[user] } }],
        contexts: [{ name: 'test', context: { cluster: 'test', user, namespace } }],
        'current-context': 'test',
      }),
    );
    return file;
  }

  /** etcd's current revision (its gRPC gateway). */
  async etcdRevision(): Promise<number> {
    const r = await fetch(`${this.etcdUrl}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify({ key: Buffer.from('/').toString('base64') }),
    });
    const body = (await r.json()) as { header: { revision: string } };
    return Number(body.header.revision);
  }

  /** Compact etcd's history up to its current revision: every older resourceVersion is gone (410 for a watch from it). */
  async compactEtcd(): Promise<number> {
    const revision = await this.etcdRevision();
    const r = await fetch(`${this.etcdUrl}/v3/kv/compaction`, { method: 'POST', body: JSON.stringify({ revision, physical: true }) });
    if (!r.ok) throw new Error(`etcd compaction: ${r.status} ${await r.text()}`);
    return revision;
  }

  /** The process ids of the API server and etcd (a benchmark reads their CPU in /proc). */
  pids(): { apiserver: number | undefined; etcd: number | undefined } {
    return { apiserver: this.apiserver?.proc.pid, etcd: this.etcd.proc.pid };
  }

  /** The API server's log so far. */
  apiServerLog(): string {
    return this.apiserver?.output() ?? '';
  }

  async stop(): Promise<void> {
    for (const k of this.kubes) k.close();
    await this.apiserver?.kill('SIGKILL');
    await this.etcd.kill('SIGKILL');
    rmSync(this.etcdDir, { recursive: true, force: true });
    if (!process.env.PLACER_KEEP_K8S) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** etcd's data on /dev/shm (tmpfs: much faster on a loaded machine), else in the temp dir. */
function etcdDataDir(): string {
  try {
    return mkdtempSync(join('/dev/shm', 'placer-etcd-'));
  } catch {
    return mkdtempSync(join(tmpdir(), 'placer-etcd-'));
  }
}
