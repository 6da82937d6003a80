// kubeconfig files as placer reads them (service/apiserver/kubeconfig.ts), against the fake API
// server over HTTPS: the plain ones by placer itself — files named relative to the kubeconfig, a
// token file read again on every refresh, --context — and one with an exec plugin through
// @kubernetes/client-node.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../service/apiserver/client.js';
import { node } from '../fixtures/k8s.js';
import { FakeApiServer } from './fake-apiserver.js';

const tlsDir = join(import.meta.dirname, 'tls');
const tls = { key: readFileSync(join(tlsDir, 'server.key')), cert: readFileSync(join(tlsDir, 'server.crt')) };

let f: FakeApiServer;
let dir: string;

beforeAll(async () => {
  f = await FakeApiServer.start({ token: 'sa-token', tls });
  f.create(node('hv-1').allocatable({ cpu: '4' }).obj());
  dir = mkdtempSync(join(tmpdir(), 'placer-kubeconfig-'));
});
afterAll(async () => {
  await f.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A kubeconfig of two contexts: `good` (the CA and token files named relative to it) and `other`. */
function kubeconfig(user: string[]): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: fake',
    '  cluster:',
    `    server: ${f.url}/`,
    '    certificate-authority: pki/ca.crt',
    '- name: elsewhere',
    '  cluster:',
    '    server: https://127.0.0.1:1',
    'users:',
    '- name: placer',
    '  user:',
    ...user.map((l) => `    ${l}`),
    'contexts:',
    '- name: good',
    '  context: {cluster: fake, user: placer, namespace: team-x}',
    '- name: other',
    '  context: {cluster: elsewhere, user: placer}',
    'current-context: other',
    '',
  ].join('\n');
}

/** A user's exec plugin (client.authentication.k8s.io/v1beta1) that prints `token`. */
function execPlugin(token: string): string[] {
  const credential = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token } });
  return [
    'exec:',
    '  apiVersion: client.authentication.k8s.io/v1beta1',
    '  command: /bin/sh',
    `  args: ["-c", ${JSON.stringify(`echo '${credential}'`)}]`,
    '  interactiveMode: Never',
  ];
}

async function nodesCode(c: KubeClient): Promise<number> {
  return (await c.request('GET', '/api/v1/nodes', { timeoutMs: 5000 })).code;
}

describe('kubeconfig', () => {
  it('plain: files relative to the kubeconfig, --context, the token file read again on a refresh', async () => {
    const d = join(dir, 'plain');
    mkdirSync(join(d, 'pki'), { recursive: true });
    writeFileSync(join(d, 'pki', 'ca.crt'), tls.cert);
    writeFileSync(join(d, 'token'), 'sa-token\n');
    const file = join(d, 'kubeconfig');
    writeFileSync(file, kubeconfig(['tokenFile: token']));

    const current = await loadKubeConfig({ kubeconfig: file });
    expect([current.server, current.namespace]).toEqual(['https://127.0.0.1:1', 'default']);

    const target = await loadKubeConfig({ kubeconfig: file, context: 'good' });
    expect([target.server, target.namespace]).toEqual([f.url, 'team-x']);
    const c = await KubeClient.connect(target);
    try {
      expect(await nodesCode(c)).toBe(200);
    } finally {
      c.close();
    }
    // a rotated token: the next credentials carry it
    writeFileSync(join(d, 'token'), 'rotated');
    expect((await target.credentials()).headers.authorization).toBe('Bearer rotated');
  });

  it('an exec plugin: through client-node, with the token the plugin prints', async () => {
    const d = join(dir, 'exec');
    mkdirSync(join(d, 'pki'), { recursive: true });
    writeFileSync(join(d, 'pki', 'ca.crt'), tls.cert);
    const file = join(d, 'kubeconfig');
    writeFileSync(file, kubeconfig(execPlugin('sa-token')));
    const target = await loadKubeConfig({ kubeconfig: file, context: 'good' });
    expect(target.namespace).toBe('team-x');
    const c = await KubeClient.connect(target);
    try {
      expect(await nodesCode(c)).toBe(200);
    } finally {
      c.close();
    }
  });

  it('impersonation: every Impersonate-* header client-go sends, read by placer and through client-node', async () => {
    const d = join(dir, 'impersonate');
    mkdirSync(join(d, 'pki'), { recursive: true });
    writeFileSync(join(d, 'pki', 'ca.crt'), tls.cert);
    const as = [
      'as: alice',
      'as-uid: "1234"',
      'as-groups: [ops, "system:authenticated"]',
      'as-user-extra: {scopes: [view, edit], "acme.com/team x": [blue]}',
    ];
    const expected = {
      'impersonate-user': 'alice',
      'impersonate-uid': '1234',
      'impersonate-group': ['ops', 'system:authenticated'],
      'impersonate-extra-scopes': ['view', 'edit'],
      // client-go's headerKeyEscape: '/' and ' ' are not header token bytes
      'impersonate-extra-acme.com%2Fteam%20x': ['blue'],
    };
    const pick = (h: Record<string, unknown>) =>
      Object.fromEntries(Object.entries(h).filter(([k]) => k.toLowerCase().startsWith('impersonate-')));

    const plain = join(d, 'plain');
    writeFileSync(plain, kubeconfig(['token: sa-token', ...as]));
    const p = await (await loadKubeConfig({ kubeconfig: plain, context: 'good' })).credentials();
    expect(pick(p.headers)).toEqual(expected);
    expect(p.headers.authorization).toBe('Bearer sa-token');

    // an exec plugin goes through client-node, which sends only `as`: placer adds the rest
    const exec = join(d, 'exec');
    writeFileSync(exec, kubeconfig([...execPlugin('sa-token'), ...as]));
    const e = await (await loadKubeConfig({ kubeconfig: exec, context: 'good' })).credentials();
    expect(pick(e.headers)).toEqual(expected);

    // a malformed field is an error naming it, not the base user
    const bad = join(d, 'bad');
    writeFileSync(bad, kubeconfig(['token: sa-token', 'as: alice', 'as-groups: ops']));
    await expect(loadKubeConfig({ kubeconfig: bad, context: 'good' })).rejects.toThrow(
      `--kubeconfig ${bad}: user.as-groups must be a list of strings`,
    );
    const noUser = join(d, 'no-user');
    writeFileSync(noUser, kubeconfig(['token: sa-token', 'as-groups: [ops]']));
    await expect(loadKubeConfig({ kubeconfig: noUser, context: 'good' })).rejects.toThrow(/user\.as must be set when as-uid, as-groups/);
  });

  it('a file that is not a kubeconfig: client-node says what is wrong, naming the file', async () => {
    const file = join(dir, 'broken');
    writeFileSync(file, 'clusters: [{cluster: {server: x}}]\n');
    await expect(loadKubeConfig({ kubeconfig: file })).rejects.toThrow(`--kubeconfig ${file}: clusters[0].name is missing`);
  });
});
