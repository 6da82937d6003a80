// Leader election over a coordination.k8s.io/v1 Lease, with client-go's semantics
// (tools/leaderelection): client-node has none. Scheduler mode (scheduler.ts) schedules only
// while this replica leads; as kube-scheduler's extender placer elects nothing (mode.ts).
//
//   - every retry period, read the Lease; if another holder renewed it less than its
//     leaseDurationSeconds ago — measured on this replica's clock from when this replica saw the
//     record change, so clock skew between replicas does not matter — follow;
//   - otherwise (no Lease, no holder, expired, or ours) write it: create, or replace carrying the
//     metadata.resourceVersion that was read — the API server's optimistic concurrency makes one
//     writer win, a 409 is a lost race;
//   - a leader is a leader only while its last successful renewal (timed from when the request
//     was sent) is younger than the renew deadline: isLeader() turns false by itself at the
//     deadline, even while a renewal hangs, so binding stops at once; the renew deadline being
//     shorter than the lease duration, it stops before any follower may take over;
//   - stop() releases a held lease (holder "", as client-go's ReleaseOnCancel), so that a
//     follower takes over at its next retry rather than a lease duration later.

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { ApiStatusError, type KubeClient, type Obj } from './client.js';
import { LEASE_API } from './resources.js';

/** Who may bind. */
export interface Leadership {
  readonly identity: string;
  /** True while this replica holds the lease and renewed it within the renew deadline. */
  isLeader(): boolean;
  /** The holder this replica last saw ('' for none). */
  holder(): string;
  /** Called on every change of isLeader(). */
  onChange(fn: (leader: boolean) => void): void;
  start(): void;
  stop(): Promise<void>;
}

/** A single replica (--leader-elect=false): always the leader. */
export class SoleLeader implements Leadership {
  constructor(readonly identity: string) {}
  isLeader(): boolean {
    return true;
  }
  holder(): string {
    return this.identity;
  }
  onChange(fn: (leader: boolean) => void): void {
    fn(true);
  }
  start(): void {}
  async stop(): Promise<void> {}
}

export interface LeaseOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** client-go's default identity: host name + unique suffix. */
export const defaultIdentity = (): string => `${hostname()}_${randomUUID()}`;

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

/** metav1.MicroTime: RFC 3339 with microseconds. */
const microTime = (d: Date): string => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export function validateLeaseTimings(o: Pick<LeaseOptions, 'leaseDurationMs' | 'renewDeadlineMs' | 'retryPeriodMs'>): void {
  // the checks of client-go's NewLeaderElector
  if (o.leaseDurationMs <= o.renewDeadlineMs)
    throw new Error('--leader-elect-lease-duration must be greater than --leader-elect-renew-deadline');
  if (o.renewDeadlineMs <= 1.2 * o.retryPeriodMs)
    throw new Error('--leader-elect-renew-deadline must be greater than 1.2 × --leader-elect-retry-period');
  if (o.retryPeriodMs < 1) throw new Error('--leader-elect-retry-period must be positive');
  if (o.leaseDurationMs % 1000 !== 0)
    throw new Error('--leader-elect-lease-duration must be whole seconds (the Lease stores leaseDurationSeconds)');
}

export class LeaseElector implements Leadership {
  readonly identity: string;
  private observed: { spec: LeaseSpec; resourceVersion: string; at: number } | undefined;
  private renewedAt = -Infinity;
  private leading = false;
  private stopped = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private decay: NodeJS.Timeout | undefined;
  private readonly listeners: ((leader: boolean) => void)[] = [];
  private readonly path: string;

  constructor(
    private readonly client: KubeClient,
    private readonly o: LeaseOptions,
    private readonly log: Logger,
  ) {
    validateLeaseTimings(o);
    this.identity = o.identity;
    this.path = `${LEASE_API}/namespaces/${encodeURIComponent(o.namespace)}/leases`;
  }

  isLeader(): boolean {
    return this.leading && performance.now() - this.renewedAt < this.o.renewDeadlineMs;
  }

  holder(): string {
    return this.observed?.spec.holderIdentity ?? '';
  }

  onChange(fn: (leader: boolean) => void): void {
    this.listeners.push(fn);
  }

  private set(leader: boolean): void {
    if (leader === this.leading) return;
    this.leading = leader;
    this.log.info(
      { lease: `${this.o.namespace}/${this.o.name}`, identity: this.identity },
      leader ? 'became the leader' : 'stopped leading',
    );
    for (const fn of this.listeners) fn(leader);
  }

