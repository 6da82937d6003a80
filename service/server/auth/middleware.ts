// Authentication and authorization of every request, before any route runs. Authenticators are
// tried in turn (kube-apiserver's union): the first that verifies the credentials names the user;
// credentials none verifies are a 401; no credentials at all make the caller system:anonymous.
// The authorizer then decides on the verb and path: a refusal is a 403 naming the user, verb and
// path, or a 401 for system:anonymous (credentials would help, and the console asks for a token
// on a 401). The probes (/livez, /readyz, /healthz) and the console's files are answered to anyone.
//
// Without an AuthConfig (no authentication configured: serve.ts then listens on loopback only,
// or was told --allow-anonymous) every caller is system:anonymous and everything is allowed.

import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Context, MiddlewareHandler } from 'hono';
import { failure } from '../status.js';
import { accessOf, PUBLIC, verbOf } from './access.js';
import { ANONYMOUS, type Authenticator, type Authorizer, type Credentials, type UserInfo } from './identity.js';

declare module 'hono' {
  interface ContextVariableMap {
    /** The authenticated caller (set before any route runs; unset when authentication failed). */
    user: UserInfo;
  }
}

export interface AuthConfig {
  /** Tried in order; the first to verify the request's credentials names the user. */
  authenticators: Authenticator[];
  authorizer: Authorizer;
}

/** The group of every authenticated user, as Kubernetes adds it. */
const AUTHENTICATED = 'system:authenticated';

/** The request's credentials: its Authorization header and, when it came over TLS, the connection. */
export function credentialsOf(c: Context): Credentials {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const socket = incoming?.socket as (TLSSocket & { encrypted?: boolean }) | undefined;
  const authorization = c.req.header('authorization');
  return {
    ...(authorization !== undefined && { authorization }),
    ...(socket?.encrypted === true && { tls: socket }),
  };
}

async function authenticate(auth: AuthConfig, credentials: Credentials): Promise<{ user: UserInfo } | { errors: string[] }> {
  const errors: string[] = [];
  for (const a of auth.authenticators) {
    const r = await a.authenticate(credentials);
    if (r === undefined) continue;
    if ('user' in r) {
      const groups = r.user.groups.includes(AUTHENTICATED) ? r.user.groups : [...r.user.groups, AUTHENTICATED];
      return { user: { ...r.user, groups } };
    }
    errors.push(r.error);
  }
  if (errors.length === 0 && credentials.authorization !== undefined)
    errors.push('the Authorization header is not accepted: placer takes bearer tokens only, and only with token authentication configured');
  return errors.length > 0 ? { errors } : { user: ANONYMOUS };
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="placer"' };

export function authMiddleware(auth: AuthConfig | undefined): MiddlewareHandler {
  return async (c, next) => {
    const { method, path } = c.req;
    if (!auth || accessOf(method, path) === PUBLIC) {
      c.set('user', ANONYMOUS);
      return next();
    }
    const who = await authenticate(auth, credentialsOf(c));
    if ('errors' in who) return c.json(failure(401, 'Unauthorized', `Unauthorized: ${who.errors.join('; ')}`), 401, CHALLENGE);
    const user = who.user;
    c.set('user', user);
    const verb = verbOf(method);
    const decision = await auth.authorizer.authorize(user, verb, path);
    if (decision.allowed) return next();
    const because = decision.reason ? `: ${decision.reason}` : '';
    if (user.name === ANONYMOUS.name)
      return c.json(
        failure(
          401,
          'Unauthorized',
          `Unauthorized: User "${user.name}" cannot ${verb} path "${path}"${because}; present a client certificate or a bearer token`,
        ),
        401,
        CHALLENGE,
      );
    return c.json(failure(403, 'Forbidden', `forbidden: User "${user.name}" cannot ${verb} path "${path}"${because}`), 403);
  };
}
