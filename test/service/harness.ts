// An in-process service for contract tests: a real store in a temp dir, the real app, app.request.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createApp } from '../../service/server/app.js';
import type { AuthConfig } from '../../service/server/auth/middleware.js';
import type { Binder } from '../../service/apiserver/binding.js';
import type { BodyLimits } from '../../service/server/body.js';
import { Metrics } from '../../service/server/metrics.js';
import type { ExtenderChoice } from '../../service/server/routes/extender-choice.js';
import type { Lifecycle } from '../../service/server/routes/health.js';
import type { BackendName } from '../../core-wasm/src/engine.js';
import { PlacerState } from '../../service/state/state.js';

export type Obj = Record<string, unknown>;

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'extender');

/** A fresh copy of a fixture under test/fixtures/extender/. */
export function fixture<T = Obj>(name: string): T {
  return JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as T;
}

export interface Harness {
  dir: string;
  state: PlacerState;
  lifecycle: Lifecycle;
  metrics: Metrics;
  /** The app's routes and middleware (Hono's app.routes). */
  routes: { method: string; path: string }[];
  /** The app's log lines so far (level debug and up), parsed. */
  logs: Obj[];
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  json<T = Obj>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: T }>;
  /** Close the store and open it again: what a restart sees. */
  restart(): Promise<void>;
  close(): void;
}

export async function harness(
  opts: {
    limits?: Partial<BodyLimits>;
    dir?: string;
    binder?: Binder;
    auth?: AuthConfig;
    extenderChoice?: ExtenderChoice;
    /** kube-scheduler's profile scores ImageLocality (the app's default: true). */
    imageLocality?: boolean;
    backend?: BackendName;
  } = {},
): Promise<Harness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'placer-svc-'));
  const lifecycle: Lifecycle = { loaded: true, shuttingDown: false };
  const h = {
    dir,
    state: await PlacerState.open({ dataDir: dir, ...(opts.backend && { backend: opts.backend }) }),
    lifecycle,
  } as Harness;
  h.metrics = new Metrics(() => h.state);
  h.logs = [];
  const app = createApp({
    state: () => (lifecycle.loaded ? h.state : undefined),
    lifecycle,
    metrics: h.metrics,
    logger: pino({ level: 'debug' }, { write: (line: string) => void h.logs.push(JSON.parse(line) as Obj) }),
    limits: opts.limits,
    ...(opts.binder && { binder: opts.binder }),
    ...(opts.auth && { auth: opts.auth }),
    ...(opts.extenderChoice && { extenderChoice: opts.extenderChoice }),
    ...(opts.imageLocality !== undefined && { imageLocality: opts.imageLocality }),
  });
  h.routes = app.routes;
  h.request = (method, path, body, headers = {}) => {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      if (body instanceof ReadableStream) Object.assign(init, { body, duplex: 'half' });
      else if (typeof body === 'string' || body instanceof Uint8Array) init.body = body as string;
      else {
        init.body = JSON.stringify(body);
        (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
      }
    }
    return Promise.resolve(app.request(path, init));
  };
  h.json = async (method, path, body, headers) => {
    const res = await h.request(method, path, body, headers);
    const text = await res.text();
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as never };
  };
  h.restart = async () => {
    h.state.close();
    h.state = await PlacerState.open({ dataDir: dir, ...(opts.backend && { backend: opts.backend }) });
  };
  h.close = () => {
    h.state.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return h;
}