  start(): void {
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const sent = performance.now();
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (err) {
        this.log.warn(
          { lease: `${this.o.namespace}/${this.o.name}`, err: err instanceof Error ? err.message : String(err) },
          this.leading ? 'renewing the lease failed' : 'reading the lease failed',
        );
      }
      if (this.stopped) break;
      if (ok) {
        this.renewedAt = sent;
        this.set(true);
        // isLeader() turns false by itself at the deadline; this timer tells the listeners
        clearTimeout(this.decay);
        this.decay = setTimeout(
          () => {
            if (!this.isLeader()) this.set(false);
          },
          this.o.renewDeadlineMs - (performance.now() - sent),
        );
        this.decay.unref();
      } else if (this.leading && !this.isLeader()) this.set(false);
      // followers jitter their retries (client-go: JitterFactor 1.2) so they do not collide
      const wait = this.leading ? this.o.retryPeriodMs : this.o.retryPeriodMs * (1 + Math.random() * 0.2);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }

  /** One round: true when this replica holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const timeoutMs = this.o.renewDeadlineMs;
    const now = new Date();
    const r = await this.client.request('GET', `${this.path}/${encodeURIComponent(this.o.name)}`, { timeoutMs });
    const mine: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.round(this.o.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    if (r.code === 404) {
      const c = await this.client.request('POST', this.path, {
        timeoutMs,
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: this.o.name, namespace: this.o.namespace },
          spec: mine,
        },
      });
      if (c.code === 409) return false; // another replica created it first
      if (c.code !== 201 || !c.body) throw new ApiStatusError(c.code, c.body, `POST ${this.path}`);
      this.observe(c.body);
      return true;
    }
    if (r.code !== 200 || !r.body) throw new ApiStatusError(r.code, r.body, `GET ${this.path}/${this.o.name}`);
    this.observe(r.body);
    const spec = this.observed!.spec;
    const holder = spec.holderIdentity ?? '';
    const durationMs = (spec.leaseDurationSeconds ?? this.o.leaseDurationMs / 1000) * 1000;
    if (holder !== '' && holder !== this.identity && this.observed!.at + durationMs > performance.now()) return false;
    const ours = holder === this.identity;
    const next: LeaseSpec = {
      ...mine,
      acquireTime: ours && spec.acquireTime ? spec.acquireTime : mine.acquireTime,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (ours ? 0 : 1),
    };
    const md = (r.body.metadata ?? {}) as Obj;
    const u = await this.client.request('PUT', `${this.path}/${encodeURIComponent(this.o.name)}`, {
      timeoutMs,
      body: { ...r.body, metadata: md, spec: { ...(r.body.spec as Obj), ...next } },
    });
    if (u.code === 409) return false; // someone wrote it since we read it: lost the race
    if (u.code !== 200 || !u.body) throw new ApiStatusError(u.code, u.body, `PUT ${this.path}/${this.o.name}`);
    if (!ours) this.log.info({ lease: `${this.o.namespace}/${this.o.name}`, previous: holder || '(none)' }, 'acquired the lease');
    this.observe(u.body);
    return true;
  }

  /** Note the record; `at` moves only when it changed (the local clock's view of the holder's renewals). */
  private observe(lease: Obj): void {
    const spec = ((lease.spec ?? {}) as LeaseSpec) ?? {};
    const rv = String((lease.metadata as Obj | undefined)?.resourceVersion ?? '');
    const o = this.observed;
    const same =
      o &&
      o.spec.holderIdentity === spec.holderIdentity &&
      o.spec.renewTime === spec.renewTime &&
      o.spec.leaseDurationSeconds === spec.leaseDurationSeconds;
    this.observed = { spec, resourceVersion: rv, at: same ? o.at : performance.now() };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    clearTimeout(this.decay);
    await this.loop;
    const wasLeader = this.isLeader();
    this.set(false);
    if (!wasLeader) return;
    // release: an empty holder lets a follower acquire at its next retry
    try {
      const r = await this.client.request('GET', `${this.path}/${encodeURIComponent(this.o.name)}`, { timeoutMs: this.o.renewDeadlineMs });
      const spec = (r.body?.spec ?? {}) as LeaseSpec;
      if (r.code !== 200 || spec.holderIdentity !== this.identity) return;
      const now = microTime(new Date());
      await this.client.request('PUT', `${this.path}/${encodeURIComponent(this.o.name)}`, {
        timeoutMs: this.o.renewDeadlineMs,
        body: { ...r.body, spec: { ...spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: now, acquireTime: now } },
      });
      this.log.info({ lease: `${this.o.namespace}/${this.o.name}` }, 'released the lease');
    } catch (err) {
      this.log.warn(
        { err: err instanceof Error ? err.message : String(err) },
        'releasing the lease failed; followers take over when it expires',
      );
    }
  }
}
