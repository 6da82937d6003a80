// The Engine calls the service builds on: assess (extender filter/prioritize), tryBind (extender
// bind), release and the placement registry.

import { describe, expect, it } from 'vitest';
import { Engine, type BackendName } from '../../core-wasm/src/engine.js';
import { host, pod, quota } from '../fixtures/model.js';

describe.each<BackendName>(['reference', 'wasm'])('engine API (%s)', (backend) => {
  const setup = () => {
    const engine = new Engine({ backend, trackPlacements: true });
    engine.upsertHosts([host('big').cpu('8').obj(), host('small').cpu('1').obj(), host('tainted').taint('a', 'b', 'NoSchedule').obj()]);
    return engine;
  };

  it('assess gives each named host its verdict, undefined for unknown hosts', () => {
    const engine = setup();
    const a = engine.assess(pod('p').req({ cpu: '2' }).obj());
    expect(a.rejected).toBeUndefined();
    expect(a.verdict('big')).toMatchObject({ feasible: true, grade: null });
    expect(a.verdict('big')!.fit).toBeGreaterThan(0);
    expect(a.verdict('small')).toMatchObject({ feasible: false, reasons: ['Insufficient cpu'], grade: 'UnschedulableAndUnresolvable' });
    expect(a.verdict('tainted')).toMatchObject({ feasible: false, reasons: ['host(s) had untolerated taint {a: b}'] });
    expect(a.verdict('nope')).toBeUndefined();
  });

  it('assess reports an admission failure as `rejected`', () => {
    const engine = setup();
    engine.setQuotas([quota('default', 'q', { 'requests.cpu': '1' })]);
    expect(engine.assess(pod('p').req({ cpu: '2' }).obj()).rejected).toBe(
      'exceeded quota: q, requested: requests.cpu=2, used: requests.cpu=0, limited: requests.cpu=1',
    );
  });

  it('assessColumns: the same answers as assess, by slot; a repeated question is answered again after every change', () => {
    const engine = setup();
    const w = pod('p').req({ cpu: '2' }).obj();
    const columns = () => {
      const a = engine.assessColumns(w);
      return {
        rejected: a.rejected,
        reasons: [...a.columns.reasons.subarray(0, a.columns.n)],
        fit: [...a.columns.fit.subarray(0, a.columns.n)],
      };
    };
    const first = columns();
    const a = engine.assess(w);
    for (const name of ['big', 'small', 'tainted']) {
      const slot = engine.hostSlot(name);
      const v = a.verdict(name)!;
      expect(first.reasons[slot] === 0).toBe(v.feasible);
      expect(first.fit[slot]).toBe(v.fit);
      if (!v.feasible) expect(engine.hostFailure(engine.compile(w).cls, slot, first.reasons[slot]).texts).toEqual(v.reasons);
    }
    expect(engine.hostSlot('nope')).toBe(-1);
    expect(columns()).toEqual(first);
    // bind 3 cpu worth on big: its score moves; fill it up: it stops fitting
    expect(engine.tryBind(pod('q').req({ cpu: '3' }).obj(), 0, 'big')).toBeNull();
    const after = columns();
    expect(after.fit[engine.hostSlot('big')]).not.toBe(first.fit[engine.hostSlot('big')]);
    expect(engine.tryBind(pod('r').req({ cpu: '4' }).obj(), 0, 'big')).toBeNull();
    expect(columns().reasons[engine.hostSlot('big')]).not.toBe(0);
    // a quota appears: admission changes
    engine.setQuotas([quota('default', 'q', { 'requests.cpu': '1' })]);
    expect(columns().rejected).toMatch(/^exceeded quota: q/);
    // a host is removed: its slot is no longer known
    const epoch = engine.hostsEpoch;
    engine.removeHost('small');
    expect(engine.hostsEpoch).not.toBe(epoch);
    expect(engine.hostSlot('small')).toBe(-1);
  });

  it('tryBind commits only what fits, and release gives it back', () => {
    const engine = setup();
    const w = pod('p').req({ cpu: '2' }).obj();
    engine.compile(w); // interns the namespace, so ledgers compare row for row
    const before = engine.ledger();
    expect(engine.tryBind(w, 0, 'small')).toBe('host small does not fit: Insufficient cpu');
    expect(engine.ledger()).toEqual(before);
    expect(engine.tryBind(w, 0, 'big')).toBeNull();
    expect(engine.placementOf('Pod', 'default', 'p')).toBe('big');
    expect([...engine.trackedPlacements()]).toEqual([{ kind: 'Pod', namespace: 'default', name: 'p', host: 'big' }]);
    expect(engine.tryBind(w, 0, 'ghost')).toBe('host "ghost" is not known to placer');
    expect(engine.release('Pod', 'default', 'p')).toBe(true);
    expect(engine.ledger()).toEqual(before);
    expect(engine.release('Pod', 'default', 'p')).toBe(false);
  });
});

describe.each<BackendName>(['reference', 'wasm'])('fitsAfterEvicting (%s)', (backend) => {
  it('answers with the victims gone and changes nothing', () => {
    const engine = new Engine({ backend, trackPlacements: true });
    engine.upsertHosts([host('h').cpu('4').obj()]);
    engine.setQuotas([quota('a', 'q', { 'requests.cpu': '4' })]);
    engine.place([pod('old').ns('a').req({ cpu: '3' }).obj()]);
    const before = engine.ledger();
    const w = pod('new').ns('a').req({ cpu: '2' }).obj();
    expect(engine.fitsAfterEvicting(w, 'h', [])).toBe(
      'exceeded quota: q, requested: requests.cpu=2, used: requests.cpu=3, limited: requests.cpu=4',
    );
    expect(engine.fitsAfterEvicting(w, 'h', ['Pod/a/old'])).toBeNull();
    expect(engine.ledger()).toEqual(before);
  });
});
