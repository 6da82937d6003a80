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
// The extender as deploy/placer.yaml ships it (`--extender-choice placer`, Kubernetes mode) is
// held to the same top nodes: where kube-scheduler alone bound the pending pod, that pod is
// deleted and a copy of it (the extender's marker added, named for a second kube-scheduler whose
// extender is placer) is bound where placer chooses, which must be one of kube-scheduler's top
// nodes too.
//
// Cases run one after another on one control plane; each case's objects are deleted before the
// next (names carry the case, so a stale cache entry would show as a wrong node or count).

import { closeSync, fstatSync, mkdtempSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { metric } from '../apiserver/replica.js';
import { killAll } from '../e2e/server.js';
import { cli, MARKER, placements } from '../e2e/kube-harness.js';
import { Cluster } from './cluster.js';
import { ControlPlane } from './controlplane.js';
import type { Obj } from './kube.js';
import { applyDeploy, createNode } from './objects.js';
import { startPlacer, type Placer } from './placer.js';
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
    /** placer as deploy/placer.yaml runs it, the extender of a second kube-scheduler (profile "choosing"). */
    let r: Placer;
    let sc: Scheduler;
    const dir = mkdtempSync(join(tmpdir(), 'placer-kdiff-'));

    beforeAll(async () => {
      cp = await ControlPlane.start(bins);
      c = new Cluster(cp);
      await c.namespace(NAMESPACE);
      await applyDeploy(cp.admin);
      s = await startScheduler(cp, { name: 'kube-scheduler-alone', verbosity: 10 });
      r = await startPlacer(cp, { args: ['--ignored-resources', 'placer.dev/managed', '--extender-choice', 'placer'] });
      sc = await startScheduler(cp, { placer: r.url, name: 'kube-scheduler-choosing', schedulerName: 'choosing', verbosity: 3 });
    });
    afterAll(async () => {
      await s?.kill();
      await sc?.kill();
      killAll();
      await cp?.stop();
    });

    /** What a kube-scheduler logs once its informers hold the case's nodes and bound pods. */
    const seenLines = (k: SmallCluster): string[] => [
      ...k.nodes.map((n) => `"Add event for node" node="${String((n.metadata as Obj).name)}"`),
      ...k.bound.map((p) => `"Add event for scheduled pod" pod="${NAMESPACE}/${String((p.metadata as Obj).name)}"`),
    ];

    /** Wait until a kube-scheduler's log (from byte `from`) has every line of `lines`. */
    async function logged(sched: Scheduler, from: number, lines: string[], what: string): Promise<void> {
      await until(
        () => {
          const l = logFrom(sched.log, from);
          return lines.every((x) => l.includes(x));
        },
        30_000,
        what,
        50,
      );
    }

    /**
     * After kube-scheduler alone bound the case's pending pod (the case's nodes and bound pods still
     * there): that pod deleted, and a copy of it through placer's extender, chosen by placer. The
     * node it is bound to.
     */
    async function runChoosing(k: SmallCluster, fromChoosing: number): Promise<string> {
      const pending = k.pending.metadata as Obj;
      const name = String(pending.name);
      await c.k.remove(`/api/v1/namespaces/${NAMESPACE}/pods/${name}`);
      // both the choosing kube-scheduler and placer see the case as kube-scheduler alone did
      await logged(
        sc,
        fromChoosing,
        [...seenLines(k), `"Delete event for scheduled pod" pod="${NAMESPACE}/${name}"`],
        `the choosing kube-scheduler saw the objects of ${k.name}`,
      );
      const want = new Set(k.bound.map((p) => `${NAMESPACE}/${String((p.metadata as Obj).name)}`));
      await until(
        async () => {
          const held = Object.keys(await placements(r, NAMESPACE));
          return held.length === want.size && held.every((x) => want.has(x));
        },
        30_000,
        `placer mirrors the bound pods of ${k.name}`,
        50,
      );
      const copy = structuredClone(k.pending);
      const md = copy.metadata as Obj;
      md.name = `${name}-choice`;
      const spec = copy.spec as Obj;
      spec.schedulerName = 'choosing';
      for (const ct of spec.containers as Obj[]) {
        const res = (ct.resources ??= {}) as Obj;
        res.requests = { ...((res.requests as Obj | undefined) ?? {}), ...MARKER };
        res.limits = { ...((res.limits as Obj | undefined) ?? {}), ...MARKER };
      }
      const path = `/api/v1/namespaces/${NAMESPACE}/pods/${String(md.name)}`;
      await c.create(copy);
      let node = '';
      await until(
        async () => {
          node = String(((await c.k.get(path)).spec as Obj).nodeName ?? '');
          return node !== '';
        },
        30_000,
        `placer's choice for ${k.name} bound`,
        100,
      );
      await c.k.remove(path);
      return node;
    }

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
      await logged(s, from, seenLines(k), `kube-scheduler saw the objects of ${k.name}`);
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
      return { node, message, scores };
    }

    /** The case's objects deleted (the pending pod already, when a copy was chosen). */
    async function cleanUp(k: SmallCluster, pendingLeft: boolean): Promise<void> {
      for (const p of pendingLeft ? [...k.bound, k.pending] : k.bound)
        await c.k.remove(`/api/v1/namespaces/${NAMESPACE}/pods/${String((p.metadata as Obj).name)}`);
      for (const n of k.nodes) await c.k.remove(`/api/v1/nodes/${String((n.metadata as Obj).name)}`);
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
      /** Bound cases with several feasible nodes: placer's filter passes several and chooses. */
      let several = 0;
      for (let i = 0; i < CASES; i++) {
        const k = smallCluster(SEED, i);
        const fromChoosing = statSync(sc.log).size;
        const kube = await runKube(k);
        const chosen = kube.node === null ? null : await runChoosing(k, fromChoosing);
        await cleanUp(k, chosen === null);
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
          if (!top.includes(chosen!))
            disagreements.push(`the extender's choice ${chosen} is not among kube's top nodes ${top.join(',')}, ${what}`);
          if (kube.scores.size > 0) several++;
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
      expect(several).toBeGreaterThan(0);
      // placer chose where several nodes passed: kube-scheduler never asked its prioritize
      expect(await metric(r, 'placer_extender_choices_total', { by: 'placer' })).toBe(several);
      expect(await metric(r, 'placer_extender_request_duration_seconds_count', { verb: 'prioritize', result: 'success' })).toBe(0);
      process.stderr.write(
        `kube-scheduler differential: ${bound} bound (the extender's choice among kube-scheduler's top nodes in each), ${unschedulable} unschedulable, ${ties} with tied top nodes\n`,
      );
    });
  },
  { scheduler: true },
);
