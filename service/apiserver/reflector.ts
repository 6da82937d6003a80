// A reflector, as client-go's: list a resource (in pages, one consistent resourceVersion), hand
// the whole set to the handler, then watch from that resourceVersion and hand over each event.
//
//   - the first list asks, as client-go's informers do, for resourceVersion=0 — any version the
//     API server has: its watch cache answers in one response, without reading etcd page by
//     page (what makes a start with thousands of Nodes and pods cheap for the control plane);
//     the watch from that version then brings whatever is newer. A relist (the history
//     compacted, a handler error) asks for the most recent version, read from etcd;
//   - every event and every BOOKMARK (allowWatchBookmarks=true) advances the resourceVersion, so
//     a re-watch after the server closed the stream (timeoutSeconds) resumes where it left off;
//   - 410 Expired/Gone — as the watch's HTTP status, as an ERROR event carrying a Status with code
//     410, or on a list page's continue token — means the history was compacted: relist, and the
//     handler gets the complete set again (its replace() drops whatever is not in it any more);
//   - any other failure (connection refused, a 5xx, a malformed event, a handler bug) is retried
//     with exponential backoff (backoff.ts: reset after a while without failures, or once a watch
//     ran its course): a watch from the last resourceVersion, or a relist after a handler error
//     (the only way to be sure nothing was half-applied);
//   - a dead connection is noticed within a minute: every watch asks the server to end it after
//     a short timeoutSeconds (20–40 s, randomized), and one still open 10 s past that is taken as
//     dead (client.ts) — a connection that died silently (half-open) shows nothing else over
//     HTTP/1.1, and a 1.24 API server sends no bookmark before the timeout. The cost is a new
//     watch per resource every half minute, resumed from the last resourceVersion;
//   - `healthy` is false from a failure until a list or a watch succeeds again: the mirror may be
//     stale meanwhile (/readyz says so);
//   - an optional resource (a CRD not installed) that lists 404 counts as empty and synced, and
//     is listed again later.

import type { Logger } from 'pino';
import { Backoff } from './backoff.js';
import { ApiStatusError, type KubeClient, type Obj } from './client.js';
import type { KubeMetrics } from './metrics.js';
import type { WatchedResource } from './resources.js';
import { resourceVersionOf } from '../manifests/meta.js';

export interface ReflectorHandler {
  /** The complete current set (initial list and every relist). */
  replace(items: Obj[], resourceVersion: string): void;
  event(type: 'ADDED' | 'MODIFIED' | 'DELETED', obj: Obj): void;
}

export interface ReflectorOptions {
  pageSize?: number;
  /** Server-side watch timeout; randomized between this and twice this, as client-go does. */
  watchTimeoutSeconds?: number;
  /** A watch still open this long after its timeoutSeconds is taken as dead. */
  watchGraceMs?: number;
  /** Deadline for the headers of a watch's answer. */
  watchHeaderMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** The backoff starts over after this long without a failure. */
  backoffResetMs?: number;
  /** How often an optional resource the server does not serve is listed again. */
  absentRetryMs?: number;
}

class Expired extends Error {}

/** An object's key as etcd orders it: `namespace/name`, or the name of a cluster-scoped one. */
function keyOf(o: Obj): string {
  const md = (typeof o.metadata === 'object' && o.metadata !== null ? o.metadata : {}) as Obj;
  const name = typeof md.name === 'string' ? md.name : '';
  return typeof md.namespace === 'string' && md.namespace !== '' ? `${md.namespace}/${name}` : name;
}

/** `items` in key order, code unit by code unit (etcd compares bytes; Kubernetes names are ASCII); each key built once. */
function inKeyOrder(items: Obj[]): Obj[] {
  const keyed = items.map((o) => ({ k: keyOf(o), o }));
  keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  return keyed.map((e) => e.o);
}

