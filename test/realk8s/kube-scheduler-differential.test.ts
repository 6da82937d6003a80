// Differential tests against the real kube-scheduler (v1.26.7 framework, default profile, no
// extender, percentageOfNodesToScore 100): seeded small clusters (small-clusters.ts), each given
// to kube-scheduler through the real API server and to `placer place` as a process, the same
// objects to both.
//
// What must agree, and how kube-scheduler's side is read:
//   - feasibility: kube-scheduler binds the pending pod ⇔ placer places it;
//   - the top nodes: kube-scheduler logs every feasible node's final score at -v=10 ("Calculated
//     node's final score for pod"); its top nodes are those with the highest score, among which it
//     picks at random. placer's node must be one of them (and so must the one kube bound: a check
//     of the reading). With one feasible node kube-scheduler scores nothing and binds it: that
//     node is the top;
//   - the reasons of an unschedulable pod: its PodScheduled condition's "0/N nodes are available:
//     …" histogram equals placer's "0/N hosts are available: …" with "host(s)" read as "node(s)"
//     (placer's word for a node; the counts and texts are kube's).
//
// Cases run one after another on one control plane; each case's objects are deleted before the
// next (names carry the case, so a stale cache entry would show as a wrong node or count).

import { closeSync, fstatSync, mkdtempSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cli } from '../e2e/kube-harness.js';
import { Cluster } from './cluster.js';
import { ControlPlane } from './controlplane.js';
import type { Obj } from './kube.js';
import { createNode } from './objects.js';
import { until } from './procs.js';
import { startScheduler, type Scheduler } from './scheduler.js';
import { NAMESPACE, smallCluster, type SmallCluster } from './small-clusters.js';
import { describeReal } from './suite.js';

const SEED = 2026;
const CASES = 24;

interface KubeOutcome {
  node: string | null;
  /** The PodScheduled=False message when unschedulable. */
  message: string | null;
  /** Final scores by node (empty when kube-scheduler had one feasible node). */
  scores: Map<string, number>;
}

interface PlacerOutcome {
  node: string | null;
  reason: string | null;
}

/** The "N reason" items of a FitError message, sorted; "host(s)" read as "node(s)". */
function histogram(message: string): { total: string; items: string[] } {
  const m = /^0\/(\d+) (?:nodes|hosts) are available: (.*?)\.(?: preemption:.*)?$/s.exec(message);
  if (!m) return { total: '?', items: [message] };
  return {
    total: m[1],
    items: m[2]
      .split(', ')
      .map((s) => s.replace(/host\(s\)/g, 'node(s)'))
      .sort(),
  };
}

/** kube-scheduler's closing line of its decision on pod `key` (bound, or unschedulable), or null while it has not logged it. */
function decisionLine(log: string, key: string): string | null {
  const m = new RegExp(`^.*"(?:Successfully bound pod to node|Unable to schedule pod[^"]*)" pod="${key}".*$`, 'm').exec(log);
  return m ? m[0] : null;
}

