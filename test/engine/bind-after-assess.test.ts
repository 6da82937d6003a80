// tryBind right after assessColumns (the extender's bind after its filter): the assessment is
// reused while it holds — same class, nothing changed since — and the answer is the one a fresh
// engine gives; another class, or any change in between, is assessed again. Both backends.

import { describe, expect, it } from 'vitest';
import { Engine, type BackendName } from '../../core-wasm/src/engine.js';
import type { HostObj, WorkloadTemplate } from '../../model/types.js';
import { host, pod } from '../fixtures/model.js';

const HOSTS: HostObj[] = [
  host('h0').cpu('4').memory('16Gi').pods(110).obj(),
  host('h1').cpu('4').memory('16Gi').pods(110).cordon().obj(),
  host('h2').cpu('4').memory('16Gi').pods(110).taint('dedicated', 'db', 'NoSchedule').obj(),
];

function engineOf(backend: BackendName): Engine {
  const e = new Engine({ backend, trackPlacements: true });
  e.upsertHosts(HOSTS);
  return e;
}

const small = (name: string): WorkloadTemplate => pod(name).ns('team').req({ cpu: '1', memory: '1Gi' }).obj();
const large = (name: string): WorkloadTemplate => pod(name).ns('team').req({ cpu: '3', memory: '1Gi' }).obj();

/** What a fresh engine, nothing assessed, answers for binding `t` to `hostName` after `before` were bound. */
function fresh(backend: BackendName, before: [WorkloadTemplate, string][], t: WorkloadTemplate, hostName: string): string | null {
  const e = engineOf(backend);
  for (const [b, h] of before) expect(e.tryBind(b, 0, h)).toBeNull();
  return e.tryBind(t, 0, hostName);
}

describe.each<BackendName>(['reference', 'wasm'])('tryBind after assessColumns (%s)', (backend) => {
  it('answers for each host what a fresh engine answers', () => {
    for (const h of ['h0', 'h1', 'h2', 'h9']) {
      const e = engineOf(backend);
      e.assessColumns(small('a'));
      const got = e.tryBind(small('a'), 0, h);
      expect(got).toBe(fresh(backend, [], small('a'), h));
      if (h === 'h0') expect(got).toBeNull();
      else expect(got).not.toBeNull();
    }
  });

  it('another class is assessed again', () => {
    const e = engineOf(backend);
    expect(e.tryBind(large('x'), 0, 'h0')).toBeNull();
    // h0 has 1 cpu left: the small pod's class fits, the large one's does not
    e.assessColumns(small('a'));
    const got = e.tryBind(large('b'), 0, 'h0');
    expect(got).not.toBeNull();
    expect(got).toBe(fresh(backend, [[large('x'), 'h0']], large('b'), 'h0'));
  });

  it('a change since the assessment is seen', () => {
    const e = engineOf(backend);
    e.assessColumns(large('a'));
    // the host fills after the assessment
    expect(e.tryBind(large('x'), 0, 'h0')).toBeNull();
    const got = e.tryBind(large('a'), 0, 'h0');
    expect(got).not.toBeNull();
    expect(got).toBe(fresh(backend, [[large('x'), 'h0']], large('a'), 'h0'));
  });
});
