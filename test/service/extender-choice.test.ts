// --extender-choice placer (extender-choice.ts): the filter answers the one node placer chooses
// when several pass, so that kube-scheduler neither scores nor calls prioritize; while another pod
// that passed waits for its bind (kube-scheduler has assumed it, placer has not seen it), every
// passing node, for kube-scheduler to score.
//
// Cluster: n1, n2, n3 with 16 cpu / 64Gi each. Running: 8 cpu on n1, 2 cpu on n2, 4 cpu on n3
// (1Gi each). A pod of 1 cpu / 1Gi, LeastAllocated + BalancedAllocation (kube's integer steps):
//   n1  cpu (16−9)/16 → 43, memory (64−2)/64 → 96: fit 69, balanced 100 − 26.6 → 73 = 142
//   n2  cpu (16−3)/16 → 81, memory 96:            fit 88, balanced 100 −  7.8 → 92 = 180  ← highest
//   n3  cpu (16−5)/16 → 68, memory 96:            fit 82, balanced 100 − 14.1 → 85 = 167

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Choices } from '../../service/server/routes/extender-choice.js';
import { extenderNode } from '../fixtures/extender-cluster.js';
import { harness, type Harness, type Obj } from './harness.js';

const NAMES = ['n1', 'n2', 'n3'];
/** What runs where (cpu), as the header says. */
const RUNNING: [string, string][] = [
  ['n1', '8'],
  ['n2', '2'],
  ['n3', '4'],
];

const pod = (name: string, cpu: string, memory = '1Gi', nodeName?: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'apps', uid: `uid-${name}` },
  spec: { ...(nodeName && { nodeName }), containers: [{ name: 'c', image: 'x', resources: { requests: { cpu, memory } } }] },
});

async function cluster(h: Harness, running: [string, string][]): Promise<void> {
  const objs = [...NAMES.map((n) => extenderNode(n, '16', '64Gi')), ...running.map(([node, cpu], i) => pod(`run-${i}`, cpu, '1Gi', node))];
  const r = await h.json('POST', '/v1/apply', objs);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
}

const filter = async (h: Harness, p: Obj, names = NAMES): Promise<Obj> => {
  const r = await h.json('POST', '/scheduler/filter', { Pod: p, Nodes: null, NodeNames: names });
  expect(r.status).toBe(200);
  return r.body;
};

const bind = async (h: Harness, name: string, node: string): Promise<void> => {
  const r = await h.json('POST', '/scheduler/bind', { PodName: name, PodNamespace: 'apps', PodUID: `uid-${name}`, Node: node });
  expect(r.body).toEqual({ Error: '' });
};

const choices = async (h: Harness): Promise<Record<string, number>> => {
  const text = await (await h.request('GET', '/metrics')).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^placer_extender_choices_total\{by="([^"]+)"\} (\d+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
};

