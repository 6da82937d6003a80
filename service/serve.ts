// `placer serve`, the composition root: the one place that wires the state, the HTTP app
// (server/), Kubernetes mode and the standalone Binding client (apiserver/) together. The app
// declares what it needs from the API server as ports (server/ports.ts); KubeMode and Binder fit
// them, and are handed in here.
//
// Start-up: listen at once (so /livez answers and /readyz says "not ready"), rebuild the state
// from the store under --data-dir, apply --bootstrap manifests when the store is empty (printing
// the same table and summary as `placer place`), then become ready and print the URL.
//
// Kubernetes mode (opts.kube, apiserver/mode.ts): no store on disk and no --bootstrap; the state
// is loaded once every resource was listed from the API server.
//
// Security (docs/security.md): HTTPS when --tls-cert-file/--tls-private-key-file are given (the
// pair and the client CA re-read on change, server/tls.ts); client certificates and a static
// token file authenticate, the caller's groups authorize (server/auth/); without authentication
// placer listens on loopback only unless told --allow-anonymous (server/exposure.ts).
//
// Shutdown on SIGTERM/SIGINT: /readyz turns 503, the server stops accepting connections and
// finishes the requests in flight (every change is already durable when its response is sent),
// idle keep-alive connections are closed, the rest at a deadline (--shutdown-grace-period); then
// the store's WAL is checkpointed, the logs flushed, and the process exits 0. In Kubernetes mode
// scheduling stops and the Lease is given up at once, and by the same deadline the extender's
// binds in flight get their Bindings' answers, scheduler mode's Bindings in flight theirs and its
// Events are sent; only then are the watches and the API client closed.

import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serve as listen, type ServerType } from '@hono/node-server';
import pino from 'pino';
import { InputError } from '../model/errors.js';
import type { BackendName } from '../core-wasm/src/engine.js';
import type { Strategy } from '../model/types.js';
import { Binder, type ApiServerOptions } from './apiserver/binding.js';
import { KubeMode, type KubeOptions } from './apiserver/mode.js';
import { loadPaths } from './manifests/index.js';
import { printResult } from './placement/printers.js';
import { createApp } from './server/app.js';
import type { ExtenderChoice } from './server/routes/extender-choice.js';
import { AuditLogFile, type AuditLogOptions } from './server/auth/audit-log.js';
import { clientCertificates } from './server/auth/client-cert.js';
import { groupAuthorizer } from './server/auth/groups.js';
import type { Authenticator } from './server/auth/identity.js';
import type { AuthConfig } from './server/auth/middleware.js';
import { TokenFile } from './server/auth/token-file.js';
import { listenAddress } from './server/exposure.js';
import { httpsOptions, reloadOnChange, type TlsFiles } from './server/tls.js';
import type { BodyLimits } from './server/body.js';
import { Metrics } from './server/metrics.js';
import type { Lifecycle } from './server/routes/health.js';
import type { StateOptions } from './state/core.js';
import { PlacerState } from './state/state.js';
import { MEMORY } from './state/store.js';

export interface ServeOptions {
  port: number;
  /** Default: 127.0.0.1 without authentication, 0.0.0.0 with (server/exposure.ts). */
  host?: string;
  /** Serve HTTPS with these files (and verify client certificates against tls.clientCaFile). */
  tls?: TlsFiles;
  /** kube-apiserver's static token CSV (token,user,uid,"groups"), re-read on change. */
  tokenAuthFile?: string;
  /** Listen beyond loopback without authentication. */
  allowAnonymous?: boolean;
  /** Kubernetes mode: authenticate bearer tokens with TokenReview, authorize with SubjectAccessReview. */
  delegatedAuth?: boolean;
  /** Where the audit lines go (default stderr; `-` stdout; a file, rotated by size). */
  auditLog?: AuditLogOptions;
  dataDir: string;
  bootstrap?: string[];
  backend?: BackendName;
  strategy?: Strategy;
  /** The rest of a KubeSchedulerConfiguration's score profile (`--config`). */
  profile?: StateOptions['profile'];
  cpuMhzPerCore?: number;
  logLevel?: string;
  /** Longest wait for in-flight requests at shutdown before connections are cut. */
  shutdownTimeoutMs?: number;
  limits?: Partial<BodyLimits>;
  /** Create Bindings in this API server on the extender's bind. */
  apiServer?: ApiServerOptions;
  /** Resources placer does not account (see StateOptions.ignoredResources). */
  ignoredResources?: string[];
  /** Who picks among the nodes that pass the extender's filter (default kube-scheduler). */
  extenderChoice?: ExtenderChoice;
  /** kube-scheduler's profile scores ImageLocality (default true): placer's choice then defers to it where images may count. */
  imageLocality?: boolean;
  /** Kubernetes mode: mirror this API server instead of keeping a store (dataDir and bootstrap unused). */
  kube?: KubeOptions;
}

