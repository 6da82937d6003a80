// The lean POST client (service/apiserver/lean-post.ts) against real servers on 127.0.0.1: a
// node:http server for the ordinary answers and the connections they leave, a raw TCP server for
// answers node:http would never write (a byte at a time, cut short, malformed, silent), TLS with
// the test CA; and KubeClient.post creating Bindings in the fake API server over HTTPS.

import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as httpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as httpsServer } from 'node:https';
import { createServer as netServer, type Server as NetServer, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../service/apiserver/client.js';
import { headerLines, LeanPost } from '../../service/apiserver/lean-post.js';
import { podBindingJson, podBindingPath } from '../../service/apiserver/resources.js';
import { node, pod } from '../fixtures/k8s.js';
import { FakeApiServer } from './fake-apiserver.js';

const tlsDir = join(import.meta.dirname, 'tls');
const tls = { key: readFileSync(join(tlsDir, 'server.key')), cert: readFileSync(join(tlsDir, 'server.crt')) };

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

/** A node:http(s) server answering with `handler`; counts the connections it accepted. */
async function serve(handler: (req: IncomingMessage, body: string, res: ServerResponse) => void, secure = false) {
  const server: Server = secure ? httpsServer(tls) : httpServer();
  let connections = 0;
  server.on('connection', () => connections++);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('end', () => handler(req, body, res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  closers.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return { port, connections: () => connections };
}

/** A raw TCP server: `onRequest` gets the socket once a whole request head and body arrived. */
async function raw(onRequest: (s: Socket, request: string) => void) {
  const sockets = new Set<Socket>();
  const server: NetServer = netServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      const request = buf.slice(0, end + 4 + length);
      buf = buf.slice(end + 4 + length);
      onRequest(s, request);
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => new Promise<void>((r) => (sockets.forEach((s) => s.destroy()), server.close(() => r()))));
  return { port: (server.address() as { port: number }).port, sockets };
}

const lean = (port: number, secure = false, idleMs = 30_000): LeanPost => {
  const p = new LeanPost({ secure, host: '127.0.0.1', port }, idleMs);
  closers.push(() => p.close());
  return p;
};
const head = (path: string, body: string, extra = ''): string =>
  `POST ${path} HTTP/1.1\r\nhost: test\r\n${extra}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
const send = (p: LeanPost, body = '{"a":1}', extra = '') => p.post({}, head('/x', body, extra), body, 5000, 'POST /x');

describe('LeanPost', () => {
  it('posts the body with its headers and reads the answer; one kept-alive connection serves requests one after another', async () => {
    const seen: { method?: string; url?: string; auth?: string; body: string }[] = [];
    const s = await serve((req, body, res) => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
      res.writeHead(201, { 'content-type': 'application/json' }).end(`{"code":201,"n":${seen.length}}`);
    });
    const p = lean(s.port);
    for (let i = 1; i <= 3; i++)
      expect(await send(p, `{"i":${i}}`, 'authorization: Bearer t\r\n')).toEqual({ code: 201, text: `{"code":201,"n":${i}}` });
    expect(seen).toEqual([1, 2, 3].map((i) => ({ method: 'POST', url: '/x', auth: 'Bearer t', body: `{"i":${i}}` })));
    expect(s.connections()).toBe(1);
    expect(p.idleCount).toBe(1);
  });

  it('requests at once open a connection each, kept for the next ones', async () => {
    const s = await serve((_req, body, res) => setTimeout(() => res.writeHead(201).end(body), 20));
    const p = lean(s.port);
    const bodies = Array.from({ length: 8 }, (_, i) => `{"i":${i}}`);
    expect((await Promise.all(bodies.map((b) => send(p, b)))).map((a) => a.text)).toEqual(bodies);
    expect(s.connections()).toBe(8);
    expect((await Promise.all(bodies.map((b) => send(p, b)))).map((a) => a.text)).toEqual(bodies);
    expect(s.connections()).toBe(8);
  });

  it('a chunked answer is read whole, UTF-8 across the chunks', async () => {
    const s = await serve((_req, _body, res) => {
      res.writeHead(409, { 'content-type': 'application/json' });
      res.write('{"message":"pod p is already assigned to node \\"');
      setTimeout(() => res.end('hé-1\\""}'), 10);
    });
    const a = await send(lean(s.port));
    expect(a.code).toBe(409);
    expect(JSON.parse(a.text)).toEqual({ message: 'pod p is already assigned to node "hé-1"' });
  });

  it('Connection: close closes it: the next request opens another', async () => {
    const s = await serve((_req, _body, res) => res.writeHead(201, { connection: 'close' }).end('{}'));
    const p = lean(s.port);
    await send(p);
    await send(p);
    expect(s.connections()).toBe(2);
    expect(p.idleCount).toBe(0);
  });

  it('an answer a byte at a time, chunked with an extension and a trailer, is read whole', async () => {
    const body = '{"kind":"Status","code":201}';
    const answer =
      `HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `5;x=y\r\n${body.slice(0, 5)}\r\n${(body.length - 5).toString(16)}\r\n${body.slice(5)}\r\n0\r\nX-Trailer: 1\r\n\r\n`;
    const r = await raw((s) => {
      let i = 0;
      const next = (): void => {
        if (i < answer.length) s.write(answer[i++], () => setImmediate(next));
      };
      next();
    });
    const p = lean(r.port);
    expect(await send(p)).toEqual({ code: 201, text: body });
    expect(p.idleCount).toBe(1);
  });

  it('an interim 100 Continue is passed over; a 204 has no body, and its connection is kept', async () => {
    const r = await raw((s) =>
      s.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nDate: Mon, 07 Dec 2026 12:00:00 GMT\r\n\r\n'),
    );
    const p = lean(r.port);
    expect(await send(p)).toEqual({ code: 204, text: '' });
    expect(await send(p)).toEqual({ code: 204, text: '' });
    expect(p.idleCount).toBe(1);
  });

  it('an answer without a length is read to the end of the connection', async () => {
    const r = await raw((s) => s.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it'));
    const p = lean(r.port);
    expect(await send(p)).toEqual({ code: 200, text: 'all of it' });
    expect(p.idleCount).toBe(0);
  });

  it('a connection cut before the answer is whole rejects, named; the next request opens a new one', async () => {
    let n = 0;
    const r = await raw((s) => {
      if (n++ === 0) s.end('HTTP/1.1 201 Created\r\nContent-Length: 50\r\n\r\n{"short"');
      else s.write('HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}');
    });
    const p = lean(r.port);
    await expect(send(p)).rejects.toThrow('POST /x: the connection closed before the answer completed');
    expect(await send(p)).toEqual({ code: 201, text: '{}' });
  });

  it('an answer that is not HTTP rejects, and its connection is not kept', async () => {
    const r = await raw((s) => s.write('SSH-2.0-OpenSSH\r\n\r\n'));
    const p = lean(r.port);
    await expect(send(p)).rejects.toThrow(/^POST \/x: the API server answered something that is not HTTP\/1\.1: "SSH-2\.0-OpenSSH"$/);
    expect(p.idleCount).toBe(0);
  });

  it('no answer by the deadline: rejects, closes that connection and the idle ones', async () => {
    let n = 0;
    const r = await raw((s) => {
      if (n++ < 1) s.write('HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}');
      // then silence
    });
    const p = lean(r.port);
    await send(p);
    expect(p.idleCount).toBe(1);
    const t0 = performance.now();
    await expect(p.post({}, head('/x', '{}'), '{}', 300, 'POST /x')).rejects.toThrow('POST /x: no answer from the API server in 300 ms');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(p.idleCount).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(r.sockets.size).toBe(0);
  });

  it('a connection the server closes while idle leaves the pool; one idle too long is closed', async () => {
    const r = await raw((s) => s.write('HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}'));
    const p = lean(r.port, false, 200);
    await send(p);
    expect(p.idleCount).toBe(1);
    for (const s of r.sockets) s.end();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(p.idleCount).toBe(0);
    await send(p);
    expect(p.idleCount).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(p.idleCount).toBe(0);
    expect(r.sockets.size).toBe(0);
  });

  it('TLS: verified with the CA; another CA is refused, named', async () => {
    const s = await serve((_req, body, res) => res.writeHead(201).end(body), true);
    const p = lean(s.port, true);
    expect(await p.post({ ca: tls.cert }, head('/x', '{}'), '{}', 5000, 'POST /x')).toEqual({ code: 201, text: '{}' });
    await expect(lean(s.port, true).post({}, head('/x', '{}'), '{}', 5000, 'POST /x')).rejects.toThrow(/^POST \/x: .*certificate/);
  });

  it('TLS: a new connection resumes the session of the one before, opened with the same options; other options start afresh', async () => {
    const resumed: boolean[] = [];
    const s = await serve((req, _body, res) => {
      resumed.push((req.socket as TLSSocket).isSessionReused());
      res.writeHead(201, { connection: 'close' }).end('{}');
    }, true);
    const p = lean(s.port, true);
    const opts = { ca: tls.cert };
    for (let i = 0; i < 3; i++) expect((await p.post(opts, head('/x', '{}'), '{}', 5000, 'POST /x')).code).toBe(201);
    expect(await p.post({ ca: tls.cert }, head('/x', '{}'), '{}', 5000, 'POST /x')).toEqual({ code: 201, text: '{}' });
    expect(s.connections()).toBe(4);
    expect(resumed).toEqual([false, true, true, false]);
  });

  it('header lines: a list is one line per value; a value with a line break is refused', () => {
    expect(headerLines({ authorization: 'Bearer t', 'impersonate-group': ['a', 'b'], n: 3 })).toBe(
      'authorization: Bearer t\r\nimpersonate-group: a\r\nimpersonate-group: b\r\nn: 3\r\n',
    );
    expect(() => headerLines({ authorization: 'Bearer t\r\nx: y' })).toThrow('header authorization: its value holds a line break or NUL');
    expect(() => headerLines({ 'bad name': 'v' })).toThrow('header name "bad name" is not a valid HTTP token');
  });
});