describe('extender: --extender-choice placer', () => {
  let h: Harness;
  afterEach(() => h.close());

  it("answers only placer's choice, the highest total; the other passing nodes are in neither map", async () => {
    h = await harness({ extenderChoice: 'placer' });
    await cluster(h, RUNNING);
    expect(await filter(h, pod('a', '1'))).toEqual({
      Nodes: null,
      NodeNames: ['n2'],
      FailedNodes: {},
      FailedAndUnresolvableNodes: {},
      Error: '',
    });
    expect(await choices(h)).toEqual({ placer: 1 });
  });

  it("ties go to the lowest host slot (placer's host order: here the order applied), not the order of the request", async () => {
    h = await harness({ extenderChoice: 'placer' });
    await cluster(h, []);
    expect((await filter(h, pod('a', '1'), ['n3', 'n2', 'n1'])).NodeNames).toEqual(['n1']);
  });

  it('a node that fails is still reported when none passes; one passing node is answered as it is', async () => {
    h = await harness({ extenderChoice: 'placer' });
    await cluster(h, RUNNING);
    // 13 cpu: only n2 has room (14 free)
    const one = await filter(h, pod('a', '13'));
    expect(one.NodeNames).toEqual(['n2']);
    expect(Object.keys(one.FailedNodes as Obj).sort()).toEqual(['n1', 'n3']);
    const none = await filter(h, pod('b', '15'));
    expect(none.NodeNames).toEqual([]);
    expect(Object.keys(none.FailedNodes as Obj).sort()).toEqual(NAMES);
    expect(await choices(h)).toEqual({});
  });

  it("while another pod that passed waits for its bind, every passing node; once bound, placer's choice again", async () => {
    h = await harness({ extenderChoice: 'placer' });
    await cluster(h, RUNNING);
    // pods of 3 cpu / 1Gi: a goes to n2 (total 167 against n3's 155 and n1's 130)
    expect((await filter(h, pod('a', '3'))).NodeNames).toEqual(['n2']);
    // a's retry is a's own: still a choice
    expect((await filter(h, pod('a', '3'))).NodeNames).toEqual(['n2']);
    // b while a is assumed by kube-scheduler but not bound here: kube-scheduler scores
    expect((await filter(h, pod('b', '3'))).NodeNames).toEqual(NAMES);
    await bind(h, 'a', 'n2');
    // c: b passed and is not bound yet
    expect((await filter(h, pod('c', '3'))).NodeNames).toEqual(NAMES);
    // b bound to n2 too (kube-scheduler's pick); c's choice counts both: n2 holds 8 cpu / 3Gi now
    //   n2  cpu (16−11)/16 → 31, memory (64−4)/64 → 93: fit 62, balanced 100 − 31.25 → 68 = 130
    //   n3  cpu (16−7)/16 → 56, memory (64−2)/64 → 96: fit 76, balanced 100 − 20.3 → 79 = 155
    await bind(h, 'b', 'n2');
    expect((await filter(h, pod('c', '3'))).NodeNames).toEqual(['n3']);
    expect(await choices(h)).toEqual({ placer: 3, 'kube-scheduler': 2 });
  });

  it('without the option (kube-scheduler chooses) every passing node is answered', async () => {
    h = await harness();
    await cluster(h, [['n1', '8']]);
    expect((await filter(h, pod('a', '1'))).NodeNames).toEqual(NAMES);
    expect(await choices(h)).toEqual({ 'kube-scheduler': 1 });
  });

  it('Nodes mode (nodeCacheCapable: false) echoes the chosen Node object alone', async () => {
    h = await harness({ extenderChoice: 'placer' });
    await cluster(h, RUNNING);
    const items = NAMES.map((n) => {
      const { apiVersion: _a, kind: _k, ...rest } = extenderNode(n, '16', '64Gi');
      return { ...rest, metadata: { ...(rest.metadata as Obj), resourceVersion: '7' } };
    });
    const r = await h.json('POST', '/scheduler/filter', { Pod: pod('a', '1'), Nodes: { metadata: {}, items }, NodeNames: null });
    expect((r.body.Nodes as { items: Obj[] }).items).toEqual([items[1]]);
    expect(r.body.NodeNames).toBeNull();
  });
});

describe("extender: placer's choice defers to kube-scheduler where ImageLocality may count", () => {
  // Nodes mode: kube-scheduler sends each Node with status.images. ImageLocality, for one
  // container: ⌊100 · (clamp(S, 23 MiB, 1000 MiB) − 23 MiB) / 977 MiB⌋, S ≤ the image's size.
  const MIB = 1024 * 1024;
  let h: Harness;
  afterEach(() => h.close());
  const items = (images: Record<string, number>, rv: string): Obj[] =>
    NAMES.map((n) => {
      const { apiVersion: _a, kind: _k, ...rest } = extenderNode(n, '16', '64Gi');
      const size = images[n];
      return {
        ...rest,
        metadata: { ...(rest.metadata as Obj), resourceVersion: rv },
        status: {
          ...(rest.status as Obj),
          ...(size !== undefined && { images: [{ names: ['registry.example/app:1'], sizeBytes: size }] }),
        },
      };
    });
  const withImage = (name: string): Obj => {
    const p = pod(name, '1');
    return {
      ...p,
      spec: {
        ...(p.spec as Obj),
        containers: [{ name: 'c', image: 'registry.example/app:1', resources: { requests: { cpu: '1', memory: '1Gi' } } }],
      },
    };
  };
  const filterNodes = async (h: Harness, p: Obj, nodes: Obj[]): Promise<string[]> => {
    const r = await h.json('POST', '/scheduler/filter', { Pod: p, Nodes: { metadata: {}, items: nodes }, NodeNames: null });
    expect(r.status).toBe(200);
    return (r.body.Nodes as { items: Obj[] }).items.map((n) => String((n.metadata as Obj).name));
  };

  it('a large image on a passing node: every passing node, for kube-scheduler to score; a small one: the choice', async () => {
    h = await harness({ extenderChoice: 'placer' });
    await cluster(h, RUNNING);
    // n3 holds 500 MiB of the pod's image: ⌊100 · 477 / 977⌋ = 48 there if every node had it, > 0
    expect(await filterNodes(h, withImage('a'), items({ n3: 500 * MIB }, '7'))).toEqual(NAMES);
    // the Node's next version holds 30 MiB: ⌊100 · 7 / 977⌋ = 0 on every node, placer's choice (n2) stands
    expect(await filterNodes(h, withImage('a'), items({ n3: 30 * MIB }, '8'))).toEqual(['n2']);
    // a pod of another image is not scored by n3's; bound first, as a holds choices back until then.
    // n2 then holds 3 cpu / 2Gi: cpu 13/16 → 75, memory 61/64 → 95: fit 85, balanced 100 − 10.2 → 89 = 174 > n3's 167
    await bind(h, 'a', 'n2');
    expect(await filterNodes(h, pod('b', '1'), items({ n3: 500 * MIB }, '9'))).toEqual(['n2']);
    expect(await choices(h)).toEqual({ placer: 2, 'kube-scheduler': 1 });
    // one Node with images, one image name: what the gauges show of it
    const text = await (await h.request('GET', '/metrics')).text();
    expect(text).toMatch(/^placer_cache_entries\{cache="node_images"\} 1$/m);
    expect(text).toMatch(/^placer_cache_entries\{cache="image_names"\} 1$/m);
  });

  it('ImageLocality off in the profile (--config): the image does not hold the choice back', async () => {
    h = await harness({ extenderChoice: 'placer', imageLocality: false });
    await cluster(h, RUNNING);
    expect(await filterNodes(h, withImage('a'), items({ n3: 500 * MIB }, '7'))).toEqual(['n2']);
  });
});

