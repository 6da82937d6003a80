// Client certificates verified against --client-ca-file: the user is the subject's CN, the
// groups its O values (as kube-apiserver reads them). The TLS server asks for a certificate but
// accepts the connection without one (requestCert, rejectUnauthorized: false) so that a
// certificate that does not verify is a 401 Status naming why, not a failed handshake.

import type { Authentication, Authenticator, Credentials } from './identity.js';

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export const clientCertificates: Authenticator = {
  authenticate({ tls }: Credentials): Authentication {
    const cert = tls?.getPeerCertificate();
    if (!tls || !cert || Object.keys(cert).length === 0) return undefined;
    if (!tls.authorized) return { error: `the client certificate does not verify: ${String(tls.authorizationError)}` };
    const subject = cert.subject as unknown as Record<string, string | string[] | undefined>;
    const name = list(subject.CN)[0];
    if (!name) return { error: 'the client certificate has no common name (CN) to name its user' };
    return { user: { name, groups: list(subject.O) } };
  },
};
