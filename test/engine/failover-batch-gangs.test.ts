// Namespace HA in a batch, where a restart plan gives gang members back: the room it holds on a
// host is less than it used there while it scanned, so keeping the held room does not keep the
// plan (failover-batch.ts). The batch checks what it places on such hosts one by one.
//
// hA (5 cpu) runs namespace db's gang G — gx (3 cpu) and ga (1 cpu), minMember 2 — and p (1 cpu);
// db is protected against one host failure. hB, hC and hD (4 cpu) run 3, 3 and 4 cpu of web.
// hA's restart plan scans hB, hC, hD, largest first:
//   gx (3)  hB 1 free, hC 1, hD 0: nowhere
//   ga (1)  hB                                 (hB 0 free while the plan scans)
//   p  (1)  hB 0, hC 1: hC
//   G is short of gx: ga is given back. Two protected workloads stuck (gx, ga); held room hB 0, hC 1.
// w (1 cpu, web) fits on hB alone outside the held room. With w there the plan puts ga on hC, p
// finds no host, and three are stuck: failover admission refuses it, in a batch as for one pod.

import { describe, expect, it } from 'vitest';
import { type BackendName, Engine } from '../../core-wasm/src/engine.js';
import { host, pod, policy } from '../fixtures/model.js';

function engineOf(backend: BackendName): Engine {
  const engine = new Engine({ backend, trackPlacements: true });
  engine.upsertHosts([host('hA').cpu('5').obj(), host('hB').cpu('4').obj(), host('hC').cpu('4').obj(), host('hD').cpu('4').obj()]);
  engine.setPolicies([policy('db', { failover: { hosts: 1 } })]);
  const gx = pod('gx').ns('db').req({ cpu: '3' }).boundTo('hA').obj();
  const ga = pod('ga').ns('db').req({ cpu: '1' }).boundTo('hA').obj();
  gx.gang = ga.gang = { name: 'G', minMember: 2 };
  engine.bindExisting([
    gx,
    ga,
    pod('p').ns('db').req({ cpu: '1' }).boundTo('hA').obj(),
    pod('fb').ns('web').req({ cpu: '3' }).boundTo('hB').obj(),
    pod('fc').ns('web').req({ cpu: '3' }).boundTo('hC').obj(),
    pod('fd').ns('web').req({ cpu: '4' }).boundTo('hD').obj(),
  ]);
  return engine;
}

const REFUSAL =
  'namespace db could not restart its workloads if host hA failed (failover policy): Pod db/gx would find no host: 0/3 hosts are available: 3 Insufficient cpu.';

describe.each<BackendName>(['reference', 'wasm', 'wasm-scalar'])(
  'failover admission where a plan gives gang members back (%s)',
  (backend) => {
    it('one pod: the filter refuses hB, naming the namespace’s first stuck workload', () => {
      const engine = engineOf(backend);
      const a = engine.assess(pod('w').ns('web').req({ cpu: '1' }).obj());
      expect(a.verdict('hB')).toMatchObject({ feasible: false, reasons: [REFUSAL] });
    });

    it('a batch: w is not placed on hB, says why, and hA’s plan still restarts p on hC', () => {
      const engine = engineOf(backend);
      const planOfA = () => engine.failoverReport().hosts.find((h) => h.host === 'hA')!;
      expect(planOfA().plan.map((m) => `${m.name}→${m.to}`)).toEqual(['p→hC']);
      const [w] = engine.place([pod('w').ns('web').req({ cpu: '1' }).obj()]).outcomes;
      expect(w.hosts).toEqual([null]);
      expect(w.failure?.message).toBe(REFUSAL);
      expect(planOfA().plan.map((m) => `${m.name}→${m.to}`)).toEqual(['p→hC']);
      expect(
        planOfA()
          .unplaced.map((u) => u.name)
          .sort(),
      ).toEqual(['ga', 'gx']);
    });
  },
);
