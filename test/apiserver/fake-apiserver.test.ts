// The fake API server behaves as the Kubernetes API does on the paths placer uses: typed lists
// with a resourceVersion, watch streams with bookmarks and 410, the binding subresource, Lease
// optimistic concurrency. The Kubernetes-mode tests are only as good as this fidelity.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { node, pod } from '../fixtures/k8s.js';
import { FakeApiServer, type Obj } from './fake-apiserver.js';
import { until } from './until.js';

let f: FakeApiServer;
beforeEach(async () => {
  f = await FakeApiServer.start({ token: 't0k3n' });
});
afterEach(async () => {
  await f.stop();
});

const auth = { authorization: 'Bearer t0k3n' };

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Obj }> {
  const res = await fetch(f.url + path, {
    method,
    headers: { ...auth, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Obj };
}

/** Read a watch stream until `n` events arrived or it ended. */
async function watchEvents(path: string, n: number): Promise<{ status: number; events: Obj[] }> {
  const ctl = new AbortController();
  const res = await fetch(f.url + path, { headers: auth, signal: ctl.signal });
  if (res.status !== 200) return { status: res.status, events: [(await res.json()) as Obj] };
  const events: Obj[] = [];
  const dec = new TextDecoder();
  let buf = '';
  const reader = res.body!.getReader();
  while (events.length < n) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf('\n')) >= 0 && events.length < n) {
      events.push(JSON.parse(buf.slice(0, i)) as Obj);
      buf = buf.slice(i + 1);
    }
  }
  ctl.abort();
  return { status: 200, events };
}

const rv = (o: Obj): number => Number((o.metadata as Obj).resourceVersion);