export interface RunningServer {
  url: string;
  state: PlacerState;
  /** Stop as on SIGTERM; resolves when everything is closed (does not exit the process). */
  stop(): Promise<void>;
  /** Reopen the audit log file (SIGHUP: logrotate moved it). */
  reopenAuditLog(): void;
}

function displayHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Audit lines on stderr/stdout are written in chunks of this many bytes… */
const AUDIT_BUFFER_BYTES = 4096;
/** …or after this long, whichever comes first. */
const AUDIT_FLUSH_MS = 100;

export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const at = listenAddress({
    ...(opts.host !== undefined && { host: opts.host }),
    tls: opts.tls !== undefined,
    clientCa: opts.tls?.clientCaFile !== undefined,
    tokens: opts.tokenAuthFile !== undefined,
    delegated: opts.delegatedAuth === true,
    allowAnonymous: opts.allowAnonymous === true,
  });
  if (opts.delegatedAuth && !opts.kube)
    throw new InputError(undefined, '', '--delegated-auth needs Kubernetes mode (--kubeconfig or --in-cluster)');
  const tlsOptions = opts.tls && httpsOptions(opts.tls);
  const tokens = opts.tokenAuthFile === undefined ? undefined : new TokenFile(opts.tokenAuthFile);

  const logger = pino({ level: opts.logLevel ?? 'info', base: { component: 'placer' } }, pino.destination({ dest: 2, sync: false }));
  // the audit trail is written whatever --log-level says, where --audit-log-path says
  const auditPath = opts.auditLog?.path;
  let auditFile: AuditLogFile | undefined;
  try {
    if (auditPath !== undefined && auditPath !== '-') auditFile = new AuditLogFile({ ...opts.auditLog, path: auditPath });
  } catch (err) {
    throw new InputError(undefined, '', `--audit-log-path ${auditPath}: ${(err as Error).message}`);
  }
  // on stderr or stdout the lines are buffered (an extender bind writes one: the hot path) and go
  // out AUDIT_BUFFER_BYTES at a time, at least every AUDIT_FLUSH_MS, and at shutdown; the file
  // (audit-log.ts) writes each line before the answer
  const audit = pino(
    { level: 'info', base: { component: 'placer' } },
    auditFile ??
      pino.destination({ dest: auditPath === '-' ? 1 : 2, sync: false, minLength: AUDIT_BUFFER_BYTES, periodicFlush: AUDIT_FLUSH_MS }),
  );
  for (const w of at.warnings) logger.warn(w);
  const lifecycle: Lifecycle = { loaded: false, shuttingDown: false };
  let state: PlacerState | undefined;
  const metrics = new Metrics(() => state);
  const binder = opts.apiServer ? new Binder(opts.apiServer) : undefined;
  let kube: KubeMode | undefined;
  try {
    if (opts.kube) kube = await KubeMode.connect(opts.kube, logger, metrics.registry);
  } catch (err) {
    auditFile?.close();
    await new Promise<void>((r) => logger.flush(() => r()));
    throw err;
  }
  // Kubernetes mode with --delegated-auth: the API server reviews tokens and decides access
  const delegated = kube && opts.delegatedAuth ? kube.delegatedAuth() : undefined;
  const authenticators: Authenticator[] = [
    ...(opts.tls?.clientCaFile ? [clientCertificates] : []),
    ...(tokens ? [tokens] : []),
    ...(delegated ? [delegated] : []),
  ];
  const auth: AuthConfig | undefined = authenticators.length > 0 ? { authenticators, authorizer: delegated ?? groupAuthorizer } : undefined;
  const app = createApp({
    state: () => (lifecycle.loaded ? state : undefined),
    lifecycle,
    metrics,
    logger,
    limits: opts.limits,
    audit,
    ...(auth && { auth }),
    ...(binder && { binder }),
    ...(kube && { kube }),
    ...(opts.extenderChoice && { extenderChoice: opts.extenderChoice }),
    ...(opts.imageLocality !== undefined && { imageLocality: opts.imageLocality }),
  });

  const server: ServerType = await new Promise((resolve, reject) => {
    const s = listen(
      {
        fetch: app.fetch,
        port: opts.port,
        hostname: at.host,
        ...(tlsOptions && { createServer: createHttpsServer, serverOptions: tlsOptions }),
      },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  const stopReloading = opts.tls && reloadOnChange(server as HttpsServer, opts.tls, logger);
  tokens?.watch(logger);
  const port = (server.address() as AddressInfo).port;
  const url = `${opts.tls ? 'https' : 'http'}://${displayHost(at.host)}:${port}`;

  /** How long a shutdown may take (--shutdown-grace-period). */
  const graceMs = opts.shutdownTimeoutMs ?? 10_000;
  /** Stop listening and finish the requests in flight; at `until` (performance.now() time) their connections are closed. */
  const closeServer = (until: number): Promise<void> =>
    new Promise((resolve) => {
      stopReloading?.();
      tokens?.stop();
      const deadline = setTimeout(
        () => {
          if ('closeAllConnections' in server) server.closeAllConnections();
        },
        Math.max(0, until - performance.now()),
      );
      deadline.unref();
      server.close(() => {
        clearTimeout(deadline);
        resolve();
      });
      if ('closeIdleConnections' in server) server.closeIdleConnections();
    });

  try {
    const t0 = performance.now();
    if (kube) logger.info('listing the API server');
    else logger.info({ dataDir: opts.dataDir }, 'loading state from the store');
    const opening = PlacerState.open({
      dataDir: kube ? MEMORY : opts.dataDir,
      ...(opts.backend && { backend: opts.backend }),
      ...(opts.strategy && { strategy: opts.strategy }),
      ...(opts.profile && { profile: opts.profile }),
      ...(opts.cpuMhzPerCore && { cpuMhzPerCore: opts.cpuMhzPerCore }),
      ...(opts.ignoredResources && { ignoredResources: opts.ignoredResources }),
    });
    // Kubernetes mode: the lists travel while the engine is instantiated, and are applied once it
    // is (an engine that fails to open leaves them unapplied: the error below stops the reflectors)
    const listing = kube?.start(
      () => state!,
      opening.then(
        (s) => void (state = s),
        () => new Promise<void>(() => {}),
      ),
    );
    listing?.catch(() => {}); // awaited below, unless the engine failed first
    state = await opening;
    await listing;
    logger.info({ hosts: state.hostCount(), placements: state.placementCount(), ms: Math.round(performance.now() - t0) }, 'state loaded');
    if (!kube && opts.bootstrap && opts.bootstrap.length > 0) {
      if (state.isEmpty()) {
        const out = state.apply(await loadPaths(opts.bootstrap));
        // as placer place says them: what the bootstrap manifests held and placer does not use
        for (const w of out.result.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
        process.stdout.write(printResult(out.result, 'table'));
        process.stdout.write('\n');
      } else {
        process.stdout.write(
          `${opts.dataDir} already holds ${state.hostCount()} hosts, ${state.placementCount()} placements and ${state.pending.size} pending workloads; --bootstrap skipped\n`,
        );
      }
    }
    // standalone mode converges the pending workloads on its own (Kubernetes mode: kube-scheduler's queue does)
    if (!kube)
      state.startRetries({
        onSlice: (r) => metrics.retried(r),
        onError: (err) => logger.error({ err }, 'retrying pending workloads failed; they stay pending'),
      });
  } catch (err) {
    await kube?.stop();
    await closeServer(performance.now() + graceMs);
    state?.close();
    auditFile?.close();
    await new Promise<void>((r) => logger.flush(() => r()));
    throw err;
  }
  lifecycle.loaded = true;
  process.stdout.write(kube ? `placer serving on ${url} (Kubernetes mode)\n` : `placer serving on ${url} (data dir ${opts.dataDir})\n`);
  for (const n of at.notes) process.stdout.write(`${n}\n`);
  logger.info({ url }, 'ready');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      lifecycle.shuttingDown = true;
      logger.info('shutting down: no new connections, finishing requests in flight');
      // one deadline for all of it: the extender's requests in flight (their Bindings), scheduler
      // mode's Bindings in flight and its Events; the API client closes only after them
      const until = performance.now() + graceMs;
      await Promise.all([kube?.drain(until), closeServer(until)]);
      await kube?.close();
      state!.close();
      logger.info('stopped');
      await new Promise<void>((r) => audit.flush(() => r()));
      auditFile?.close();
      await new Promise<void>((r) => logger.flush(() => r()));
    })());

  return { url, state, stop, reopenAuditLog: () => auditFile?.reopen() };
}

/** The CLI's `placer serve`: serve until SIGTERM/SIGINT, then shut down gracefully and exit 0. */
export async function serveCommand(opts: ServeOptions): Promise<void> {
  const running = await serve(opts);
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`placer: ${signal}: shutting down\n`);
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`placer: shutdown failed: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // SIGHUP: logrotate moved the audit log away; lines go to a new file at the same path
  process.on('SIGHUP', () => running.reopenAuditLog());
}
