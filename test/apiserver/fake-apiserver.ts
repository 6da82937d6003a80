// A fake Kubernetes API server on 127.0.0.1 (port 0) for tests: the paths placer uses, with the
// API server's status codes and Status bodies.
//
//   GET    /api/v1/<plural>, /api/v1/namespaces/{ns}/<plural>, /apis/{group}/{version}/...
//          list: {kind: XList, apiVersion, metadata: {resourceVersion, continue?}, items} — items
//          without kind/apiVersion, as the API server encodes a typed list; `limit` + `continue`
//          pages from a consistent snapshot (410 Expired once its revision is compacted);
//          resourceVersion=N newer than the server's: 504 Timeout "Too large resource version"
//   GET    ...?watch=1&resourceVersion=N&allowWatchBookmarks=true&timeoutSeconds=T
//          newline-delimited JSON events ADDED/MODIFIED/DELETED/BOOKMARK/ERROR; from N: the retained
//          history after N, then live events; N older than the history: 410 Expired, as an ERROR
//          event carrying a Status (the watch cache's way, default) or as the HTTP status
//          (`expiredAs: 'http'`); N empty or "0": synthetic ADDED events for the current state first
//   GET/POST/PUT/DELETE on single objects (leases): 404 NotFound, 409 AlreadyExists, 409 Conflict
//          on a stale metadata.resourceVersion or UID, 422 for a PUT without resourceVersion where
//          the strategy wants one (Lease, custom resources), 201 for a PUT creating a Lease;
//          DELETE answers a Status Success naming the object
//   POST   /api/v1/namespaces/{ns}/pods/{name}/binding: 201 + Status Success; 404 if the pod is gone;
//          409 Conflict on pods/binding "pod X is already assigned to node \"Y\"" or "pod X is being
//          deleted, cannot be assigned to a host"; 409 Conflict on pods with the storage layer's
//          "StorageError: invalid object ... Precondition failed: UID in precondition" for a stale UID
//
// uninstall(group) makes every path of an API group (a CRD's: vmoperator.vmware.com, placer.dev)
// 404 NotFound, as a cluster without that operator answers, and ends its watches; install(group)
// serves it again, with whatever objects the test created meanwhile.
//
// Every request needs `Authorization: Bearer <token>` (401 otherwise). The test drives the
// cluster through the methods (create/update/remove/compact/bookmark) and reads what placer did
// through bindingPosts/bindings/requests.

import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import {
  ApiError,
  apiVersionOf,
  FakeStorage,
  notFound,
  RESOURCES,
  status,
  uidPreconditionFailed,
  type Obj,
  type ResourceType,
  type Watcher,
} from './fake-storage.js';

export type { Obj } from './fake-storage.js';

