// Who a request comes from, as Kubernetes says it (user.Info): a user name, an optional uid and
// the groups the authorizer grants by. Authenticators turn a request's credentials into one; the
// middleware (middleware.ts) tries each and falls back to system:anonymous when none was given.

import type { TLSSocket } from 'node:tls';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
}

/** The caller that presented no credentials (kube-apiserver's anonymous user and group). */
export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/** What an authenticator reads: the Authorization header and, over TLS, the connection. */
export interface Credentials {
  authorization?: string;
  /** The TLS connection, when the request came over one (its peer certificate). */
  tls?: TLSSocket;
}

/**
 * An authenticator's answer: `undefined` when the request carries no credentials of its kind, the
 * user when they verify, an error (a 401) when they were presented and do not verify.
 */
export type Authentication = { user: UserInfo } | { error: string } | undefined;

export interface Authenticator {
  authenticate(credentials: Credentials): Authentication | Promise<Authentication>;
}

/** A decision on one request: the verb (get, post, delete, …) on a path. */
export interface Decision {
  allowed: boolean;
  /** Why not, for the 403's message (empty when the authorizer gives no reason). */
  reason?: string;
}

export interface Authorizer {
  authorize(user: UserInfo, verb: string, path: string): Decision | Promise<Decision>;
}

/** The bearer token of an Authorization header, if it carries one. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const m = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m ? m[1] : undefined;
}
