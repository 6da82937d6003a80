// Scheduler mode's batch with preemption, over the real state (compiled Wasm, the in-memory store
// Kubernetes mode uses): a pod the batch cannot place is held on the node whose victims the engine
// chooses, on top of them — the victims stay accounted until the API server says they are gone, and
// the room they free is the preemptor's, not the next batch's. A victim the caller refuses, a pod
// with preemptionPolicy Never, and a gang member preempt nothing and change nothing.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkloadTemplate } from '../../model/types.js';
import { parseManifests, type Manifest } from '../../service/manifests/index.js';
import { MEMORY } from '../../service/state/store.js';
import { PlacerState, type Evictee } from '../../service/state/state.js';
import { node, pod, type PodBuilder } from '../fixtures/k8s.js';

const source = { file: 'test', doc: 0, path: '' };
const manifest = (obj: Record<string, unknown>): Manifest => ({ apiVersion: String(obj.apiVersion), kind: String(obj.kind), obj, source });
const template = (b: PodBuilder): WorkloadTemplate => parseManifests([manifest(b.obj())]).workloads[0];
const pending = (name: string, cpu: string, priority: number): PodBuilder =>
  pod(name).ns('p').uid(`uid-${name}`).container({ cpu, memory: '1Gi' }).priority(priority);

describe('scheduleBatch with preemption (scheduler mode)', () => {
  let s: PlacerState;
  const everyone = (): boolean => true;

  beforeEach(async () => {
    s = await PlacerState.open({ dataDir: MEMORY });
    const nodes = ['n-1', 'n-2'].map((n) => manifest(node(n).capacity({ cpu: '2', memory: '16Gi', pods: '110' }).obj()));
    expect(s.mirrorObjects('Node', nodes, [])).toEqual([]);
    // n-1 runs two pods of priority 10, n-2 two of priority 20
    for (const [name, prio, host] of [
      ['low-0', 10, 'n-1'],
      ['low-1', 10, 'n-1'],
      ['mid-0', 20, 'n-2'],
      ['mid-1', 20, 'n-2'],
    ] as const)
      expect(s.mirrorRunning(template(pending(name, '1', prio).nodeName(host)))).toBe('held');
  });
  afterEach(() => s.close());

  const held = (): Record<string, string> =>
    Object.fromEntries(
      s
        .placements()
        .map((h) => [h.name, h.host] as const)
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  const running = { 'low-0': 'n-1', 'low-1': 'n-1', 'mid-0': 'n-2', 'mid-1': 'n-2' };

  it('nominates the node whose most important victim has the lowest priority, holds the preemptor there and keeps the victims until they are gone', () => {
    const offered: Evictee[] = [];
    const [r] = s.schedule([template(pending('urgent', '2', 1000))], (v) => (offered.push(v), true));
    expect(r).toMatchObject({ name: 'urgent', host: 'n-1', uid: 'uid-urgent' });
    expect(r.victims?.map((v) => `${v.kind} ${v.namespace}/${v.name} ${String(v.uid)} ${v.host}`).sort()).toEqual([
      'Pod p/low-0 uid-low-0 n-1',
      'Pod p/low-1 uid-low-1 n-1',
    ]);
    expect(offered.map((v) => v.name).sort()).toEqual(['low-0', 'low-1']);
    // the victims still run: held, beside the preemptor
    expect(held()).toEqual({ ...running, urgent: 'n-1' });
    // n-1 is full for everyone else: a pod of the victims' priority has no room, and none freed by evicting
    const [filler] = s.schedule([template(pending('filler', '1', 10))], everyone);
    expect(filler.host).toBeNull();
    expect(filler.victims).toBeUndefined();
    // the victims gone: their room is the preemptor's, still not the filler's
    for (const v of r.victims!) expect(s.mirrorGone('Pod', v.namespace, v.name, v.uid ?? undefined)).toBe(true);
    expect(s.schedule([template(pending('filler', '1', 10))], everyone)[0].host).toBeNull();
    expect(held()).toEqual({ 'mid-0': 'n-2', 'mid-1': 'n-2', urgent: 'n-1' });
    // the engine keeps no trace of the victims: with the preemptor gone too, n-1 is whole again
    expect(s.mirrorGone('Pod', 'p', 'urgent', 'uid-urgent')).toBe(true);
    expect(s.schedule([template(pending('whole', '2', 0))], everyone)[0]).toMatchObject({ host: 'n-1' });
  });

  it('a victim the caller refuses: nothing is held, nothing changes, and the same batch gives the same answer', () => {
    const before = held();
    const [r] = s.schedule([template(pending('urgent', '2', 1000))], () => false);
    expect(r.host).toBeNull();
    expect(r.failure).toMatch(/^0\/2 hosts are available: 2 Insufficient cpu/);
    expect(held()).toEqual(before);
    // the engine is as before: the victims are still where they were, preemption still finds them
    expect(
      s
        .schedule([template(pending('urgent', '2', 1000))], everyone)[0]
        .victims?.map((v) => v.name)
        .sort(),
    ).toEqual(['low-0', 'low-1']);
  });

  it('preemptionPolicy Never, a gang member, or no victims allowed (no mayEvict): no preemption', () => {
    const never = s.schedule([template(pending('polite', '2', 1000).preemptionPolicy('Never'))], everyone)[0];
    expect(never.host).toBeNull();
    const gang = template(pending('member', '2', 1000));
    gang.gang = { name: 'p/g', minMember: 1 };
    expect(s.schedule([gang], everyone)[0].host).toBeNull();
    expect(s.schedule([template(pending('plain', '2', 1000))])[0].host).toBeNull();
    expect(held()).toEqual(running);
  });

  it('in one batch: what fits is placed without evicting; the rest preempts, highest priority first', () => {
    const out = s.schedule(
      [template(pending('second', '2', 500)), template(pending('first', '2', 1000)), template(pending('small', '1', 5))],
      everyone,
    );
    // nothing fits as it is; "first" takes n-1 (priority 10 victims), "second" then n-2 (priority 20 ones)
    expect(out.map((r) => [r.name, r.host, r.victims?.map((v) => v.name).sort()])).toEqual([
      ['second', 'n-2', ['mid-0', 'mid-1']],
      ['first', 'n-1', ['low-0', 'low-1']],
      ['small', null, undefined],
    ]);
  });
});