export interface FakeApiServerOptions {
  /** Bearer token every request must carry. */
  token?: string;
  /** Events retained for watches (the watch cache's / etcd's window). */
  historyLimit?: number;
  /** How a watch from a too-old resourceVersion is refused. */
  expiredAs?: 'event' | 'http';
  /** Send a BOOKMARK to watches that asked for them this often (0: only on bookmark()). */
  bookmarkIntervalMs?: number;
  /** Serve HTTPS with this key and certificate (test/apiserver/tls: its own CA), as a real API server does. */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface BindingRecord {
  namespace: string;
  name: string;
  uid: string;
  node: string;
}

/** A test's say over one Binding POST: answer with this Status instead of binding. */
export type BindingHook = (b: BindingRecord) => { code: number; reason: string; message: string } | undefined;

/** A test's say over any request (after authentication): answer with this Status instead. */
export type RequestHook = (
  method: string,
  path: string,
  query: URLSearchParams,
) => { code: number; reason: string; message: string } | undefined;

interface Route {
  resource: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

export class FakeApiServer {
  readonly storage: FakeStorage;
  /** Every Binding POST per pod (`ns/name`), successful or not. */
  readonly bindingPosts = new Map<string, number>();
  /** Bindings the fake accepted, in order. */
  readonly bindings: BindingRecord[] = [];
  /** Method, path and query of every request, in order. */
  readonly requests: { method: string; path: string; query: URLSearchParams }[] = [];
  bindingHook: BindingHook | undefined;
  requestHook: RequestHook | undefined;
  /** Lists answer each page in reverse key order: a real API server's watch cache answers in no order. */
  listUnordered = false;
  /** While set, a Binding POST is answered only once this resolves (a slow API server: a bind in flight). */
  bindingGate: Promise<void> | undefined;
  /** Refuse every Lease write (PUT/POST) with 503, as an unreachable or overloaded API server would. */
  leaseWritesFail = false;
  /** New watches answer 200 and then nothing, ever — not even the end at timeoutSeconds: a connection that died silently. */
  stallWatches = false;
  expiredAs: 'event' | 'http';
  /** TokenReview: the users of the bearer tokens it knows (any other token is not authenticated). */
  readonly reviewTokens = new Map<string, { username: string; uid?: string; groups: string[] }>();
  /** SubjectAccessReview of a non-resource URL: whether RBAC would allow it (default: nothing is). */
  allowAccess: (user: string, groups: string[], verb: string, path: string) => boolean = () => false;
  /** API groups not served (their CRDs not installed): every path under them is 404. */
  readonly uninstalled = new Set<string>();
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly snapshots = new Map<number, Obj[]>();
  private bookmarkTimer: NodeJS.Timeout | undefined;
  url = '';

  private constructor(private readonly opts: FakeApiServerOptions) {
    this.storage = new FakeStorage(opts.historyLimit ?? 1000);
    this.expiredAs = opts.expiredAs ?? 'event';
    const listener: RequestListener = (req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        const e =
          err instanceof ApiError
            ? err
            : new ApiError(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) send(res, e.code, status(e.code, e.reason, e.message, e.details));
        else res.end();
      });
    };
    this.server = opts.tls ? createTlsServer({ key: opts.tls.key, cert: opts.tls.cert }, listener) : createServer(listener);
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  static async start(opts: FakeApiServerOptions = {}): Promise<FakeApiServer> {
    const f = new FakeApiServer(opts);
    await new Promise<void>((resolve) => f.server.listen(0, '127.0.0.1', resolve));
    f.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
    if (opts.bookmarkIntervalMs) {
      f.bookmarkTimer = setInterval(() => f.bookmark(), opts.bookmarkIntervalMs);
      f.bookmarkTimer.unref();
    }
    return f;
  }

