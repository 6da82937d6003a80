// Safe defaults for `placer serve`: who can reach it follows from who it can tell apart. Without
// any authentication every caller is system:anonymous and may do everything, so placer then
// listens on loopback only (and says so); listening anywhere else without authentication takes
// an explicit --allow-anonymous, and is logged as a warning. With authentication configured the
// default address is every interface, as before.

import { isIP } from 'node:net';
import { InputError } from '../../model/errors.js';

export interface Exposure {
  /** --host as given (undefined: the default). */
  host?: string;
  tls: boolean;
  clientCa: boolean;
  tokens: boolean;
  /** Kubernetes mode's delegated authentication (TokenReview). */
  delegated?: boolean;
  allowAnonymous: boolean;
}

export interface Listen {
  host: string;
  /** Lines to tell the operator at start. */
  notes: string[];
  /** Lines to log as warnings at start. */
  warnings: string[];
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

const fail = (message: string): InputError => new InputError(undefined, '', message);

/** The address to listen on, or an InputError saying which flags are missing. */
export function listenAddress(e: Exposure): Listen {
  if (e.clientCa && !e.tls)
    throw fail('--client-ca-file needs --tls-cert-file and --tls-private-key-file: client certificates come over TLS');
  const authenticated = e.clientCa || e.tokens || e.delegated === true;
  const notes: string[] = [];
  const warnings: string[] = [];
  if (!authenticated) {
    const host = e.host ?? '127.0.0.1';
    if (!isLoopback(host) && !e.allowAnonymous)
      throw fail(
        `--host ${host} without authentication would let anyone who reaches the port change placements: ` +
          'configure --client-ca-file (with --tls-cert-file and --tls-private-key-file) or --token-auth-file ' +
          '(docs/security.md), or pass --allow-anonymous to serve every caller on purpose',
      );
    if (isLoopback(host))
      notes.push(`no authentication configured: listening on ${host} only (docs/security.md says how to serve other hosts)`);
    else warnings.push(`--allow-anonymous: every caller on ${host} may read and change everything, unauthenticated`);
    return { host, notes, warnings };
  }
  const host = e.host ?? '0.0.0.0';
  if (e.tokens && !e.tls && !isLoopback(host)) warnings.push(`bearer tokens travel in the clear on ${host}: configure --tls-cert-file`);
  return { host, notes, warnings };
}
