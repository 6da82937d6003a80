// Certificates for the TLS tests, made with openssl in a temp dir: test/realk8s/pki.ts's CA and
// serving certificate for 127.0.0.1, plus client certificates (CN the user, O each group) signed
// by that CA or by a CA placer does not trust.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makePki, type Pki } from '../realk8s/pki.js';

export interface KeyPair {
  cert: Buffer;
  key: Buffer;
}

const openssl = (dir: string, args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
};

export interface TestCerts extends Pki {
  dir: string;
  ca: Buffer;
  /** A client certificate signed by the CA placer trusts. */
  client(name: string, user: string, groups: string[]): KeyPair;
  /** A client certificate signed by a CA of its own, which placer does not trust. */
  untrusted(user: string): KeyPair;
  /** A new serving pair for 127.0.0.1 signed by the CA, its subject's CN `cn`. */
  serving(name: string, cn: string): { certFile: string; keyFile: string };
}

export function testCerts(dir: string): TestCerts {
  const pki = makePki(dir);
  const sign = (name: string, subject: string, ext: string[], caCert: string, caKey: string): KeyPair => {
    openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    writeFileSync(join(dir, `${name}.ext`), ext.join('\n'));
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      caCert,
      '-CAkey',
      caKey,
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
    ]);
    return { cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
  };
  const clientExt = ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth'];
  const subject = (user: string, groups: string[]): string => `/${groups.map((g) => `O=${g}/`).join('')}CN=${user}`;
  return {
    ...pki,
    dir,
    ca: readFileSync(pki.caCert),
    client: (name, user, groups) => sign(name, subject(user, groups), clientExt, 'ca.crt', 'ca.key'),
    untrusted: (user) => {
      openssl(dir, [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'other-ca.key',
        '-out',
        'other-ca.crt',
        '-days',
        '2',
        '-subj',
        '/CN=other-ca',
      ]);
      return sign('untrusted', subject(user, ['system:masters']), clientExt, 'other-ca.crt', 'other-ca.key');
    },
    serving: (name, cn) => {
      sign(
        name,
        `/CN=${cn}`,
        [
          'subjectAltName=IP:127.0.0.1,DNS:localhost',
          'basicConstraints=CA:FALSE',
          'keyUsage=digitalSignature,keyEncipherment',
          'extendedKeyUsage=serverAuth',
        ],
        'ca.crt',
        'ca.key',
      );
      return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
    },
  };
}