describe('KubeClient.post', () => {
  let f: FakeApiServer | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await f?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('creates Bindings in the fake API server over HTTPS; a second is a 409 with its Status', async () => {
    f = await FakeApiServer.start({ token: 'sa-token', tls });
    f.create(node('hv-1').allocatable({ cpu: '4' }).obj());
    const p = f.create(pod('p-1').ns('team-x').obj());
    dir = mkdtempSync(join(tmpdir(), 'placer-lean-'));
    const file = join(dir, 'kubeconfig');
    writeFileSync(file, f.kubeconfig('team-x').replace('placer-token', 'sa-token'));
    const c = await KubeClient.connect(await loadKubeConfig({ kubeconfig: file }));
    closers.push(() => c.close());
    const uid = String((p.metadata as { uid: string }).uid);
    const first = await c.post(podBindingPath('team-x', 'p-1'), podBindingJson('team-x', 'p-1', uid, 'hv-1'), 5000);
    expect(first.code).toBe(201);
    expect(f.bindings).toEqual([{ namespace: 'team-x', name: 'p-1', uid, node: 'hv-1' }]);
    const second = await c.post(podBindingPath('team-x', 'p-1'), podBindingJson('team-x', 'p-1', uid, 'hv-1'), 5000);
    expect(second.code).toBe(409);
    expect(second.body?.reason).toBe('Conflict');
    expect(String(second.body?.message)).toContain('is already assigned to node "hv-1"');
  });
});
