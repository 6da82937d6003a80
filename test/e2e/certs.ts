// Certificates for the TLS tests, made with openssl in a temp dir: test/realk8s/pki.ts's CA and
// serving certificate for 127.0.0.1, plus client certificates (CN the user, O each group) signed
// by that CA or by a CA placer does not trust.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVING_EXT, makeCa, makePki, signCert, type Pki } from '../realk8s/pki.js';

export interface KeyPair {
  cert: Buffer;
  key: Buffer;
}

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
  const sign = (name: string, subject: string, ext: string[], ca: string): KeyPair => {
    signCert(dir, name, subject, ext, ca);
    return { cert: readFileSync(join(dir, `${name}.crt`)), key: readFileSync(join(dir, `${name}.key`)) };
  };
  const clientExt = ['basicConstraints=CA:FALSE', 'keyUsage=digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth'];
  const subject = (user: string, groups: string[]): string => `/${groups.map((g) => `O=${g}/`).join('')}CN=${user}`;
  return {
    ...pki,
    dir,
    ca: readFileSync(pki.caCert),
    client: (name, user, groups) => sign(name, subject(user, groups), clientExt, 'ca'),
    untrusted: (user) => {
      makeCa(dir, 'other-ca', 'other-ca');
      return sign('untrusted', subject(user, ['system:masters']), clientExt, 'other-ca');
    },
    serving: (name, cn) => {
      signCert(dir, name, `/CN=${cn}`, SERVING_EXT, 'ca');
      return { certFile: join(dir, `${name}.crt`), keyFile: join(dir, `${name}.key`) };
    },
  };
}