describe("extender: placer's choice is its engine's, in both backends", () => {
  // Random clusters (hosts of 4–32 cpu, running pods, a VM kube-scheduler does not see) and a
  // random pod: the filter's one answer is the host POST /v1/explain selects and the one a
  // dry-run apply places it on (the batch engine, whose choice the differential tests hold to
  // kube-scheduler's top nodes), on the Wasm core and on the reference engine alike.
  it('the chosen node is explain’s selected host and the dry-run placement (wasm and reference)', async () => {
    const hostArb = fc.record({ cpu: fc.integer({ min: 4, max: 32 }), used: fc.integer({ min: 0, max: 4 }), vm: fc.boolean() });
    await fc.assert(
      fc.asyncProperty(fc.array(hostArb, { minLength: 2, maxLength: 8 }), fc.integer({ min: 1, max: 4 }), async (hosts, cpu) => {
        const names = hosts.map((_, i) => `h${i}`);
        const objs: Obj[] = hosts.map((x, i) => extenderNode(names[i], String(x.cpu), `${x.cpu * 4}Gi`));
        hosts.forEach((x, i) => {
          if (x.used > 0) objs.push({ ...pod(`run-${i}`, String(x.used), `${x.used}Gi`, names[i]) });
          if (x.vm)
            objs.push({
              apiVersion: 'vmoperator.vmware.com/v1alpha6',
              kind: 'VirtualMachine',
              metadata: { name: `vm-${i}`, namespace: 'apps' },
              spec: { imageName: 'ubuntu', resources: { size: { cpu: '2', memory: '2Gi' } } },
              status: { nodeName: names[i] },
            });
        });
        const picked: (string | null)[] = [];
        for (const backend of ['wasm', 'reference'] as const) {
          const hb = await harness({ extenderChoice: 'placer', backend });
          try {
            expect((await hb.json('POST', '/v1/apply', objs)).status).toBe(200);
            const p = pod('new', String(cpu), '1Gi');
            const answer = (await hb.json('POST', '/scheduler/filter', { Pod: p, Nodes: null, NodeNames: names })).body;
            const explained = await hb.json<{ items: { selected: string | null }[] }>('POST', '/v1/explain', [p]);
            // and where placing it would put it (the batch engine, as `placer place` runs it)
            const placed = await hb.json<{ placements: { host: string }[] }>('POST', '/v1/apply?dryRun=All', [p]);
            const passing = answer.NodeNames as string[];
            const selected = explained.body.items[0].selected;
            if (passing.length === 0) expect(selected).toBeNull();
            else expect(passing).toEqual([selected]);
            expect(placed.body.placements.map((x) => x.host)).toEqual(selected === null ? [] : [selected]);
            picked.push(selected);
          } finally {
            hb.close();
          }
        }
        expect(picked[0]).toBe(picked[1]);
      }),
      { numRuns: 40 },
    );
  });
});

describe('Choices: which pods hold a choice back', () => {
  it('a pod that passed holds others back until its bind or its deadline; never itself', () => {
    let now = 0;
    const c = new Choices(2000, () => now);
    expect(c.mayChoose('a')).toBe(true);
    c.passed('a');
    expect(c.mayChoose('a')).toBe(true);
    expect(c.mayChoose('b')).toBe(false);
    c.passed('b');
    c.bound('a');
    expect(c.mayChoose('c')).toBe(false); // b still waits
    now = 1999;
    expect(c.mayChoose('c')).toBe(false);
    now = 2000;
    expect(c.mayChoose('c')).toBe(true); // b's deadline passed: forgotten
    expect(c.size).toBe(0);
  });
});
