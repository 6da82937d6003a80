// `placer serve` with TLS and authentication, a real process over real HTTPS: certificates made
// by openssl for this run (certs.ts). HTTPS only; client certificates verified against
// --client-ca-file (CN user, O groups) or refused with a 401 Status; token-file users; the
// probes anonymous; the audit trail on stderr; the serving certificate rotated without a
// restart; --tls-min-version; and the safe defaults (loopback without authentication,
// --allow-anonymous to go beyond it).

import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { connect, type PeerCertificate } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testCerts, type KeyPair, type TestCerts } from './certs.js';
import { killAll, removeDirs, spawnServe, tempDir, type Obj, type Server } from './server.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'placer.js');
const HTTPS_READY = /placer serving on (https:\/\/127\.0\.0\.1:\d+)/;

let certs: TestCerts;
let dir: string;
let tlsFiles: string[];
let tokenFile: string;
let olga: KeyPair;
let vera: KeyPair;
let server: Server;

interface Answer {
  status: number;
  body: Obj;
}

/** One HTTPS request on a connection of its own, trusting the test CA. */
function call(url: string, method: string, path: string, opts: { client?: KeyPair; token?: string; body?: unknown } = {}): Promise<Answer> {
  const u = new URL(path, url);
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        ca: certs.ca,
        agent: false,
        ...(opts.client && { cert: opts.client.cert, key: opts.client.key }),
        headers: {
          ...(opts.token && { authorization: `Bearer ${opts.token}` }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => {
          const json = /json/.test(res.headers['content-type'] ?? '');
          resolve({ status: res.statusCode!, body: (json ? JSON.parse(text) : { text }) as Obj });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The certificate the server presents, by a TLS handshake of its own. */
function servedCert(url: string, maxVersion?: 'TLSv1.2'): Promise<PeerCertificate> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect({ host: u.hostname, port: Number(u.port), ca: certs.ca, ...(maxVersion && { maxVersion }) }, () => {
      resolve(s.getPeerCertificate());
      s.end();
    });
    s.on('error', reject);
  });
}

beforeAll(async () => {
  dir = tempDir();
  certs = testCerts(dir);
  // the served pair lives in files of its own: the rotation test replaces them
  tlsFiles = [join(dir, 'tls.crt'), join(dir, 'tls.key')];
  copyFileSync(certs.serverCert, tlsFiles[0]);
  copyFileSync(certs.serverKey, tlsFiles[1]);
  olga = certs.client('olga', 'olga', ['placer:operators', 'platform']);
  vera = certs.client('vera', 'vera', ['placer:viewers']);
  tokenFile = join(dir, 'tokens.csv');
  writeFileSync(tokenFile, 'sched-token,system:kube-scheduler,1,"placer:schedulers"\nview-token,val,2,placer:viewers\n');
  server = await spawnServe(
    [
      '--data-dir',
      tempDir(),
      '--bootstrap',
      'examples/',
      '--log-level',
      'warn',
      '--tls-cert-file',
      tlsFiles[0],
      '--tls-private-key-file',
      tlsFiles[1],
      '--client-ca-file',
      certs.caCert,
      '--token-auth-file',
      tokenFile,
    ],
    HTTPS_READY,
  );
}, 60_000);
afterAll(() => {
  killAll();
  removeDirs();
});

describe('placer serve over TLS', () => {
  it('speaks HTTPS only', async () => {
    expect(server.url).toMatch(/^https:/);
    await expect(fetch(server.url.replace('https:', 'http:') + '/livez')).rejects.toThrow();
    expect((await call(server.url, 'GET', '/livez')).status).toBe(200);
  });

  it('a client certificate names the user (CN) and groups (O): operators read and write', async () => {
    expect((await call(server.url, 'GET', '/v1/hosts', { client: olga })).status).toBe(200);
    const cordon = await call(server.url, 'POST', '/v1/hosts/esx-a01/cordon', { client: olga });
    expect(cordon.status).toBe(200);
    expect((await call(server.url, 'POST', '/v1/hosts/esx-a01/uncordon', { client: olga })).status).toBe(200);
  });

  it('a viewer reads and is refused a write with a 403 Status naming user, verb and path', async () => {
    expect((await call(server.url, 'GET', '/v1/hosts', { client: vera })).status).toBe(200);
    expect((await call(server.url, 'GET', '/metrics', { client: vera })).status).toBe(200);
    const refused = await call(server.url, 'DELETE', '/v1/hosts/esx-a01', { client: vera });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403 });
    expect(refused.body.message).toMatch(/^forbidden: User "vera" cannot delete path "\/v1\/hosts\/esx-a01"/);
  });

  it('a certificate from a CA placer does not trust is a 401 Status, not a failed handshake', async () => {
    const res = await call(server.url, 'GET', '/v1/hosts', { client: certs.untrusted('mallory') });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect(res.body.message).toMatch(/the client certificate does not verify/);
  });

  it("token-file users: kube-scheduler's token may call the extender, not the native API", async () => {
    const filter = await call(server.url, 'POST', '/scheduler/filter', { token: 'sched-token', body: { Pod: {}, NodeNames: [] } });
    expect([401, 403]).not.toContain(filter.status);
    const apply = await call(server.url, 'POST', '/v1/apply', { token: 'sched-token', body: {} });
    expect(apply.status).toBe(403);
    expect(apply.body.message).toMatch(/User "system:kube-scheduler" cannot post path "\/v1\/apply"/);
    expect((await call(server.url, 'GET', '/v1/hosts', { token: 'view-token' })).status).toBe(200);
    expect((await call(server.url, 'GET', '/v1/hosts', { token: 'wrong' })).body).toMatchObject({ code: 401, reason: 'Unauthorized' });
  });

  it('without credentials: the probes answer, the API asks for credentials (401)', async () => {
    for (const p of ['/livez', '/readyz', '/healthz']) expect((await call(server.url, 'GET', p)).status).toBe(200);
    const res = await call(server.url, 'GET', '/v1/hosts');
    expect(res.status).toBe(401);
    expect(res.body.message).toMatch(/User "system:anonymous" cannot get path "\/v1\/hosts"/);
  });

  it('writes an audit line for each change, allowed or refused', async () => {
    await expect
      .poll(
        () =>
          server
            .stderr()
            .split('\n')
            .filter((l) => l.includes('"msg":"audit"'))
            .map((l) => (JSON.parse(l) as { audit: Obj }).audit),
        { timeout: 5000 },
      )
      .toEqual(
        expect.arrayContaining([
          {
            user: 'olga',
            groups: ['placer:operators', 'platform', 'system:authenticated'],
            verb: 'post',
            path: '/v1/hosts/esx-a01/cordon',
            object: 'host esx-a01',
            code: 200,
          },
          {
            user: 'vera',
            groups: ['placer:viewers', 'system:authenticated'],
            verb: 'delete',
            path: '/v1/hosts/esx-a01',
            object: 'host esx-a01',
            code: 403,
          },
          {
            user: 'system:kube-scheduler',
            groups: ['placer:schedulers', 'system:authenticated'],
            verb: 'post',
            path: '/v1/apply',
            code: 403,
          },
        ]),
      );
  });

  it('serves a rotated certificate pair without a restart', async () => {
    expect((await servedCert(server.url)).subject.CN).toBe('kube-apiserver');
    const next = certs.serving('rotated', 'placer-rotated');
    copyFileSync(next.keyFile, tlsFiles[1]);
    copyFileSync(next.certFile, tlsFiles[0]);
    await expect.poll(async () => (await servedCert(server.url)).subject.CN, { timeout: 10_000, interval: 200 }).toBe('placer-rotated');
    expect((await call(server.url, 'GET', '/v1/hosts', { client: olga })).status).toBe(200);
  });

  it('serves TLS 1.2 by default; --tls-min-version VersionTLS13 refuses a TLS 1.2 client', async () => {
    expect((await servedCert(server.url, 'TLSv1.2')).subject.CN).toBeDefined();
    const strict = await spawnServe(
      [
        '--data-dir',
        tempDir(),
        '--log-level',
        'warn',
        '--tls-cert-file',
        certs.serverCert,
        '--tls-private-key-file',
        certs.serverKey,
        '--tls-min-version',
        'VersionTLS13',
      ],
      HTTPS_READY,
    );
    await expect(servedCert(strict.url, 'TLSv1.2')).rejects.toThrow();
    expect((await servedCert(strict.url)).subject.CN).toBe('kube-apiserver');
  });
});

