// The tests' own client of the real API server (as the admin, or any user of tokens.csv): JSON
// requests, server-side apply, and watch streams, over node:https trusting the test's CA. Kept
// apart from placer's KubeClient on purpose: what the tests see of the API server must not depend
// on the code under test.

import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { createInterface } from 'node:readline';

export type Obj = Record<string, unknown>;

export interface Answer {
  code: number;
  body: Obj;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: Obj,
    what: string,
  ) {
    super(`${what}: ${code} ${String(body.reason ?? '')}: ${String(body.message ?? JSON.stringify(body))}`);
  }
}

export interface WatchEvent {
  type: string;
  object: Obj;
}

export class Kube {
  private readonly ca: Buffer;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 32 });

  constructor(
    readonly server: string,
    caFile: string,
    private readonly token: string,
  ) {
    this.ca = readFileSync(caFile);
  }

  /** Any request; resolves with the status and the parsed body (a Status for errors). */
  call(method: string, path: string, body?: unknown, contentType = 'application/json', timeoutMs = 30_000): Promise<Answer> {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.server),
        {
          method,
          agent: this.agent,
          ca: this.ca,
          timeout: timeoutMs,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(text !== undefined && { 'content-type': contentType, 'content-length': Buffer.byteLength(text) }),
          },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (data += d));
          res.on('end', () => {
            let parsed: Obj = {};
            try {
              parsed = data === '' ? {} : (JSON.parse(data) as Obj);
            } catch {
              parsed = { message: data };
            }
            resolve({ code: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(text);
    });
  }

  private async ok(method: string, path: string, body?: unknown, contentType?: string): Promise<Obj> {
    const r = await this.call(method, path, body, contentType);
    if (r.code < 200 || r.code > 299) throw new ApiError(r.code, r.body, `${method} ${path}`);
    return r.body;
  }

  get(path: string): Promise<Obj> {
    return this.ok('GET', path);
  }

  async items(path: string): Promise<Obj[]> {
    return (await this.get(path)).items as Obj[];
  }

  create(collection: string, obj: Obj): Promise<Obj> {
    return this.ok('POST', collection, obj);
  }

  update(path: string, obj: Obj): Promise<Obj> {
    return this.ok('PUT', path, obj);
  }

  /** A JSON merge patch. */
  patch(path: string, patch: Obj): Promise<Obj> {
    return this.ok('PATCH', path, patch, 'application/merge-patch+json');
  }

  /** Server-side apply (what `kubectl apply --server-side` sends), as the field manager "placer-tests". */
  apply(path: string, obj: Obj): Promise<Obj> {
    return this.ok('PATCH', `${path}?fieldManager=placer-tests&force=true`, obj, 'application/apply-patch+yaml');
  }

  async remove(path: string, opts: Obj = { gracePeriodSeconds: 0 }): Promise<void> {
    const r = await this.call('DELETE', path, { kind: 'DeleteOptions', apiVersion: 'v1', ...opts });
    if (r.code !== 200 && r.code !== 202 && r.code !== 404) throw new ApiError(r.code, r.body, `DELETE ${path}`);
  }

  /**
   * A watch stream: `onEvent` for every event until stop(). Rejects `started` if the API server
   * does not answer 200.
   */
  watch(path: string, onEvent: (e: WatchEvent) => void): { started: Promise<void>; stop: () => void } {
    let stop = (): void => {};
    const started = new Promise<void>((resolve, reject) => {
      const sep = path.includes('?') ? '&' : '?';
      const req = request(
        new URL(`${path}${sep}watch=1&allowWatchBookmarks=true`, this.server),
        { method: 'GET', ca: this.ca, headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' } },
        (res) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(new Error(`watch ${path}: ${res.statusCode}`));
            return;
          }
          resolve();
          const lines = createInterface({ input: res, crlfDelay: Infinity });
          lines.on('line', (l) => {
            if (l.trim() !== '') onEvent(JSON.parse(l) as WatchEvent);
          });
          lines.on('error', () => {}); // readline passes on the end of a watch stopped on purpose ('aborted')
        },
      );
      req.on('error', (err) => reject(err));
      req.end();
      stop = () => req.destroy();
    });
    return { started, stop: () => stop() };
  }

  close(): void {
    this.agent.destroy();
  }
}
