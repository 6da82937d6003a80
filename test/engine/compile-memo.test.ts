// The class compiler's memo by content: templates that share every field but their one instance
// (the extender's pod parse memo hands out such copies, one per pod) compile once; any field that
// differs, a name the class depends on, or a change of what templates compile against compiles
// again. Both backends.

import { describe, expect, it } from 'vitest';
import type { Compiled } from '../../core-wasm/src/api.js';
import { Engine, type BackendName } from '../../core-wasm/src/engine.js';
import type { WorkloadTemplate } from '../../model/types.js';
import { host, pod, quota } from '../fixtures/model.js';

function engineOf(backend: BackendName): Engine {
  const e = new Engine({ backend });
  e.upsertHosts([host('h0').cpu('16').memory('64Gi').pods(110).label('zone', 'z0').obj()]);
  return e;
}

/** Another pod of the same content: every field shared, its own instance (as PodParseMemo.template gives it). */
/** A compiled template without its class id (ids are per engine). */
const noId = ({ cls: _cls, ...rest }: Compiled) => rest;

const named = (t: WorkloadTemplate, name: string): WorkloadTemplate => ({ ...t, instances: [{ name, uid: `uid-${name}` }] });

describe.each<BackendName>(['reference', 'wasm'])('compile memo by content (%s)', (backend) => {
  it('a pod of the same content gets the compiled class without a compile', () => {
    const e = engineOf(backend);
    const t = pod('a').ns('team').req({ cpu: '500m', memory: '1Gi' }).label('app', 'web').obj();
    const c = e.compile(t);
    const c2 = e.compile(named(t, 'b'));
    expect(c2).toBe(c);
    // what a compile of its own gives
    const fresh = engineOf(backend).compile(named(t, 'b'));
    expect(noId(c2)).toEqual(noId(fresh));
  });

  it('a pod read from its own path (scheduler mode names each pod’s source) gets the compiled class', () => {
    const e = engineOf(backend);
    const t = pod('a').ns('team').req({ cpu: '500m', memory: '1Gi' }).label('app', 'web').obj();
    const c = e.compile(t);
    const read = { ...named(t, 'b'), source: { file: 'https://apiserver', doc: 0, path: '/api/v1/namespaces/team/pods/b' } };
    expect(e.compile(read)).toBe(c);
    expect(noId(c)).toEqual(noId(engineOf(backend).compile(read)));
  });

  it('every field that differs compiles again', () => {
    const e = engineOf(backend);
    const t = pod('a').ns('team').req({ cpu: '500m', memory: '1Gi' }).label('app', 'web').obj();
    const c = e.compile(t);
    // the same requests map, another priority: a caller's change to its copy (settlePodPriority)
    const p = e.compile({ ...named(t, 'b'), priority: 1000 });
    expect(p.priority).toBe(1000);
    expect(p.cls).not.toBe(c.cls);
    const labelled = e.compile({ ...named(t, 'c'), labels: new Map([['app', 'db']]) });
    expect(labelled.cls).not.toBe(c.cls);
    const selected = e.compile({ ...named(t, 'd'), nodeSelector: new Map([['zone', 'z1']]) });
    expect(selected.cls).not.toBe(c.cls);
    expect(selected.cls).not.toBe(labelled.cls);
    // the first content still compiles as it did
    expect(e.compile(named(t, 'e'))).toBe(c);
  });

  it('a class that holds the pod’s name is not shared between names', () => {
    const e = engineOf(backend);
    // a hostname spread of maxSkew 1 that matches the pod itself: the class key holds its identity
    const t = pod('a')
      .ns('team')
      .req({ cpu: '500m' })
      .label('app', 'web')
      .spread(1, 'kubernetes.io/hostname', 'DoNotSchedule', { app: 'web' })
      .obj();
    const a = e.compile(t);
    const b = e.compile(named(t, 'b'));
    expect(b.cls).not.toBe(a.cls);
    expect(noId(b)).toEqual(noId(engineOf(backend).compile(named(t, 'b'))));
  });

  it('a change of quotas compiles again', () => {
    const e = engineOf(backend);
    const t = pod('a').ns('team').req({ cpu: '500m' }).lim({ cpu: '1' }).obj();
    const c = e.compile(t);
    e.setQuotas([quota('team', 'q', { 'requests.memory': '1Gi' })]);
    const after = e.compile(named(t, 'b'));
    expect(after).not.toBe(c);
    // a memory quota and no memory request: refused by the quota now
    expect(after.rejected).toBeDefined();
    const fresh = engineOf(backend);
    fresh.setQuotas([quota('team', 'q', { 'requests.memory': '1Gi' })]);
    expect(noId(after)).toEqual(noId(fresh.compile(named(t, 'b'))));
  });
});
