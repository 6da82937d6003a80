// Creating the pod's Binding in a Kubernetes API server, which kube-scheduler leaves to an
// extender that has a bindVerb (its default binder does not run then). The same request as
// kube-scheduler's DefaultBinder:
//
//   POST /api/v1/namespaces/{namespace}/pods/{name}/binding
//   {"apiVersion":"v1","kind":"Binding","metadata":{"name","namespace","uid"},"target":{"apiVersion":"v1","kind":"Node","name"}}
//
// Standalone mode only (--apiserver): placer keeps its own store and posts the Binding once it
// committed the bind. Kubernetes mode (--kubeconfig / --in-cluster) binds through binder.ts.
// The account needs `create` on `pods/binding`.

import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { podBindingJson, podBindingPath } from './resources.js';

export interface ApiServerOptions {
  url: string;
  /** Bearer token file; re-read on every call (service account tokens are rotated). */
  tokenFile?: string;
  caFile?: string;
  timeoutMs?: number;
}

export class BindingError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export class Binder {
  private readonly base: URL;
  private readonly ca: Buffer | undefined;

  constructor(private readonly opts: ApiServerOptions) {
    this.base = new URL(opts.url);
    this.ca = opts.caFile ? readFileSync(opts.caFile) : undefined;
  }

  /** Create the Binding; resolves when the API server accepted it (201), rejects with a BindingError otherwise. */
  bind(namespace: string, name: string, uid: string, node: string): Promise<void> {
    const body = podBindingJson(namespace, name, uid, node);
    const url = new URL(`${this.base.pathname.replace(/\/$/, '')}${podBindingPath(namespace, name)}`, this.base);
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'content-length': Buffer.byteLength(body),
    };
    if (this.opts.tokenFile) headers.authorization = `Bearer ${readFileSync(this.opts.tokenFile, 'utf8').trim()}`;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        { method: 'POST', headers, timeout: this.opts.timeoutMs ?? 4000, ...(this.ca && { ca: this.ca }) },
        (res: IncomingMessage) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) return resolve();
            let message = text;
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? text;
            } catch {
              // not a Status: keep the text
            }
            reject(new BindingError(`the API server refused the Binding (${code}): ${message}`, code));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer from the API server in ${this.opts.timeoutMs ?? 4000} ms`)));
      req.on('error', (err) => reject(new BindingError(`creating the Binding failed: ${err.message}`)));
      req.end(body);
    });
  }
}