  /** A kubeconfig for this server (YAML text). */
  kubeconfig(namespace = 'placer-system'): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: fake',
      '  cluster:',
      `    server: ${this.url}`,
      // HTTPS: the certificate is its own CA; plain HTTP on loopback: client-node only allows
      // http:// with TLS verification off
      this.opts.tls
        ? `    certificate-authority-data: ${Buffer.from(this.opts.tls.cert).toString('base64')}`
        : '    insecure-skip-tls-verify: true',
      'users:',
      '- name: placer',
      '  user:',
      `    token: ${this.opts.token ?? 'placer-token'}`,
      'contexts:',
      '- name: fake',
      '  context:',
      '    cluster: fake',
      '    user: placer',
      `    namespace: ${namespace}`,
      'current-context: fake',
      '',
    ].join('\n');
  }

  async stop(): Promise<void> {
    clearInterval(this.bookmarkTimer);
    this.closeWatches();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ------------------------------------------------------------------ the test's side

  private resource(kind: string): ResourceType {
    const r = RESOURCES.find((x) => x.kind === kind);
    if (!r) throw new Error(`the fake API server does not serve kind ${kind}`);
    return r;
  }

  create(obj: Obj): Obj {
    return this.storage.create(this.resource(String(obj.kind)), obj);
  }

  /** Replace an object (unconditionally unless it carries metadata.resourceVersion). */
  update(obj: Obj): Obj {
    return this.storage.update(this.resource(String(obj.kind)), obj);
  }

  /** Read-modify-write one object. */
  modify(kind: string, namespace: string, name: string, fn: (o: Obj) => void): Obj {
    const r = this.resource(kind);
    const o = this.storage.get(r, namespace, name);
    if (!o) throw notFound(r, name);
    fn(o);
    return this.storage.update(r, o);
  }

  get(kind: string, namespace: string, name: string): Obj | undefined {
    return this.storage.get(this.resource(kind), namespace, name);
  }

  remove(kind: string, namespace: string, name: string): Obj {
    return this.storage.delete(this.resource(kind), namespace, name);
  }

  list(kind: string): Obj[] {
    return this.storage.list(this.resource(kind));
  }

  /** Drop the event history: every watch resuming from an earlier revision gets 410. */
  compact(): void {
    this.storage.compact();
    this.snapshots.clear();
  }

  /** A BOOKMARK at the current revision to every watch that allows them. */
  bookmark(): void {
    for (const w of this.storage.watchers) {
      w.send('BOOKMARK', {
        kind: w.resource.kind,
        apiVersion: apiVersionOf(w.resource),
        metadata: { resourceVersion: String(this.storage.resourceVersion) },
      });
    }
  }

  /** Stop serving an API group (its CRDs deleted; the objects stay for a later install). */
  uninstall(group: string): void {
    this.uninstalled.add(group);
    for (const w of [...this.storage.watchers]) if (w.resource.group === group) w.close();
  }

  install(group: string): void {
    this.uninstalled.delete(group);
  }

  /** End every watch stream (as an API server restart or a load balancer does). */
  closeWatches(): void {
    for (const w of [...this.storage.watchers]) w.close();
  }

  /** Watches open now, per resource plural. */
  openWatches(plural?: string): number {
    let n = 0;
    for (const w of this.storage.watchers) if (plural === undefined || w.resource.plural === plural) n++;
    return n;
  }

  // ------------------------------------------------------------------ HTTP

  private route(path: string): Route | undefined {
    const seg = path
      .split('/')
      .filter((s) => s !== '')
      .map(decodeURIComponent);
    let group = '';
    let version: string;
    let rest: string[];
    if (seg[0] === 'api' && seg.length >= 2) {
      version = seg[1];
      rest = seg.slice(2);
    } else if (seg[0] === 'apis' && seg.length >= 3) {
      group = seg[1];
      version = seg[2];
      rest = seg.slice(3);
    } else return undefined;
    if (this.uninstalled.has(group)) return undefined;
    const find = (plural: string) => RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
    // namespaces/{ns}/<plural>[/name[/sub]] — but namespaces/{name} is the Namespace itself
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const r = find(rest[2]);
      return r && r.namespaced ? { resource: r, namespace: rest[1], name: rest[3], subresource: rest[4] } : undefined;
    }
    const r = find(rest[0] ?? '');
    if (!r || rest.length > 3) return undefined;
    return { resource: r, namespace: undefined, name: rest[1], subresource: rest[2] };
  }

  /** POST tokenreviews: the token's user from reviewTokens, as kube-apiserver answers. */
  private async tokenReview(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const token = ((body.spec ?? {}) as Obj).token;
    const user = typeof token === 'string' ? this.reviewTokens.get(token) : undefined;
    const st = user ? { authenticated: true, user } : { authenticated: false, error: 'token not found' };
    send(res, 201, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: body.spec, status: st });
  }

  /** POST subjectaccessreviews (non-resource URLs only): allowAccess decides. */
  private async accessReview(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readJson(req);
    const spec = (body.spec ?? {}) as { user?: string; groups?: string[]; nonResourceAttributes?: { verb?: string; path?: string } };
    const attrs = spec.nonResourceAttributes;
    if (!attrs) throw new ApiError(400, 'BadRequest', 'the fake API server reviews non-resource URLs only');
    const allowed = this.allowAccess(spec.user ?? '', spec.groups ?? [], attrs.verb ?? '', attrs.path ?? '');
    const st = allowed ? { allowed: true, reason: 'allowed by the test' } : { allowed: false };
    send(res, 201, { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: body.spec, status: st });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, query: url.searchParams });
    if (req.headers.authorization !== `Bearer ${this.opts.token ?? 'placer-token'}`) {
      await drain(req);
      return send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    }
    if (method === 'POST' && url.pathname === '/apis/authentication.k8s.io/v1/tokenreviews') return this.tokenReview(req, res);
    if (method === 'POST' && url.pathname === '/apis/authorization.k8s.io/v1/subjectaccessreviews') return this.accessReview(req, res);
    const injected = this.requestHook?.(method, url.pathname, url.searchParams);
    if (injected) {
      await drain(req);
      return send(res, injected.code, status(injected.code, injected.reason, injected.message));
    }
    const rt = this.route(url.pathname);
    if (!rt) {
      await drain(req);
      return send(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
    }
    const { resource: r, namespace, name, subresource } = rt;
    if (name === undefined) {
      if (method === 'GET') {
        const w = url.searchParams.get('watch');
        if (w === '1' || w === 'true') return this.watch(req, res, r, namespace, url.searchParams);
        return this.listResponse(res, r, namespace, url.searchParams);
      }
      if (method === 'POST') {
        const body = await readJson(req);
        const m = (body.metadata ?? {}) as Obj;
        if (r.namespaced && namespace === undefined)
          throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        if (namespace !== undefined && m.namespace !== undefined && m.namespace !== namespace) {
          throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
        }
        if (r.kind === 'Lease' && this.leaseWritesFail)
          throw new ApiError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
        return send(res, 201, this.storage.create(r, { ...body, metadata: { ...m, ...(namespace !== undefined && { namespace }) } }));
      }
      throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    if (subresource === 'binding' && r.kind === 'Pod' && method === 'POST') return this.bind(req, res, namespace ?? 'default', name);
    if (subresource !== undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const ns = namespace ?? '';
    switch (method) {
      case 'GET': {
        const o = this.storage.get(r, ns, name);
        if (!o) throw notFound(r, name);
        return send(res, 200, o);
      }
      case 'PUT': {
        const body = await readJson(req);
        const m = (body.metadata ?? {}) as Obj;
        if (m.name !== name)
          throw new ApiError(400, 'BadRequest', `the name of the object (${String(m.name)}) does not match the name on the URL (${name})`);
        if (r.kind === 'Lease' && this.leaseWritesFail)
          throw new ApiError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
        const obj = { ...body, metadata: { ...m, ...(namespace !== undefined && { namespace }) } };
        const cur = this.storage.get(r, ns, name);
        if (!cur) {
          // a Lease may be created with a PUT (201); other resources answer 404
          if (!r.createOnUpdate) throw notFound(r, name);
          const { resourceVersion: _rv, ...fresh } = obj.metadata as Obj;
          return send(res, 201, this.storage.create(r, { ...obj, metadata: fresh }));
        }
        const curMd = cur.metadata as Obj;
        // the storage layer checks the UID precondition first, then the registry the resourceVersion
        if (typeof m.uid === 'string' && m.uid !== '' && m.uid !== curMd.uid)
          throw uidPreconditionFailed(r, ns, name, m.uid, String(curMd.uid));
        if ((m.resourceVersion === undefined || m.resourceVersion === '') && !r.unconditionalUpdate) {
          const groupKind = r.group === '' ? r.kind : `${r.kind}.${r.group}`;
          throw new ApiError(
            422,
            'Invalid',
            `${groupKind} "${name}" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update`,
            {
              name,
              ...(r.group && { group: r.group }),
              kind: r.kind,
              causes: [
                {
                  reason: 'FieldValueInvalid',
                  message: 'Invalid value: 0x0: must be specified for an update',
                  field: 'metadata.resourceVersion',
                },
              ],
            },
          );
        }
        return send(res, 200, this.storage.update(r, obj));
      }
      case 'DELETE': {
        await drain(req);
        // without ReturnDeletedObject the registry answers a Status naming what it deleted
        const gone = this.storage.delete(r, ns, name);
        const gm = gone.metadata as Obj;
        return send(res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name, ...(r.group && { group: r.group }), kind: r.plural, uid: gm.uid },
        });
      }
      default:
        throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
  }

  private listResponse(res: ServerResponse, r: ResourceType, namespace: string | undefined, q: URLSearchParams): void {
    const limit = Number(q.get('limit') ?? 0);
    const token = q.get('continue');
    // resourceVersion: unset (most recent, what placer sends), "0" (any) or N (not older than N):
    // all served from the current state here; a version the server has not reached yet times out
    const rvParam = q.get('resourceVersion') ?? '';
    if (rvParam !== '' && token === null) {
      const want = Number(rvParam);
      if (!Number.isSafeInteger(want) || want < 0)
        throw new ApiError(400, 'BadRequest', `invalid resource version: strconv.ParseUint: parsing "${rvParam}": invalid syntax`);
      if (want > this.storage.resourceVersion) {
        throw new ApiError(504, 'Timeout', `Too large resource version: ${want}, current: ${this.storage.resourceVersion}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        });
      }
    }
    let rv = this.storage.resourceVersion;
    let items: Obj[];
    let start = '';
    if (token) {
      let parsed: { rv?: number; start?: string };
      try {
        parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { rv?: number; start?: string };
      } catch {
        throw new ApiError(400, 'BadRequest', 'continue key is not valid: illegal base64 data');
      }
      const snap = parsed.rv !== undefined ? this.snapshots.get(parsed.rv) : undefined;
      if (!snap || parsed.rv! < this.storage.oldestWatchable) {
        throw new ApiError(
          410,
          'Expired',
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
        );
      }
      rv = parsed.rv!;
      items = snap;
      start = parsed.start ?? '';
    } else {
      items = this.storage.list(r, namespace);
      if (limit > 0) this.snapshots.set(rv, items);
    }
    const keyOf = (o: Obj): string => {
      const m = o.metadata as Obj;
      return `${String(m.namespace ?? '')}/${String(m.name)}`;
    };
    const all = start === '' ? items : items.filter((o) => keyOf(o) >= start);
    let page = all;
    let cont: string | undefined;
    if (limit > 0 && all.length > limit) {
      page = all.slice(0, limit);
      cont = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start: keyOf(all[limit]) })).toString('base64');
    }
    send(res, 200, {
      kind: `${r.kind}List`,
      apiVersion: apiVersionOf(r),
      metadata: { resourceVersion: String(rv), ...(cont && { continue: cont, remainingItemCount: all.length - limit }) },
      items: (this.listUnordered ? [...page].reverse() : page).map(({ kind: _k, apiVersion: _a, ...rest }) => rest),
    });
  }

  private watch(req: IncomingMessage, res: ServerResponse, r: ResourceType, namespace: string | undefined, q: URLSearchParams): void {
    const rvParam = q.get('resourceVersion') ?? '';
    const bookmarks = q.get('allowWatchBookmarks') === 'true' || q.get('allowWatchBookmarks') === '1';
    const timeout = Number(q.get('timeoutSeconds') ?? 1800);
    let backlog: { type: string; object: Obj }[];
    let expired: ApiError | undefined;
    if (rvParam === '' || rvParam === '0') {
      backlog = this.storage.list(r, namespace).map((object) => ({ type: 'ADDED', object }));
    } else {
      const rv = Number(rvParam);
      if (!Number.isSafeInteger(rv) || rv < 0)
        throw new ApiError(400, 'BadRequest', `invalid resource version: strconv.ParseUint: parsing "${rvParam}": invalid syntax`);
      try {
        backlog = this.storage.since(r, rv, namespace).map((e) => ({ type: e.type, object: e.object }));
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        if (this.expiredAs === 'http') throw err;
        expired = err;
        backlog = [];
      }
    }
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' });
    if (this.stallWatches) {
      res.flushHeaders();
      return; // open until the client gives up (stop() closes it)
    }
    const write = (type: string, object: Obj): void => {
      res.write(`${JSON.stringify({ type, object })}\n`);
    };
    if (expired) {
      // the watch cache answers 200 and then a single ERROR event, and closes the stream
      write('ERROR', status(expired.code, expired.reason, expired.message));
      res.end();
      return;
    }
    let closed = false;
    const watcher: Watcher = {
      resource: r,
      namespace,
      send: (type, object) => {
        if (closed || (type === 'BOOKMARK' && !bookmarks)) return;
        write(type, object);
      },
      close: () => {
        if (closed) return;
        closed = true;
        clearTimeout(timer);
        this.storage.watchers.delete(watcher);
        res.end();
      },
    };
    for (const e of backlog) write(e.type, e.object);
    this.storage.watchers.add(watcher);
    const timer = setTimeout(() => watcher.close(), timeout * 1000);
    req.once('close', () => watcher.close());
  }

  private async bind(req: IncomingMessage, res: ServerResponse, namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    this.bindingPosts.set(key, (this.bindingPosts.get(key) ?? 0) + 1);
    const body = await readJson(req);
    const m = (body.metadata ?? {}) as Obj;
    const target = (body.target ?? {}) as Obj;
    if (m.name !== name) throw new ApiError(400, 'BadRequest', 'name in URL does not match name in Binding object');
    if (m.namespace !== undefined && m.namespace !== namespace)
      throw new ApiError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
    if (typeof target.name !== 'string' || target.name === '') {
      throw new ApiError(422, 'Invalid', `Binding "${name}" is invalid: target.name: Required value`, {
        name,
        kind: 'Binding',
        causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }],
      });
    }
    const b: BindingRecord = { namespace, name, uid: typeof m.uid === 'string' ? m.uid : '', node: target.name };
    const injected = this.bindingHook?.(b);
    if (injected) throw new ApiError(injected.code, injected.reason, injected.message);
    if (this.bindingGate) await this.bindingGate;
    const pods = RESOURCES.find((x) => x.kind === 'Pod')!;
    const pod = this.storage.get(pods, namespace, name);
    if (!pod) throw notFound(pods, name);
    const pm = pod.metadata as Obj;
    const spec = (pod.spec ?? {}) as Obj;
    const conflict = (why: string) =>
      new ApiError(409, 'Conflict', `Operation cannot be fulfilled on pods/binding "${name}": ${why}`, { name, kind: 'pods/binding' });
    if (b.uid !== '' && b.uid !== pm.uid) throw uidPreconditionFailed(pods, namespace, name, b.uid, String(pm.uid));
    if (pm.deletionTimestamp) throw conflict(`pod ${name} is being deleted, cannot be assigned to a host`);
    if (typeof spec.nodeName === 'string' && spec.nodeName !== '')
      throw conflict(`pod ${name} is already assigned to node "${spec.nodeName}"`);
    spec.nodeName = b.node;
    pod.spec = spec;
    const st = (pod.status ?? {}) as Obj;
    const conditions = (Array.isArray(st.conditions) ? st.conditions : []).filter((c: Obj) => c.type !== 'PodScheduled');
    st.conditions = [
      ...conditions,
      { type: 'PodScheduled', status: 'True', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
    ];
    pod.status = st;
    delete pm.resourceVersion;
    this.storage.update(pods, pod);
    this.bindings.push(b);
    send(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
  }
}

function send(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req);
}

async function readJson(req: IncomingMessage): Promise<Obj> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    return v as Obj;
  } catch (err) {
    throw new ApiError(400, 'BadRequest', `the object provided is unrecognized: ${err instanceof Error ? err.message : String(err)}`);
  }
}
