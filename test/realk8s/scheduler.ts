// The real kube-scheduler (v1.26.7 framework) with placer as its extender, configured from
// deploy/kube-scheduler-config.yaml as shipped: only the extender's urlPrefix (placer beside it,
// on its own port here), its tlsConfig files (the test's; without them, against a placer serving
// plain HTTP, no TLS), the client connection and the leader election timings change. Without
// placer it runs alone: the same file without `extenders`, scoring every node.

import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ControlPlane } from './controlplane.js';
import type { Obj } from './kube.js';
import { deployDocs } from './objects.js';
import { freePort, start, until, type Proc } from './procs.js';

export interface SchedulerOptions {
  /** placer's base URL (http://127.0.0.1:PORT): the extender's urlPrefix is its /scheduler; none: kube-scheduler alone. */
  placer?: string;
  /** The shipped tlsConfig's files, the test's own (placer over HTTPS); without, no TLS. */
  tls?: { certFile: string; keyFile: string; caFile: string };
  /** Another extender's urlPrefix in placer's place (same verbs and settings: the benchmark's do-nothing extender). */
  extender?: string;
  /** percentageOfNodesToScore (default: kube's adaptive one with an extender, 100 alone). */
  percentageOfNodesToScore?: number;
  /** Resources NodeResourcesFit ignores (pluginConfig), as an extender's managedResources' ignoredByScheduler does. */
  ignoredResources?: string[];
  /** false: the extender's bindVerb left out, kube-scheduler binds by itself (default: as shipped, placer binds). */
  extenderBinds?: boolean;
  /** The profile's schedulerName (default: the shipped default-scheduler): a second scheduler beside the first. */
  schedulerName?: string;
  /** Leader election over kube-system/kube-scheduler (default: off, one scheduler). */
  leaderElection?: { leaseDuration: string; renewDeadline: string; retryPeriod: string };
  /** A name for the log file. */
  name?: string;
  verbosity?: number;
}

export interface Scheduler extends Proc {
  port: number;
  /** True once the log says it holds the lease (always true without leader election, once started). */
  leads(): boolean;
}

export async function startScheduler(cp: ControlPlane, o: SchedulerOptions): Promise<Scheduler> {
  const cfg = deployDocs('kube-scheduler-config.yaml')[0];
  const urlPrefix = o.extender ?? (o.placer === undefined ? undefined : `${o.placer}/scheduler`);
  if (urlPrefix !== undefined) {
    const ext = (cfg.extenders as Obj[])[0];
    ext.urlPrefix = urlPrefix;
    if (o.extenderBinds === false) delete ext.bindVerb;
    if (o.tls) ext.tlsConfig = { ...(ext.tlsConfig as Obj), ...o.tls };
    else {
      delete ext.enableHTTPS;
      delete ext.tlsConfig;
    }
  } else {
    delete cfg.extenders;
    cfg.percentageOfNodesToScore = 100;
  }
  if (o.percentageOfNodesToScore !== undefined) cfg.percentageOfNodesToScore = o.percentageOfNodesToScore;
  if (o.schedulerName !== undefined) cfg.profiles = (cfg.profiles as Obj[]).map((p) => ({ ...p, schedulerName: o.schedulerName }));
  if (o.ignoredResources)
    cfg.profiles = (cfg.profiles as Obj[]).map((p) => ({
      ...p,
      pluginConfig: [{ name: 'NodeResourcesFit', args: { ignoredResources: o.ignoredResources } }],
    }));
  cfg.clientConnection = { kubeconfig: cp.kubeconfig('scheduler', cp.url, 'kube-system'), qps: 5000, burst: 5000 };
  cfg.leaderElection = o.leaderElection
    ? {
        ...(cfg.leaderElection as Obj),
        resourceLock: 'leases',
        resourceNamespace: 'kube-system',
        resourceName: 'kube-scheduler',
        ...o.leaderElection,
      }
    : { leaderElect: false };
  const name = o.name ?? `kube-scheduler-${Math.random().toString(36).slice(2, 6)}`;
  const file = join(cp.dir, `${name}.yaml`);
  writeFileSync(file, stringify(cfg));
  const port = await freePort();
  const proc = start(
    name,
    cp.bins.scheduler!,
    [
      `--config=${file}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${port}`,
      '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
      `-v=${o.verbosity ?? 2}`,
    ],
    join(cp.dir, `${name}.log`),
  );
  await until(
    async () => {
      if (proc.proc.exitCode !== null) throw new Error(`kube-scheduler exited:\n${proc.output().slice(-3000)}`);
      return (await schedulerGet(port, '/healthz')).code === 200;
    },
    60_000,
    'kube-scheduler healthy',
    200,
  );
  const leads = (): boolean => !o.leaderElection || proc.output().includes('successfully acquired lease kube-system/kube-scheduler');
  return { ...proc, port, leads };
}

/** GET on kube-scheduler's own HTTPS port (a self-signed certificate: not verified). */
export function schedulerGet(port: number, path: string): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, rejectUnauthorized: false, timeout: 5000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
