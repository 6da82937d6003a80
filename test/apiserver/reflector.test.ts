// The reflector against the fake API server, in process: paged lists, watch events, bookmarks
// advancing the resourceVersion, 410 (as an ERROR event and as the HTTP status) turning into a
// relist, a server-side watch timeout resuming without one, an absent CRD, a watch that the server
// never ends taken as a dead connection.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeClient, loadKubeConfig, type Obj } from '../../service/apiserver/client.js';
import { Reflector } from '../../service/apiserver/reflector.js';
import { WATCHED, type WatchedResource } from '../../service/apiserver/resources.js';
import { node, vm } from '../fixtures/k8s.js';
import { FakeApiServer } from './fake-apiserver.js';
import { until } from './until.js';

const silent = pino({ level: 'silent' });
const NODES = WATCHED.find((r) => r.kind === 'Node')!;
const PODS = WATCHED.find((r) => r.kind === 'Pod')!;

/** A handler that keeps what the API says, and a log of what it was told. */
class Recorder {
  readonly objects = new Map<string, Obj>();
  readonly calls: string[] = [];
  replace = (items: Obj[], rv: string): void => {
    this.calls.push(`replace ${items.length} @${rv}`);
    this.objects.clear();
    for (const o of items) this.objects.set(String((o.metadata as Obj).name), o);
  };
  event = (type: string, o: Obj): void => {
    const name = String((o.metadata as Obj).name);
    this.calls.push(`${type} ${name}`);
    if (type === 'DELETED') this.objects.delete(name);
    else this.objects.set(name, o);
  };
  names(): string[] {
    return [...this.objects.keys()].sort();
  }
}

let f: FakeApiServer;
let client: KubeClient;
let dir: string;
const reflectors: Reflector[] = [];

beforeEach(async () => {
  f = await FakeApiServer.start();
  dir = mkdtempSync(join(tmpdir(), 'placer-reflector-'));
  writeFileSync(join(dir, 'kubeconfig'), f.kubeconfig());
  client = await KubeClient.connect(await loadKubeConfig({ kubeconfig: join(dir, 'kubeconfig') }));
});
afterEach(async () => {
  await Promise.all(reflectors.splice(0).map((r) => r.stop()));
  client.close();
  await f.stop();
  rmSync(dir, { recursive: true, force: true });
});

function reflect(
  resource: WatchedResource = NODES,
  opts: ConstructorParameters<typeof Reflector>[5] = {},
): { r: Reflector; rec: Recorder } {
  const rec = new Recorder();
  const r = new Reflector(client, resource, rec, silent, undefined, { backoffInitialMs: 50, backoffMaxMs: 200, ...opts });
  reflectors.push(r);
  return { r, rec };
}