describe('safe defaults', () => {
  afterEach(() => killAll());

  it('without authentication and without --host: loopback only, and says so', async () => {
    const s = await spawnServe(['--data-dir', tempDir(), '--log-level', 'warn'], undefined, ['--port', '0']);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:/);
    await expect.poll(() => s.stdout(), { timeout: 5000 }).toMatch(/no authentication configured: listening on 127\.0\.0\.1 only/);
    expect((await fetch(`${s.url}/v1/hosts`)).status).toBe(200);
  });

  it('--host 0.0.0.0 without authentication is refused with a clear message', () => {
    const r = spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--host', '0.0.0.0', '--data-dir', tempDir()], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--host 0\.0\.0\.0 without authentication would let anyone who reaches the port change placements/);
    expect(r.stderr).toMatch(/--allow-anonymous/);
  });

  it('--allow-anonymous serves 0.0.0.0, with a warning in the log', async () => {
    const s = await spawnServe(['--data-dir', tempDir(), '--log-level', 'warn', '--allow-anonymous'], undefined, [
      '--port',
      '0',
      '--host',
      '0.0.0.0',
    ]);
    expect((await fetch(`${s.url}/v1/hosts`)).status).toBe(200);
    expect(s.stderr()).toMatch(/--allow-anonymous: every caller on 0\.0\.0\.0 may read and change everything/);
  });

  it('--client-ca-file without TLS is refused', () => {
    const r = spawnSync(process.execPath, [bin, 'serve', '--port', '0', '--client-ca-file', certs.caCert, '--data-dir', tempDir()], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--client-ca-file needs --tls-cert-file and --tls-private-key-file/);
  });
});
