// A small Kubernetes API client: raw JSON requests and watch streams over node:http/https, with
// the connection (server, TLS, credentials) from kubeconfig.ts.
//
// Why not @kubernetes/client-node's typed APIs, Watch or informers: the adapters (service/manifests)
// read objects as the API server sends them, while the typed APIs turn them into model classes
// (unknown fields dropped, timestamps into Dates); and the reflector needs what its Watch/ListWatch
// hide — every list page's resourceVersion, bookmarks, 410 Expired both as an HTTP status and as an
// ERROR event, a malformed event surfaced rather than skipped, and a deadline on every request and
// watch (a dead connection must not hang placer).

// Dead connections. A watch is a long GET on a connection of its own (never a pooled one that may
// have died idle), and the server must end it at its timeoutSeconds: a watch still open a little
// later is taken as dead (the caller's deadline) — the only sign of a connection that died
// silently (half-open), since HTTP/1.1 has no ping. Every request and watch has a deadline for
// the answer's headers. A missed deadline also closes the idle pooled keep-alive connections:
// they may be dead the same way, and the next request must not inherit one (requests in flight
// on other connections are left to their own deadlines). Idle pooled connections are closed
// after 30 s anyway.

import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { createInterface } from 'node:readline';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { KubeTarget } from './kubeconfig.js';
import { headerLines, LeanPost, type LeanTls } from './lean-post.js';

export { loadKubeConfig, type KubeConfigSource, type KubeTarget } from './kubeconfig.js';

export type Obj = Record<string, unknown>;

/** A non-2xx answer of the API server, with its Status (when it sent one). */
export class ApiStatusError extends Error {
  constructor(
    readonly code: number,
    readonly status: Obj | undefined,
    what: string,
  ) {
    const message = typeof status?.message === 'string' ? status.message : `HTTP ${code}`;
    super(`${what}: ${code} ${typeof status?.reason === 'string' ? `${status.reason}: ` : ''}${message}`);
  }

  get reason(): string | undefined {
    return typeof this.status?.reason === 'string' ? this.status.reason : undefined;
  }
}

export interface Response {
  code: number;
  body: Obj | undefined;
}

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: Obj;
}

/** How long credentials are used before they are produced again (client-go re-reads a token file every minute). */
const CREDENTIALS_TTL_MS = 60_000;

/** How long an idle pooled connection is kept (below the API server's own idle timeout of 90 s). */
const IDLE_SOCKET_MS = 30_000;

export class KubeClient {
  private readonly base: URL;
  private readonly agent: HttpAgent;
  private readonly watchAgent: HttpAgent;
  private tls: RequestOptions & { secureContext?: SecureContext } = {};
  private headers: OutgoingHttpHeaders = {};
  /** post()'s connections, and the header lines it sends (written once per credentials). */
  private readonly lean: LeanPost;
  private leanHead: { headers: OutgoingHttpHeaders; lines: string } | undefined;
  private fetched = 0;
  private refreshing: Promise<void> | undefined;

  /** The server's address as request options take it, and its path prefix: parsed once, not per request. */
  private readonly origin: { protocol: string; hostname: string; port: string; prefix: string };

  private constructor(private readonly target: KubeTarget) {
    this.base = new URL(target.server);
    this.origin = {
      protocol: this.base.protocol,
      // an IPv6 address without its brackets, as http.request wants it
      hostname: this.base.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: this.base.port,
      prefix: this.base.pathname.replace(/\/$/, ''),
    };
    const pooled = { keepAlive: true, timeout: IDLE_SOCKET_MS };
    this.agent = this.base.protocol === 'https:' ? new HttpsAgent(pooled) : new HttpAgent(pooled);
    this.watchAgent = this.base.protocol === 'https:' ? new HttpsAgent({ keepAlive: false }) : new HttpAgent({ keepAlive: false });
    const port = Number(this.base.port) || (this.base.protocol === 'https:' ? 443 : 80);
    this.lean = new LeanPost({ secure: this.base.protocol === 'https:', host: this.origin.hostname, port }, IDLE_SOCKET_MS);
  }

  /** Close the idle pooled connections: after a missed deadline they may be dead too. */
  private dropIdle(): void {
    for (const sockets of Object.values(this.agent.freeSockets)) for (const s of sockets ?? []) s.destroy();
    this.lean.dropIdle();
  }

  static async connect(target: KubeTarget): Promise<KubeClient> {
    const c = new KubeClient(target);
    await c.credentials();
    return c;
  }