describe('reflector', () => {
  it('lists in pages at one resourceVersion, adds kind/apiVersion to list items, then follows the watch', async () => {
    for (const n of ['hv-1', 'hv-2', 'hv-3', 'hv-4', 'hv-5']) f.create(node(n).allocatable({ cpu: '4' }).obj());
    const { r, rec } = reflect(NODES, { pageSize: 2 });
    await r.start();
    const listRv = String(f.storage.resourceVersion);
    expect(rec.calls).toEqual([`replace 5 @${listRv}`]);
    expect(rec.objects.get('hv-1')).toMatchObject({ kind: 'Node', apiVersion: 'v1' });
    expect(r.resourceVersion).toBe(listRv);
    const lists = f.requests.filter((q) => q.path === '/api/v1/nodes' && q.query.get('watch') === null);
    expect(lists.map((q) => q.query.get('limit'))).toEqual(['2', '2', '2']);
    // the first page asks for any version (a real API server's watch cache answers it), the others continue
    expect(lists.map((q) => [q.query.get('resourceVersion'), q.query.get('continue') !== null])).toEqual([
      ['0', false],
      [null, true],
      [null, true],
    ]);

    await until(() => f.openWatches('nodes') === 1);
    const w = f.requests.find((q) => q.query.get('watch') === '1')!;
    expect(w.query.get('resourceVersion')).toBe(listRv);
    expect(w.query.get('allowWatchBookmarks')).toBe('true');
    expect(Number(w.query.get('timeoutSeconds'))).toBeGreaterThan(0);

    f.modify('Node', '', 'hv-2', (o) => ((o.spec as Obj).unschedulable = true));
    f.remove('Node', '', 'hv-5');
    f.create(node('hv-6').obj());
    await until(() => rec.calls.length === 4);
    expect(rec.calls.slice(1)).toEqual(['MODIFIED hv-2', 'DELETED hv-5', 'ADDED hv-6']);
    expect(rec.names()).toEqual(['hv-1', 'hv-2', 'hv-3', 'hv-4', 'hv-6']);
    expect(r.resourceVersion).toBe(String(f.storage.resourceVersion));
  });

  it("hands a list over in etcd's key order (namespace, then name), whatever order the server answered in", async () => {
    f.listUnordered = true;
    for (const [ns, name] of [
      ['team-b', 'p-1'],
      ['team-a', 'p-2'],
      ['team-a', 'p-10'],
      ['team-a-x', 'p-0'], // '-' sorts before '/': team-a-x/… before team-a/…
    ])
      f.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns }, spec: { containers: [{ name: 'c', image: 'x' }] } });
    const order: string[] = [];
    const r = new Reflector(
      client,
      PODS,
      {
        replace: (items) => order.push(...items.map((o) => `${String((o.metadata as Obj).namespace)}/${String((o.metadata as Obj).name)}`)),
        event: () => {},
      },
      silent,
      undefined,
    );
    reflectors.push(r);
    await r.start();
    expect(order).toEqual(['team-a-x/p-0', 'team-a/p-10', 'team-a/p-2', 'team-b/p-1']);
  });

  it('fetches its first list at once but hands it over only after the one it starts after (lists travel together, apply in order)', async () => {
    f.create(node('hv-1').allocatable({ cpu: '4' }).obj());
    const { r, rec } = reflect(NODES);
    let release: () => void = () => {};
    const before = new Promise<void>((resolve) => (release = resolve));
    const started = r.start(before);
    await until(() => f.requests.some((q) => q.path === '/api/v1/nodes' && q.query.get('watch') === null));
    // the list came back, yet nothing is handed over while the resource before it is not applied
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rec.calls).toEqual([]);
    expect(r.synced).toBe(false);
    release();
    await started;
    expect(rec.calls).toEqual([`replace 1 @${String(f.storage.resourceVersion)}`]);
    expect(r.synced).toBe(true);
  });

  it('hands its first list over even when the one before it failed (the caller sees that failure)', async () => {
    const { r, rec } = reflect(NODES);
    await r.start(Promise.reject(new Error('stopped')));
    expect(rec.calls).toEqual(['replace 0 @' + String(f.storage.resourceVersion)]);
  });

  it('advances the resourceVersion on a BOOKMARK, so a re-watch resumes after it without a relist', async () => {
    f.create(node('hv-1').obj());
    const { r, rec } = reflect();
    await r.start();
    await until(() => f.openWatches('nodes') === 1);
    f.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'unrelated', namespace: 'x' }, spec: { containers: [{ name: 'c' }] } });
    f.bookmark();
    const bookmarked = String(f.storage.resourceVersion);
    await until(() => r.resourceVersion === bookmarked);
    expect(rec.calls).toHaveLength(1); // a bookmark is not an event for the handler
    f.closeWatches();
    await until(() => f.requests.filter((q) => q.query.get('watch') === '1').length === 2);
    expect(f.requests.filter((q) => q.query.get('watch') === '1')[1].query.get('resourceVersion')).toBe(bookmarked);
    expect(rec.calls).toHaveLength(1);
  });

  it('resumes from the last resourceVersion when the server ends the watch (timeoutSeconds), without relisting', async () => {
    const { r, rec } = reflect(NODES, { watchTimeoutSeconds: 1 });
    await r.start();
    await until(() => f.requests.filter((q) => q.query.get('watch') === '1').length >= 2, 5000);
    f.create(node('late').obj());
    await until(() => rec.objects.has('late'));
    expect(rec.calls.filter((c) => c.startsWith('replace'))).toHaveLength(1);
  });

  it.each(['event', 'http'] as const)('relists on 410 Expired (as %s) and the handler gets the complete set again', async (how) => {
    f.expiredAs = how;
    for (const n of ['a', 'b']) f.create(node(n).obj());
    const { r, rec } = reflect();
    await r.start();
    await until(() => f.openWatches('nodes') === 1);
    // the watch drops; meanwhile the history is compacted and the nodes change
    f.closeWatches();
    f.remove('Node', '', 'a');
    f.create(node('c').obj());
    f.compact();
    // (the reflector may have re-watched before the compaction: make that watch drop too)
    f.closeWatches();
    await until(() => rec.calls.filter((c) => c.startsWith('replace')).length === 2);
    expect(rec.names()).toEqual(['b', 'c']);
    // the relist reads the most recent version (no resourceVersion): the first list asked for any
    const lists = f.requests.filter((q) => q.path === '/api/v1/nodes' && q.query.get('watch') === null);
    expect(lists.map((q) => q.query.get('resourceVersion'))).toEqual(['0', null]);
    expect(r.resourceVersion).toBe(String(f.storage.resourceVersion));
    f.create(node('d').obj());
    await until(() => rec.objects.has('d'));
  });

  it('relists when a list page continue token expired', async () => {
    for (const n of ['a', 'b', 'c']) f.create(node(n).obj());
    let lists = 0;
    // compact right after the first page was served: its continue token is then too old
    f.requestHook = (_m, path, q) => {
      if (path === '/api/v1/nodes' && q.get('watch') === null && lists++ === 1) f.compact();
      return undefined;
    };
    const { r, rec } = reflect(NODES, { pageSize: 2 });
    await r.start();
    expect(rec.calls).toEqual([`replace 3 @${f.storage.resourceVersion}`]);
    expect(lists).toBe(4); // page 1, page 2 (expired), then pages 1 and 2 again
  });

  it('takes a resource the server does not serve (a CRD not installed) as empty and synced', async () => {
    const crd: WatchedResource = { kind: 'Widget', apiVersion: 'example.com/v1', path: '/apis/example.com/v1/widgets', optional: true };
    const { r, rec } = reflect(crd, { absentRetryMs: 100 });
    await r.start();
    expect(r.synced).toBe(true);
    expect(rec.calls).toEqual(['replace 0 @']);
    await until(() => f.requests.filter((q) => q.path === crd.path).length >= 2); // asked again later
  });

  it('vm-operator installed after placer started: its VirtualMachines are listed and watched once it serves them', async () => {
    const vms = WATCHED.find((w) => w.kind === 'VirtualMachine')!;
    expect(vms).toMatchObject({ path: '/apis/vmoperator.vmware.com/v1alpha6/virtualmachines', optional: true });
    f.uninstall('vmoperator.vmware.com');
    const { r, rec } = reflect(vms, { absentRetryMs: 100 });
    await r.start();
    expect(r.synced).toBe(true);
    expect(rec.calls).toEqual(['replace 0 @']);
    f.create(vm('db').ns('team').className('small').obj());
    f.install('vmoperator.vmware.com');
    await until(() => rec.names().join() === 'db');
    expect(rec.objects.get('db')).toMatchObject({ kind: 'VirtualMachine', apiVersion: 'vmoperator.vmware.com/v1alpha6' });
    await until(() => f.openWatches('virtualmachines') === 1);
    f.create(vm('web').ns('team').className('small').obj());
    await until(() => rec.names().join() === 'db,web');
  });

  it('retries a failing watch with backoff from the same resourceVersion (no relist) and catches up', async () => {
    const { r, rec } = reflect();
    await r.start();
    await until(() => f.openWatches('nodes') === 1);
    const rv = r.resourceVersion;
    let refused = 0;
    f.requestHook = (_m, path, q) => {
      if (path !== '/api/v1/nodes' || q.get('watch') !== '1') return undefined;
      refused++;
      return { code: 500, reason: 'InternalError', message: 'Internal error occurred: etcdserver: request timed out' };
    };
    f.closeWatches();
    f.create(node('x').obj());
    await until(() => refused >= 3);
    f.requestHook = undefined;
    await until(() => rec.objects.has('x'));
    expect(rec.calls.filter((c) => c.startsWith('replace'))).toHaveLength(1);
    expect(f.requests.filter((q) => q.query.get('watch') === '1').every((q) => q.query.get('resourceVersion') === rv)).toBe(true);
  });

  it('takes a watch the server has not ended by its timeoutSeconds + grace as a dead connection: not healthy until a new watch answers, resumed without a relist', async () => {
    const { r, rec } = reflect(NODES, { watchTimeoutSeconds: 1, watchGraceMs: 300 });
    await r.start();
    expect(r.healthy).toBe(true);
    f.stallWatches = true; // from now on a watch gets its headers and then silence
    f.closeWatches();
    const stalledFrom = performance.now();
    await until(() => !r.healthy, 5000, 'the stalled watch noticed');
    // the watch asked for timeoutSeconds 1–2: noticed within that + the grace (and the backoff's first retry)
    expect(performance.now() - stalledFrom).toBeLessThan(2300 + 500);
    f.stallWatches = false;
    f.create(node('after').obj());
    await until(() => rec.objects.has('after'), 5000, 'caught up');
    expect(r.healthy).toBe(true);
    expect(rec.calls.filter((c) => c.startsWith('replace'))).toHaveLength(1);
  });
});
