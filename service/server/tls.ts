// HTTPS serving as the Kubernetes components spell it: --tls-cert-file and --tls-private-key-file
// (PEM), --tls-min-version (VersionTLS12 by default), and --client-ca-file, the CA bundle client
// certificates are verified against (auth/client-cert.ts). The files are re-read when they change
// and the server's secure context replaced (tls.Server.setSecureContext), so a certificate
// rotated by cert-manager is served without a restart; a pair that does not load (a rotation half
// written: the new certificate beside the old key) keeps the context before and logs why.

import { readFileSync } from 'node:fs';
import type { Server as HttpsServer, ServerOptions } from 'node:https';
import { createSecureContext, type SecureVersion } from 'node:tls';
import type { Logger } from 'pino';
import { InputError } from '../../model/errors.js';
import { watchFiles } from './auth/watch.js';

/** --tls-min-version's values, as kube-apiserver names them. */
export const TLS_VERSIONS: Record<string, SecureVersion> = {
  VersionTLS12: 'TLSv1.2',
  VersionTLS13: 'TLSv1.3',
};

export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** Ask for client certificates and verify them against this CA bundle. */
  clientCaFile?: string;
  minVersion?: SecureVersion;
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new InputError(undefined, '', `cannot read the ${what} ${path}: ${(err as Error).message}`);
  }
}

/** The certificate, key and CA of the files, checked to load together. */
function material(files: TlsFiles): { cert: Buffer; key: Buffer; ca?: Buffer } {
  const m = {
    cert: read(files.certFile, 'serving certificate (--tls-cert-file)'),
    key: read(files.keyFile, 'private key (--tls-private-key-file)'),
    ...(files.clientCaFile !== undefined && { ca: read(files.clientCaFile, 'client CA bundle (--client-ca-file)') }),
  };
  try {
    createSecureContext(m);
  } catch (err) {
    throw new InputError(
      undefined,
      '',
      `the serving certificate ${files.certFile} and key ${files.keyFile} do not load: ${(err as Error).message}`,
    );
  }
  return m;
}

/** node:https options for the files: the serving pair, and client certificates asked for but verified by the app. */
export function httpsOptions(files: TlsFiles): ServerOptions {
  return {
    ...material(files),
    minVersion: files.minVersion ?? 'TLSv1.2',
    // a certificate that does not verify is the app's 401 Status, not a failed handshake
    ...(files.clientCaFile !== undefined && { requestCert: true, rejectUnauthorized: false }),
  };
}

/** Re-read the files whenever one changes and serve them from then on; returns the stop. */
export function reloadOnChange(server: HttpsServer, files: TlsFiles, logger: Logger, intervalMs?: number): () => void {
  const paths = [files.certFile, files.keyFile, ...(files.clientCaFile === undefined ? [] : [files.clientCaFile])];
  return watchFiles(
    paths,
    () => {
      try {
        server.setSecureContext({ ...material(files), minVersion: files.minVersion ?? 'TLSv1.2' });
        logger.info({ certFile: files.certFile }, 'serving certificate re-read');
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'serving certificate not re-read; the one before is still served');
      }
    },
    intervalMs,
  );
}
