// The control plane's key material, made fresh for each test run with openssl: a CA, the API
// server's serving certificate for 127.0.0.1 signed by it, and the service-account signing key pair;
// plus the static tokens file. Nothing here is a secret: it lives in a temp dir for one run.

import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  saKey: string;
  saPub: string;
}

const openssl = (dir: string, args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
};

/** The extensions of a serving certificate for 127.0.0.1 and localhost. */
export const SERVING_EXT = [
  'subjectAltName=IP:127.0.0.1,DNS:localhost',
  'basicConstraints=CA:FALSE',
  'keyUsage=digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth',
];

/** A self-signed CA in `dir`: `<name>.crt` and `<name>.key`, valid for two days. */
export function makeCa(dir: string, name: string, cn: string): void {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
  ]);
}

/**
 * A key and a certificate for `subject` with extensions `ext`, signed by the CA `ca` (its `.crt`
 * and `.key` in `dir`): `<name>.crt` and `<name>.key`.
 */
export function signCert(dir: string, name: string, subject: string, ext: readonly string[], ca: string): void {
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
  writeFileSync(join(dir, `${name}.ext`), ext.join('\n'));
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${ca}.crt`,
    '-CAkey',
    `${ca}.key`,
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  ]);
}

/** A CA and a serving certificate for 127.0.0.1/localhost; the service-account RSA pair. */
export function makePki(dir: string): Pki {
  makeCa(dir, 'ca', 'placer-test-ca');
  signCert(dir, 'server', '/CN=kube-apiserver', SERVING_EXT, 'ca');
  openssl(dir, ['genrsa', '-out', 'sa.key', '2048']);
  openssl(dir, ['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
  const p = (f: string) => join(dir, f);
  return { caCert: p('ca.crt'), serverCert: p('server.crt'), serverKey: p('server.key'), saKey: p('sa.key'), saPub: p('sa.pub') };
}

/** The identities the tests use: who they are to RBAC. */
export const USERS = {
  /** The tests themselves: cluster-admin through system:masters. */
  admin: { name: 'test-admin', groups: ['system:masters'] },
  /** placer, as its ServiceAccount: deploy/rbac.yaml is all it may do. */
  placer: {
    name: 'system:serviceaccount:placer-system:placer',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:placer-system', 'system:authenticated'],
  },
  /** kube-scheduler: the API server's bootstrap RBAC grants system:kube-scheduler what it needs. */
  scheduler: { name: 'system:kube-scheduler', groups: ['system:authenticated'] },
} as const;

export type User = keyof typeof USERS;

/** tokens.csv for --token-auth-file (token,user,uid,"groups"); the tokens by user. */
export function writeTokens(dir: string): { file: string; tokens: Record<User, string> } {
  const tokens = Object.fromEntries(Object.keys(USERS).map((u) => [u, randomBytes(16).toString('hex')])) as Record<User, string>;
  const lines = (Object.keys(USERS) as User[]).map((u, i) => `${tokens[u]},${USERS[u].name},${i + 1},"${USERS[u].groups.join(',')}"`);
  const file = join(dir, 'tokens.csv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, tokens };
}