  get server(): string {
    return this.target.server;
  }

  get namespace(): string {
    return this.target.namespace;
  }

  /** The credentials were fetched less than a minute ago. */
  private fresh(): boolean {
    return Date.now() - this.fetched < CREDENTIALS_TTL_MS;
  }

  /** TLS material and auth headers, refreshed every minute (rotated tokens, exec plugins). */
  private async credentials(): Promise<void> {
    if (this.fresh()) return;
    this.refreshing ??= (async () => {
      const c = await this.target.credentials();
      // post()'s kept connections were opened with the TLS material before: new material, new connections
      if (this.fetched === 0 || !sameTls(this.tls, c.tls)) {
        this.lean.dropIdle();
        this.tls = this.base.protocol === 'https:' && !c.tls.agent ? withContext(c.tls) : c.tls;
      }
      this.headers = c.headers;
      this.fetched = Date.now();
    })().finally(() => (this.refreshing = undefined));
    await this.refreshing;
  }

  private async open(
    method: string,
    path: string,
    body: string | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
    agent: HttpAgent = this.agent,
    contentType = 'application/json',
  ): Promise<IncomingMessage> {
    // the credentials are fresh for a minute: no await (and no turn of the event loop) per request until then
    if (!this.fresh()) await this.credentials();
    const headers: OutgoingHttpHeaders = { ...this.headers, accept: 'application/json' };
    if (body !== undefined) {
      headers['content-type'] = contentType;
      headers['content-length'] = Buffer.byteLength(body);
    }
    const o = this.origin;
    const send = o.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        {
          protocol: o.protocol,
          hostname: o.hostname,
          port: o.port,
          path: o.prefix + path,
          method,
          headers,
          agent,
          ...this.tls,
          ...(signal && { signal }),
        },
        resolve,
      );
      // a deadline for the answer's headers; a watch then has its own deadline
      const timer = setTimeout(() => {
        this.dropIdle();
        req.destroy(new Error(`${method} ${path}: no answer from the API server in ${timeoutMs} ms`));
      }, timeoutMs);
      req.once('response', () => clearTimeout(timer));
      req.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      req.end(body);
    });
  }

  /**
   * One request; resolves with any HTTP status (the caller decides), rejects on network errors and
   * timeouts. The body is `body` as JSON, or `json`: the JSON text itself, written by the caller.
   */
  async request(
    method: string,
    path: string,
    opts: { body?: unknown; json?: string; timeoutMs?: number; signal?: AbortSignal; contentType?: string } = {},
  ): Promise<Response> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const sent = opts.json ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const res = await this.open(method, path, sent, timeoutMs, opts.signal, this.agent, opts.contentType);
    const text = await readAll(res, timeoutMs, `${method} ${path}`);
    return { code: res.statusCode ?? 0, body: answerBody(text) };
  }

  /**
   * request('POST', path, { json, timeoutMs }) for the Bindings (scheduler mode's, the extender's) and Events, thousands a second:
   * on connections of its own, written and read without node:http (lean-post.ts), unless the
   * connection goes through a proxy (client-node's agent).
   */
  async post(path: string, json: string, timeoutMs: number): Promise<Response> {
    if (!this.fresh()) await this.credentials();
    if (this.tls.agent) return this.request('POST', path, { json, timeoutMs });
    const a = await this.lean.post(
      this.tls as LeanTls,
      `POST ${this.origin.prefix}${path} HTTP/1.1\r\n${this.postHeaders()}Content-Length: ${Buffer.byteLength(json)}\r\n\r\n`,
      json,
      timeoutMs,
      `POST ${path}`,
    );
    return { code: a.code, body: answerBody(a.text) };
  }

  /** post()'s header lines: the host, the credentials' headers, what the body is. */
  private postHeaders(): string {
    if (this.leanHead?.headers !== this.headers) {
      const host = this.base.host;
      this.leanHead = {
        headers: this.headers,
        lines: headerLines({ host, ...this.headers, accept: 'application/json', 'content-type': 'application/json' }),
      };
    }
    return this.leanHead.lines;
  }

  /** GET that must answer 200; anything else throws an ApiStatusError. */
  async get(path: string, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<Obj> {
    const r = await this.request('GET', path, opts);
    if (r.code !== 200 || !r.body) throw new ApiStatusError(r.code, r.body, `GET ${path}`);
    return r.body;
  }

  /**
   * A watch stream: the events as they come. A non-200 answer throws an ApiStatusError (410 among
   * them); a line that is not a watch event throws; the stream ends when the server closes it.
   * `deadlineMs` (from the request): the server asked to end the watch (timeoutSeconds) has not
   * by then — the connection is taken as dead, and the stream throws. `headerMs`: the deadline
   * for the answer's headers; `onOpen` once the server answered 200.
   */
  async *watch(
    path: string,
    opts: { deadlineMs: number; headerMs: number; signal: AbortSignal; onOpen?: () => void },
  ): AsyncGenerator<WatchEvent> {
    const started = performance.now();
    const res = await this.open('GET', path, undefined, opts.headerMs, opts.signal, this.watchAgent);
    if (res.statusCode !== 200) {
      const text = await readAll(res, opts.headerMs, `GET ${path}`);
      let body: Obj | undefined;
      try {
        body = JSON.parse(text) as Obj;
      } catch {
        body = undefined;
      }
      throw new ApiStatusError(res.statusCode ?? 0, body, `watch ${path}`);
    }
    opts.onOpen?.();
    const deadline = setTimeout(
      () => {
        this.dropIdle();
        res.destroy(
          new Error(
            `watch ${path}: the API server has not ended it ${opts.deadlineMs} ms after it was opened (past its timeoutSeconds): the connection is taken as dead`,
          ),
        );
      },
      Math.max(0, opts.deadlineMs - (performance.now() - started)),
    );
    // a connection that breaks ends the lines like a server that ended the watch: tell them apart
    let broken: Error | undefined;
    res.once('error', (err) => (broken ??= err));
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (line.trim() === '') continue;
        let e: unknown;
        try {
          e = JSON.parse(line);
        } catch {
          throw new Error(`watch ${path}: the API server sent a line that is not JSON: ${line.slice(0, 200)}`);
        }
        const ev = e as Partial<WatchEvent>;
        if (typeof ev !== 'object' || ev === null || typeof ev.type !== 'string' || typeof ev.object !== 'object' || ev.object === null) {
          throw new Error(`watch ${path}: the API server sent something that is not a watch event: ${line.slice(0, 200)}`);
        }
        yield ev as WatchEvent;
      }
      if (broken || !res.complete) throw broken ?? new Error(`watch ${path}: the connection closed before the API server ended the watch`);
    } finally {
      clearTimeout(deadline);
      lines.close();
      res.destroy();
    }
  }

  close(): void {
    this.agent.destroy();
    this.watchAgent.destroy();
    this.lean.close();
  }
}