describe('fake API server', () => {
  it('refuses a request without the bearer token (401 Status)', async () => {
    const res = await fetch(`${f.url}/api/v1/nodes`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Unauthorized',
      reason: 'Unauthorized',
      code: 401,
    });
  });

  it('lists as a typed list: kind XList, metadata.resourceVersion, items without kind/apiVersion, pages with continue', async () => {
    for (const n of ['hv-3', 'hv-1', 'hv-2']) f.create(node(n).allocatable({ cpu: '4' }).obj());
    const all = await call('GET', '/api/v1/nodes');
    expect(all.status).toBe(200);
    expect(all.body.kind).toBe('NodeList');
    expect(all.body.apiVersion).toBe('v1');
    expect((all.body.metadata as Obj).resourceVersion).toBe(String(f.storage.resourceVersion));
    const items = all.body.items as Obj[];
    expect(items.map((i) => (i.metadata as Obj).name)).toEqual(['hv-1', 'hv-2', 'hv-3']);
    expect(items[0].kind).toBeUndefined();
    // pages: one snapshot's resourceVersion, even when objects change between pages
    const p1 = await call('GET', '/api/v1/nodes?limit=2');
    const md1 = p1.body.metadata as Obj;
    expect((p1.body.items as Obj[]).length).toBe(2);
    expect(md1.remainingItemCount).toBe(1);
    f.create(node('hv-0').obj());
    const p2 = await call('GET', `/api/v1/nodes?limit=2&continue=${encodeURIComponent(String(md1.continue))}`);
    expect((p2.body.items as Obj[]).map((i) => (i.metadata as Obj).name)).toEqual(['hv-3']);
    expect((p2.body.metadata as Obj).resourceVersion).toBe(md1.resourceVersion);
    expect((p2.body.metadata as Obj).continue).toBeUndefined();
    // a continue token whose revision was compacted away: 410 Expired
    f.compact();
    f.create(node('hv-9').obj());
    const gone = await call('GET', `/api/v1/nodes?limit=2&continue=${encodeURIComponent(String(md1.continue))}`);
    expect(gone.status).toBe(410);
    expect(gone.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
    // resourceVersion: "0" (any) and N not older than N list; a version the server has not reached times out
    const current = f.storage.resourceVersion;
    expect((await call('GET', '/api/v1/nodes?resourceVersion=0')).status).toBe(200);
    expect((await call('GET', `/api/v1/nodes?resourceVersion=${current}`)).status).toBe(200);
    const ahead = await call('GET', `/api/v1/nodes?resourceVersion=${current + 10}`);
    expect(ahead.status).toBe(504);
    expect(ahead.body).toMatchObject({
      reason: 'Timeout',
      message: `Too large resource version: ${current + 10}, current: ${current}`,
      details: { causes: [{ reason: 'ResourceVersionTooLarge' }] },
    });
  });

  it('watches from a resourceVersion: history, then live events, bookmarks only when allowed', async () => {
    const a = f.create(node('hv-1').obj());
    const from = rv(a);
    f.modify('Node', '', 'hv-1', (o) => ((o.spec as Obj).unschedulable = true));
    f.remove('Node', '', 'hv-1');
    const w = await watchEvents(`/api/v1/nodes?watch=1&resourceVersion=${from}&allowWatchBookmarks=true`, 2);
    expect(w.events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
    expect(((w.events[1].object as Obj).metadata as Obj).name).toBe('hv-1');
    expect((w.events[1].object as Obj).kind).toBe('Node');

    const live = watchEvents(
      `/api/v1/namespaces/ns1/pods?watch=true&resourceVersion=${f.storage.resourceVersion}&allowWatchBookmarks=true`,
      2,
    );
    await until(() => f.openWatches('pods') === 1);
    f.create(pod('other').ns('ns2').container({ cpu: '1' }).obj()); // another namespace: not seen
    f.create(pod('p').ns('ns1').container({ cpu: '1' }).obj());
    f.bookmark();
    const got = (await live).events;
    expect(got.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    expect(got[1].object).toEqual({ kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(f.storage.resourceVersion) } });
  });

  it('answers a too-old resourceVersion with 410 Expired: an ERROR event by default, the HTTP status when asked', async () => {
    f.create(node('hv-1').obj());
    const old = f.storage.resourceVersion;
    f.create(node('hv-2').obj());
    f.compact();
    const w = await watchEvents(`/api/v1/nodes?watch=1&resourceVersion=${old - 1}`, 5);
    expect(w.status).toBe(200);
    expect(w.events).toEqual([
      {
        type: 'ERROR',
        object: {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Failure',
          message: `too old resource version: ${old - 1} (${f.storage.oldestWatchable})`,
          reason: 'Expired',
          code: 410,
        },
      },
    ]);
    f.expiredAs = 'http';
    const h = await watchEvents(`/api/v1/nodes?watch=1&resourceVersion=${old - 1}`, 1);
    expect(h.status).toBe(410);
    expect(h.events[0]).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
  });

  it('keeps a bounded history: a watch from before it is too old', async () => {
    const small = await FakeApiServer.start({ historyLimit: 3 });
    try {
      const first = small.create(node('a').obj());
      for (const n of ['b', 'c', 'd']) small.create(node(n).obj());
      const res = await fetch(`${small.url}/api/v1/nodes?watch=1&resourceVersion=${rv(first) - 1}`, {
        headers: { authorization: 'Bearer placer-token' },
      });
      expect(await res.text()).toContain('"code":410');
    } finally {
      await small.stop();
    }
  });

  it('closes a watch after timeoutSeconds', async () => {
    const t0 = performance.now();
    const w = await watchEvents(`/api/v1/nodes?watch=1&resourceVersion=${f.storage.resourceVersion}&timeoutSeconds=1`, 1);
    expect(w.events).toEqual([]);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('binds through pods/binding: 201 Status, then 409 already assigned, 404 for a gone pod, 409 on a UID precondition', async () => {
    const p = f.create(pod('web').ns('ns1').container({ cpu: '1' }).obj());
    const uid = String((p.metadata as Obj).uid);
    const binding = (name: string, node: string, u?: string) => ({
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace: 'ns1', ...(u && { uid: u }) },
      target: { apiVersion: 'v1', kind: 'Node', name: node },
    });
    const wrongUid = await call('POST', '/api/v1/namespaces/ns1/pods/web/binding', binding('web', 'hv-1', 'not-the-uid'));
    expect(wrongUid.status).toBe(409);
    expect(wrongUid.body).toMatchObject({
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on pods "web": StorageError: invalid object, Code: 4, Key: /registry/pods/ns1/web, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${uid}`,
      details: { name: 'web', kind: 'pods' },
    });
    const ok = await call('POST', '/api/v1/namespaces/ns1/pods/web/binding', binding('web', 'hv-1', uid));
    expect(ok.status).toBe(201);
    expect(ok.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    expect((f.get('Pod', 'ns1', 'web')!.spec as Obj).nodeName).toBe('hv-1');
    const again = await call('POST', '/api/v1/namespaces/ns1/pods/web/binding', binding('web', 'hv-2', uid));
    expect(again.status).toBe(409);
    expect(again.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to node "hv-1"',
      reason: 'Conflict',
      details: { name: 'web', kind: 'pods/binding' },
      code: 409,
    });
    const missing = await call('POST', '/api/v1/namespaces/ns1/pods/gone/binding', binding('gone', 'hv-1'));
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ reason: 'NotFound', message: 'pods "gone" not found', details: { name: 'gone', kind: 'pods' } });
    // graceful deletion started: no binding any more (checked before spec.nodeName)
    f.create(pod('leaving').ns('ns1').container({ cpu: '1' }).obj());
    f.modify('Pod', 'ns1', 'leaving', (o) => ((o.metadata as Obj).deletionTimestamp = '2026-01-01T00:00:00Z'));
    const leaving = await call('POST', '/api/v1/namespaces/ns1/pods/leaving/binding', binding('leaving', 'hv-1'));
    expect(leaving.status).toBe(409);
    expect(leaving.body).toMatchObject({
      reason: 'Conflict',
      message: 'Operation cannot be fulfilled on pods/binding "leaving": pod leaving is being deleted, cannot be assigned to a host',
      details: { name: 'leaving', kind: 'pods/binding' },
    });
    expect(f.bindingPosts.get('ns1/web')).toBe(3);
    expect(f.bindings).toEqual([{ namespace: 'ns1', name: 'web', uid, node: 'hv-1' }]);
  });

  it('Lease get/create/update/delete with optimistic concurrency: 404, 409 AlreadyExists, 409 Conflict on a stale resourceVersion or UID, 422 without one, create on PUT', async () => {
    const path = '/apis/coordination.k8s.io/v1/namespaces/placer-system/leases';
    const none = await call('GET', `${path}/placer`);
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({
      reason: 'NotFound',
      message: 'leases.coordination.k8s.io "placer" not found',
      details: { name: 'placer', group: 'coordination.k8s.io', kind: 'leases' },
    });
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'placer' },
      spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
    };
    const created = await call('POST', path, lease);
    expect(created.status).toBe(201);
    expect((created.body.metadata as Obj).namespace).toBe('placer-system');
    const dup = await call('POST', path, lease);
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ reason: 'AlreadyExists', message: 'leases.coordination.k8s.io "placer" already exists' });
    const got = (await call('GET', `${path}/placer`)).body;
    const upd = await call('PUT', `${path}/placer`, { ...got, spec: { holderIdentity: 'b', leaseDurationSeconds: 15 } });
    expect(upd.status).toBe(200);
    expect(rv(upd.body)).toBeGreaterThan(rv(got));
    const stale = await call('PUT', `${path}/placer`, { ...got, spec: { holderIdentity: 'c', leaseDurationSeconds: 15 } });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on leases.coordination.k8s.io "placer": the object has been modified; please apply your changes to the latest version and try again',
    });
    // a metadata.uid in the body is a precondition, checked before the resourceVersion
    const otherUid = await call('PUT', `${path}/placer`, {
      ...got,
      metadata: { ...(got.metadata as Obj), uid: 'not-the-uid' },
      spec: { holderIdentity: 'c', leaseDurationSeconds: 15 },
    });
    expect(otherUid.status).toBe(409);
    expect(otherUid.body).toMatchObject({
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on leases.coordination.k8s.io "placer": StorageError: invalid object, Code: 4, Key: /registry/leases/placer-system/placer, ResourceVersion: 0, AdditionalErrorMsg: Precondition failed: UID in precondition: not-the-uid, UID in object meta: ${String((got.metadata as Obj).uid)}`,
      details: { name: 'placer', group: 'coordination.k8s.io', kind: 'leases' },
    });
    // Lease's strategy: no unconditional update (422 without resourceVersion), create on update
    const { resourceVersion: _rv, ...noRv } = got.metadata as Obj;
    const unconditional = await call('PUT', `${path}/placer`, {
      ...got,
      metadata: noRv,
      spec: { holderIdentity: 'c', leaseDurationSeconds: 15 },
    });
    expect(unconditional.status).toBe(422);
    expect(unconditional.body).toMatchObject({
      reason: 'Invalid',
      message:
        'Lease.coordination.k8s.io "placer" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update',
      details: {
        name: 'placer',
        group: 'coordination.k8s.io',
        kind: 'Lease',
        causes: [{ reason: 'FieldValueInvalid', field: 'metadata.resourceVersion' }],
      },
    });
    expect(((await call('GET', `${path}/placer`)).body.spec as Obj).holderIdentity).toBe('b');
    const putNew = await call('PUT', `${path}/other`, { ...lease, metadata: { name: 'other' } });
    expect(putNew.status).toBe(201);
    expect((putNew.body.metadata as Obj).namespace).toBe('placer-system');
    const removed = await call('DELETE', `${path}/other`);
    expect(removed.status).toBe(200);
    expect(removed.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: 'other', group: 'coordination.k8s.io', kind: 'leases', uid: (putNew.body.metadata as Obj).uid },
    });
    expect((await call('GET', `${path}/other`)).status).toBe(404);
  });
});