/** The log file `path` from byte `offset` on (the log of one case, not of every case before it). */
function logFrom(path: string, offset: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.max(0, size - offset));
    readSync(fd, buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

const scoreLine = /"Calculated node's final score for pod" pod="([^"]+)" node="([^"]+)" score=(\d+)/g;

describeReal(
  'placer against the real kube-scheduler alone: feasibility, top nodes and reasons on generated small clusters',
  (bins) => {
    let cp: ControlPlane;
    let c: Cluster;
    let s: Scheduler;
    const dir = mkdtempSync(join(tmpdir(), 'placer-kdiff-'));

    beforeAll(async () => {
      cp = await ControlPlane.start(bins);
      c = new Cluster(cp);
      await c.namespace(NAMESPACE);
      s = await startScheduler(cp, { name: 'kube-scheduler-alone', verbosity: 10 });
    });
    afterAll(async () => {
      await s?.kill();
      await cp?.stop();
    });

    async function runKube(k: SmallCluster): Promise<KubeOutcome> {
      const from = statSync(s.log).size;
      const log = (): string => logFrom(s.log, from);
      for (const n of k.nodes) {
        const status = n.status as Obj;
        const alloc = status.allocatable as Record<string, string>;
        const md = n.metadata as Obj;
        await createNode(c.k, String(md.name), {
          cpu: alloc.cpu,
          memory: alloc.memory,
          pods: alloc.pods,
          labels: md.labels as Record<string, string>,
          ...((n.spec as Obj).taints ? { taints: (n.spec as Obj).taints as Obj[] } : {}),
        });
      }
      for (const p of k.bound) await c.create(p);
      // kube-scheduler decides on its informers' view: the pending pod goes in only once that view
      // holds every node and bound pod of the case (a lagging informer would score a partial cluster)
      const seen = [
        ...k.nodes.map((n) => `"Add event for node" node="${String((n.metadata as Obj).name)}"`),
        ...k.bound.map((p) => `"Add event for scheduled pod" pod="${NAMESPACE}/${String((p.metadata as Obj).name)}"`),
      ];
      await until(
        () => {
          const l = log();
          return seen.every((x) => l.includes(x));
        },
        30_000,
        `kube-scheduler saw the objects of ${k.name}`,
        50,
      );
      const pending = k.pending.metadata as Obj;
      const key = `${NAMESPACE}/${String(pending.name)}`;
      const path = `/api/v1/namespaces/${NAMESPACE}/pods/${String(pending.name)}`;
      await c.create(k.pending);
      let node: string | null = null;
      let message: string | null = null;
      await until(
        async () => {
          const got = await c.k.get(path);
          const n = (got.spec as Obj).nodeName;
          if (typeof n === 'string' && n !== '') {
            node = n;
            return true;
          }
          const cond = ((got.status as Obj).conditions as Obj[] | undefined)?.find((x) => x.type === 'PodScheduled');
          // a message that counts every node of the case: kube-scheduler saw the whole cluster
          if (cond?.status === 'False' && typeof cond.message === 'string' && cond.message.startsWith(`0/${k.nodes.length} `)) {
            message = cond.message;
            return true;
          }
          return false;
        },
        30_000,
        `kube-scheduler decided ${k.name}`,
        100,
      );
      // the scores are logged before the outcome's own line: wait for that line, then read them
      let outcome = '';
      await until(
        () => {
          outcome = decisionLine(log(), key) ?? '';
          return outcome !== '';
        },
        30_000,
        `kube-scheduler logged its decision on ${k.name}`,
        50,
      );
      const scores = new Map<string, number>();
      for (const m of log().matchAll(scoreLine)) if (m[1] === key) scores.set(m[2], Number(m[3]));
      const feasible = /feasibleNodes=(\d+)/.exec(outcome);
      // with one feasible node kube-scheduler scores nothing; otherwise it scores every feasible one
      if (node !== null && feasible && Number(feasible[1]) > 1) expect(scores.size, outcome).toBe(Number(feasible[1]));
      for (const p of [...k.bound, k.pending]) await c.k.remove(`/api/v1/namespaces/${NAMESPACE}/pods/${String((p.metadata as Obj).name)}`);
      for (const n of k.nodes) await c.k.remove(`/api/v1/nodes/${String((n.metadata as Obj).name)}`);
      return { node, message, scores };
    }

    async function runPlacer(k: SmallCluster): Promise<PlacerOutcome> {
      const file = join(dir, `${k.name}.json`);
      writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...k.nodes, ...k.bound, k.pending] }));
      // No --config: placer's default profile is kube-scheduler's (NodeResourcesBalancedAllocation
      // with weight 1 beside LeastAllocated), as the scheduler under test runs it.
      const r = await cli(['place', file, '-o', 'json']);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as {
        placements: { name: string; host: string }[];
        unplaced: { name: string; reason: string }[];
      };
      const name = String((k.pending.metadata as Obj).name);
      return {
        node: out.placements.find((p) => p.name === name)?.host ?? null,
        reason: out.unplaced.find((p) => p.name === name)?.reason ?? null,
      };
    }

    it(`agrees on ${CASES} seeded clusters (seed ${SEED})`, { timeout: 240_000 }, async () => {
      const disagreements: string[] = [];
      let bound = 0;
      let unschedulable = 0;
      let ties = 0;
      for (let i = 0; i < CASES; i++) {
        const k = smallCluster(SEED, i);
        const kube = await runKube(k);
        const placer = await runPlacer(k);
        const what = `${k.name}: ${JSON.stringify({ kube: { ...kube, scores: Object.fromEntries(kube.scores) }, placer })}`;
        if ((kube.node === null) !== (placer.node === null)) {
          disagreements.push(`feasibility differs, ${what}`);
          continue;
        }
        if (kube.node !== null) {
          bound++;
          const best = Math.max(...kube.scores.values());
          const top = kube.scores.size === 0 ? [kube.node] : [...kube.scores].filter(([, v]) => v === best).map(([n]) => n);
          if (top.length > 1) ties++;
          if (!top.includes(kube.node)) disagreements.push(`kube bound outside its own top nodes ${top.join(',')}, ${what}`);
          if (!top.includes(placer.node!)) disagreements.push(`placer's node is not among kube's top nodes ${top.join(',')}, ${what}`);
        } else {
          unschedulable++;
          const a = histogram(kube.message!);
          const b = histogram(placer.reason ?? '');
          if (JSON.stringify(a) !== JSON.stringify(b)) disagreements.push(`reasons differ, ${what}`);
        }
      }
      expect(disagreements).toEqual([]);
      // the generated family exercises both outcomes and a choice among several nodes
      expect(bound).toBeGreaterThan(CASES / 2);
      expect(unschedulable).toBeGreaterThan(0);
      process.stderr.write(`kube-scheduler differential: ${bound} bound, ${unschedulable} unschedulable, ${ties} with tied top nodes\n`);
    });
  },
  { scheduler: true },
);