export class Reflector {
  resourceVersion = '';
  /** True once the first list was handed over. */
  synced = false;
  /** False from a failure until a list or a watch succeeds again: the mirror of this resource may be stale. */
  healthy = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  private readonly o: Required<ReflectorOptions>;
  private sleeping: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  /** What the first list waits for before it is handed over (start()); settled from then on. */
  private handover: Promise<void> = Promise.resolve();

  constructor(
    private readonly client: KubeClient,
    readonly resource: WatchedResource,
    private readonly handler: ReflectorHandler,
    private readonly log: Logger,
    private readonly metrics: KubeMetrics | undefined,
    opts: ReflectorOptions = {},
  ) {
    this.o = {
      pageSize: 500,
      watchTimeoutSeconds: 20,
      watchGraceMs: 10_000,
      watchHeaderMs: 10_000,
      backoffInitialMs: 800,
      backoffMaxMs: 30_000,
      backoffResetMs: 30_000,
      absentRetryMs: 30_000,
      ...opts,
    };
  }

  /**
   * Start; resolves after the first list was handed to the handler (or rejects if stopped before).
   * `after`: the first list is fetched at once but handed over only once `after` settles — the
   * lists of several resources travel together while their sets are applied in order.
   */
  start(after: Promise<unknown> = Promise.resolve()): Promise<void> {
    let first: () => void = () => {};
    const listed = new Promise<void>((resolve) => (first = resolve));
    this.handover = after.then(
      () => {},
      () => {},
    );
    this.running = this.run(() => first());
    return Promise.race([
      listed,
      this.running.then(() => Promise.reject(new Error(`${this.resource.kind} reflector stopped before its first list`))),
    ]);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.sleeping) {
      clearTimeout(this.sleeping.timer);
      this.sleeping.resolve();
    }
    await this.running;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeping = undefined;
        resolve();
      }, ms);
      this.sleeping = { timer, resolve };
    });
  }

  private async run(onFirstList: () => void): Promise<void> {
    const kind = this.resource.kind;
    let needList = true;
    let listReason = 'initial';
    const backoff = new Backoff({ initialMs: this.o.backoffInitialMs, maxMs: this.o.backoffMaxMs, resetAfterMs: this.o.backoffResetMs });
    let absent = false;
    while (!this.stopped) {
      try {
        if (needList) {
          absent = !(await this.list());
          this.healthy = true;
          this.metrics?.relists.inc({ resource: kind, reason: listReason });
          needList = false;
          onFirstList();
          if (absent) {
            await this.sleep(this.o.absentRetryMs);
            needList = true;
            listReason = 'absent';
            continue;
          }
        }
        const opened = performance.now();
        const events = await this.watchOnce();
        // the server ended the stream (its timeout): resume from the last resourceVersion at
        // once, unless it was empty and short-lived (a server that closes every watch)
        if (events > 0 || performance.now() - opened >= 1000) backoff.reset();
        else await this.sleep(backoff.next());
      } catch (err) {
        if (this.stopped) break;
        this.healthy = false;
        this.metrics?.watchFailures.inc({ resource: kind });
        if (err instanceof Expired || (err instanceof ApiStatusError && err.code === 410)) {
          this.log.info({ resource: kind, resourceVersion: this.resourceVersion, err: err.message }, 'resourceVersion too old: relisting');
          needList = true;
          listReason = 'expired';
          continue;
        }
        const retryInMs = backoff.next();
        if (err instanceof HandlerError) {
          this.log.error({ resource: kind, err: err.original }, 'applying an event failed: relisting');
          needList = true;
          listReason = 'error';
        } else {
          this.log.warn(
            { resource: kind, err: err instanceof Error ? err.message : String(err), retryInMs },
            needList ? 'list failed' : 'watch failed',
          );
        }
        await this.sleep(retryInMs);
      }
    }
  }

  /** List every page; hand the set over. false: an optional resource the server does not serve. */
  private async list(): Promise<boolean> {
    const items: Obj[] = [];
    let cont = '';
    let rv = '';
    do {
      const q = new URLSearchParams({ limit: String(this.o.pageSize) });
      if (cont) q.set('continue', cont);
      else if (!this.synced) q.set('resourceVersion', '0');
      const r = await this.client.request('GET', `${this.resource.path}?${q}`, { signal: this.abort.signal });
      if (r.code === 404 && this.resource.optional && cont === '') {
        this.log.warn(
          { resource: this.resource.kind, path: this.resource.path },
          'the API server does not serve this resource (CRD not installed?): none assumed, listing again later',
        );
        await this.handover;
        this.apply(() => this.handler.replace([], ''));
        this.resourceVersion = '';
        this.synced = true;
        return false;
      }
      if (r.code === 410) throw new Expired(`list continue token expired: ${String(r.body?.message ?? '')}`);
      if (r.code !== 200 || !r.body) throw new ApiStatusError(r.code, r.body, `GET ${this.resource.path}`);
      const md = (r.body.metadata ?? {}) as Obj;
      if (!Array.isArray(r.body.items)) throw new Error(`GET ${this.resource.path}: the answer has no items list`);
      for (const it of r.body.items as Obj[]) items.push(this.typed(it));
      rv = typeof md.resourceVersion === 'string' ? md.resourceVersion : '';
      cont = typeof md.continue === 'string' ? md.continue : '';
    } while (cont !== '');
    // in etcd's key order (namespace, then name), as a paged list from etcd comes: the watch cache
    // answers in no order, and the handler's order decides the engine's host order (its ties)
    const ordered = inKeyOrder(items);
    await this.handover;
    this.apply(() => this.handler.replace(ordered, rv));
    this.resourceVersion = rv;
    this.synced = true;
    this.log.debug({ resource: this.resource.kind, items: items.length, resourceVersion: rv }, 'listed');
    return true;
  }

  /** Items of a typed list carry no kind/apiVersion; the adapters need them. */
  private typed(o: Obj): Obj {
    if (o.kind === undefined) o.kind = this.resource.kind;
    if (o.apiVersion === undefined) o.apiVersion = this.resource.apiVersion;
    return o;
  }

  private apply(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      throw new HandlerError(err);
    }
  }

  /** One watch stream until the server ends it; returns how many events it carried. */
  private async watchOnce(): Promise<number> {
    const timeout = this.o.watchTimeoutSeconds + Math.floor(Math.random() * this.o.watchTimeoutSeconds);
    const q = new URLSearchParams({
      watch: '1',
      resourceVersion: this.resourceVersion,
      allowWatchBookmarks: 'true',
      timeoutSeconds: String(timeout),
    });
    let n = 0;
    const stream = this.client.watch(`${this.resource.path}?${q}`, {
      deadlineMs: timeout * 1000 + this.o.watchGraceMs,
      headerMs: this.o.watchHeaderMs,
      signal: this.abort.signal,
      onOpen: () => (this.healthy = true),
    });
    for await (const e of stream) {
      n++;
      this.metrics?.watchEvents.inc({ resource: this.resource.kind, type: e.type });
      switch (e.type) {
        case 'ERROR': {
          const code = typeof e.object.code === 'number' ? e.object.code : 0;
          if (code === 410) throw new Expired(String(e.object.message ?? 'Expired'));
          throw new ApiStatusError(code, e.object, `watch ${this.resource.path}`);
        }
        case 'BOOKMARK':
          this.resourceVersion = resourceVersionOf(e.object) || this.resourceVersion;
          break;
        case 'ADDED':
        case 'MODIFIED':
        case 'DELETED': {
          const obj = this.typed(e.object);
          this.apply(() => this.handler.event(e.type as 'ADDED' | 'MODIFIED' | 'DELETED', obj));
          this.resourceVersion = resourceVersionOf(obj) || this.resourceVersion;
          break;
        }
        default:
          throw new Error(`watch ${this.resource.path}: unknown event type ${JSON.stringify(e.type)}`);
      }
    }
    return n;
  }
}

/** A handler that threw: the reflector relists rather than trust its state. */
class HandlerError extends Error {
  constructor(readonly original: unknown) {
    super(original instanceof Error ? original.message : String(original));
  }
}