/**
 * An answer's body as an object (a Status, an object), or undefined: empty, not JSON (a proxy's
 * error page: the status code speaks), or not an object.
 */
function answerBody(text: string): Obj | undefined {
  try {
    const v = text === '' ? undefined : (JSON.parse(text) as unknown);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `tls` with the secure context its connections use, made once: without one, every new connection
 * parses the CA bundle, the certificate and the key again. The material stays in the options too,
 * where node:https's agent names its pools by it.
 */
function withContext(tls: RequestOptions): RequestOptions & { secureContext: SecureContext } {
  return { ...tls, secureContext: createSecureContext({ ca: tls.ca, cert: tls.cert, key: tls.key }) };
}

/** The same TLS material and settings: post()'s connections stay good. */
function sameTls(a: RequestOptions, b: RequestOptions): boolean {
  const same = (x: unknown, y: unknown): boolean => x === y || (Buffer.isBuffer(x) && Buffer.isBuffer(y) && x.equals(y));
  return (
    same(a.ca, b.ca) &&
    same(a.cert, b.cert) &&
    same(a.key, b.key) &&
    a.rejectUnauthorized === b.rejectUnauthorized &&
    a.servername === b.servername &&
    a.agent === b.agent
  );
}

/** The whole answer as text: its chunks kept as they come and decoded once (a list page is megabytes). */
function readAll(res: IncomingMessage, timeoutMs: number, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => res.destroy(new Error(`${what}: the answer did not complete in ${timeoutMs} ms`)), timeoutMs);
    res.on('data', (d: Buffer) => chunks.push(d));
    res.once('end', () => {
      clearTimeout(timer);
      resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    });
    res.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    res.once('close', () => {
      clearTimeout(timer);
      if (!res.complete) reject(new Error(`${what}: the connection closed before the answer completed`));
    });
  });
}
