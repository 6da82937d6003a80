// Where the API server is and how to reach it: a kubeconfig file (--kubeconfig, --context) or the
// pod's service account (--in-cluster).
//
// Most kubeconfigs name a server, its CA and a token or a client certificate, and the service
// account is three files: those placer reads itself (the yaml package, loaded anyway). What needs
// more — exec and auth-provider plugins, a proxy-url, a file placer cannot make out — goes to
// @kubernetes/client-node, imported only then: it takes over a second to load, which is most of
// what scheduler mode waits for before its first Binding.
//
// Credentials are produced again on every refresh (client.ts: every minute): a token file, a
// rotated service account token or a client certificate renewed on disk is read anew, as client-go
// does.

import { readFileSync } from 'node:fs';
import type { OutgoingHttpHeaders } from 'node:http';
import type { RequestOptions } from 'node:https';
import { isIPv6 } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

export interface KubeConfigSource {
  /** A kubeconfig file; absent: the in-cluster service account. */
  kubeconfig?: string;
  /** A context of the file other than its current-context. */
  context?: string;
  /**
   * In-cluster only: a directory prefixed to /var/run/secrets/kubernetes.io/serviceaccount (the
   * token, ca.crt and namespace files), for tests; '' (in a pod) by default.
   */
  serviceAccountPrefix?: string;
}

/** TLS options, headers and (through a proxy) the agent for the next requests. */
export interface Credentials {
  tls: RequestOptions;
  headers: OutgoingHttpHeaders;
}

/** The loaded configuration: the API server, the namespace of the context (or of the pod). */
export interface KubeTarget {
  server: string;
  namespace: string;
  /** The credentials as of now (files read again). */
  credentials(): Promise<Credentials>;
}

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (o: Raw, k: string): string | undefined => (typeof o[k] === 'string' && o[k] !== '' ? o[k] : undefined);

/** What placer reads itself: a cluster and a user without plugins. */
interface Plain {
  server: string;
  namespace: string;
  ca?: { file?: string; data?: string };
  insecure: boolean;
  serverName?: string;
  token?: string;
  tokenFile?: string;
  cert?: { file?: string; data?: string };
  key?: { file?: string; data?: string };
  basic?: string;
  /** client-go's impersonation headers (`as`, `as-uid`, `as-groups`, `as-user-extra`). */
  impersonate: OutgoingHttpHeaders;
}

export async function loadKubeConfig(src: KubeConfigSource): Promise<KubeTarget> {
  if (src.kubeconfig === undefined) {
    if (!process.env.KUBERNETES_SERVICE_HOST || !process.env.KUBERNETES_SERVICE_PORT) {
      throw new Error(
        '--in-cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set (not running in a pod?); use --kubeconfig outside a cluster',
      );
    }
    return plainTarget(inCluster(src.serviceAccountPrefix ?? ''));
  }
  let text: string;
  try {
    text = readFileSync(src.kubeconfig, 'utf8');
  } catch (err) {
    throw new Error(`--kubeconfig ${src.kubeconfig}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const plain = plainKubeconfig(text, dirname(src.kubeconfig), src.context, src.kubeconfig);
  if (plain) return plainTarget(plain);
  const user = entries(text, src.context)?.user;
  return clientNodeTarget(src.kubeconfig, src.context, user ? impersonation(user, src.kubeconfig) : {});
}

/**
 * The Impersonate-* headers of a kubeconfig user, as client-go's impersonating round tripper sends
 * them: `as` (user), `as-uid`, `as-groups` (one header per group) and `as-user-extra` (one
 * Impersonate-Extra-<key> per key, every value; the key percent-encoded where it is not a header
 * token). A malformed field is an error naming it: acting as the base user instead is not an option.
 */
export function impersonation(user: Raw, file: string): OutgoingHttpHeaders {
  const bad = (field: string, what: string) => new Error(`--kubeconfig ${file}: user.${field} must be ${what}`);
  const strings = (v: unknown, field: string): string[] => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(field, 'a list of strings');
    return v as string[];
  };
  const headers: OutgoingHttpHeaders = {};
  for (const [field, header] of [
    ['as', 'impersonate-user'],
    ['as-uid', 'impersonate-uid'],
  ] as const) {
    const v = user[field];
    if (v === undefined || v === null || v === '') continue;
    if (typeof v !== 'string') throw bad(field, 'a string');
    headers[header] = v;
  }
  const groups = user['as-groups'];
  if (groups !== undefined && groups !== null) {
    const list = strings(groups, 'as-groups');
    if (list.length > 0) headers['impersonate-group'] = list;
  }
  const extra = user['as-user-extra'];
  if (extra !== undefined && extra !== null) {
    if (!isObj(extra)) throw bad('as-user-extra', 'a map of lists of strings');
    for (const [key, values] of Object.entries(extra)) {
      const list = strings(values, `as-user-extra.${key}`);
      if (list.length > 0) headers[`impersonate-extra-${headerKey(key)}`] = list;
    }
  }
  if (Object.keys(headers).length > 0 && headers['impersonate-user'] === undefined)
    throw bad('as', 'set when as-uid, as-groups or as-user-extra is (the API server impersonates a user)');
  return headers;
}

/** client-go's headerKeyEscape: header token characters stay, every other byte is %XX. */
function headerKey(key: string): string {
  let out = '';
  for (const b of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /^[!#$&'*+\-.^_`|~0-9A-Za-z]$/.test(c) && c !== '%' ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** The context, cluster and user entries a context names, or undefined when they are not plain maps. */
function entries(text: string, context: string | undefined): { ctx: Raw; cluster: Raw; user: Raw } | undefined {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(doc)) return undefined;
  const named = (list: string, name: string | undefined, field: string): Raw | undefined => {
    const items = doc[list];
    if (name === undefined || !Array.isArray(items)) return undefined;
    const found = items.filter((e): e is Raw => isObj(e) && e.name === name);
    return found.length === 1 && isObj(found[0][field]) ? found[0][field] : undefined;
  };
  const ctx = named('contexts', context ?? str(doc, 'current-context'), 'context');
  const cluster = ctx && named('clusters', str(ctx, 'cluster'), 'cluster');
  const user = ctx && named('users', str(ctx, 'user'), 'user');
  return ctx && cluster && user ? { ctx, cluster, user } : undefined;
}

/** The service account as the kubelet mounts it (client-go's rest.InClusterConfig). */
function inCluster(prefix: string): Plain {
  const host = process.env.KUBERNETES_SERVICE_HOST!;
  const port = process.env.KUBERNETES_SERVICE_PORT!;
  const dir = `${prefix}${SERVICE_ACCOUNT}`;
  let namespace = 'default';
  try {
    namespace = readFileSync(join(dir, 'namespace'), 'utf8').trim() || 'default';
  } catch {
    // no namespace file: the default namespace, as client-node has it
  }
  // plain HTTP on the ports client-node takes for it
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  return {
    server: `${scheme}://${isIPv6(host) ? `[${host}]` : host}:${port}`,
    namespace,
    ca: { file: join(dir, 'ca.crt') },
    insecure: false,
    tokenFile: join(dir, 'token'),
    impersonate: {},
  };
}

/**
 * A kubeconfig placer reads itself, or undefined when it needs client-node (plugins, a proxy) or
 * is anything but plain (client-node then says what is wrong with it, as before).
 */
function plainKubeconfig(text: string, dir: string, context: string | undefined, file: string): Plain | undefined {
  const found = entries(text, context);
  if (!found) return undefined;
  const { ctx, cluster, user } = found;
  const server = str(cluster, 'server');
  if (server === undefined || cluster['proxy-url'] !== undefined) return undefined;
  if (['exec', 'auth-provider'].some((k) => user[k] !== undefined && user[k] !== null)) return undefined;
  const path = (k: string, o: Raw): string | undefined => {
    const p = str(o, k);
    return p === undefined || isAbsolute(p) ? p : join(dir, p);
  };
  const pair = (o: Raw, file: string): { file?: string; data?: string } | undefined => {
    const f = path(file, o);
    const data = str(o, `${file}-data`);
    return f === undefined && data === undefined ? undefined : { ...(f !== undefined && { file: f }), ...(data !== undefined && { data }) };
  };
  const username = str(user, 'username');
  return {
    server,
    namespace: (typeof ctx.namespace === 'string' ? ctx.namespace.trim() : '') || 'default',
    ca: pair(cluster, 'certificate-authority'),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    ...(str(cluster, 'tls-server-name') !== undefined && { serverName: str(cluster, 'tls-server-name') }),
    ...(str(user, 'token') !== undefined && { token: str(user, 'token') }),
    ...((path('tokenFile', user) ?? path('token-file', user)) !== undefined && {
      tokenFile: path('tokenFile', user) ?? path('token-file', user),
    }),
    cert: pair(user, 'client-certificate'),
    key: pair(user, 'client-key'),
    ...(username !== undefined && { basic: `${username}:${str(user, 'password') ?? ''}` }),
    impersonate: impersonation(user, file),
  };
}

/** A file's bytes, or base64 data's: data wins, as client-node and client-go have it. */
const bytes = (p: { file?: string; data?: string } | undefined): Buffer | undefined =>
  p === undefined ? undefined : p.data !== undefined ? Buffer.from(p.data, 'base64') : readFileSync(p.file!);

function plainTarget(p: Plain): KubeTarget {
  return {
    server: p.server.replace(/\/+$/, ''),
    namespace: p.namespace,
    credentials: async () => {
      const ca = bytes(p.ca);
      const cert = bytes(p.cert);
      const key = bytes(p.key);
      const token = p.token ?? (p.tokenFile !== undefined ? readFileSync(p.tokenFile, 'utf8').trim() : undefined);
      const headers: OutgoingHttpHeaders = {};
      if (token) headers.authorization = `Bearer ${token}`;
      else if (p.basic !== undefined) headers.authorization = `Basic ${Buffer.from(p.basic).toString('base64')}`;
      Object.assign(headers, p.impersonate);
      return {
        tls: {
          ...(ca && { ca }),
          ...(cert && { cert }),
          ...(key && { key }),
          ...(p.insecure && { rejectUnauthorized: false }),
          ...(p.serverName !== undefined && { servername: p.serverName }),
        },
        headers,
      };
    },
  };
}

/** Through client-node: what placer does not read itself. */
async function clientNodeTarget(file: string, context: string | undefined, impersonate: OutgoingHttpHeaders): Promise<KubeTarget> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new Error(`--kubeconfig ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (context !== undefined) kc.setCurrentContext(context);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`kubeconfig: the current context ${JSON.stringify(kc.getCurrentContext())} names no cluster`);
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace?.trim() || 'default';
  return {
    server: cluster.server.replace(/\/+$/, ''),
    namespace,
    credentials: async () => {
      const o: RequestOptions = {};
      await kc.applyToHTTPSOptions(o);
      const headers: OutgoingHttpHeaders = {};
      // client-node sends only `as`; every impersonation header is placer's, as client-go sends them
      for (const [k, v] of Object.entries(o.headers ?? {})) if (!k.toLowerCase().startsWith('impersonate-')) headers[k] = v;
      Object.assign(headers, impersonate);
      if (typeof o.auth === 'string') headers.authorization = `Basic ${Buffer.from(o.auth).toString('base64')}`;
      // client-node's agent only when it tunnels through a proxy; otherwise the client's keep-alive agent
      return {
        tls: {
          ...(o.ca && { ca: o.ca }),
          ...(o.cert && { cert: o.cert }),
          ...(o.key && { key: o.key }),
          ...(o.rejectUnauthorized !== undefined && { rejectUnauthorized: o.rejectUnauthorized }),
          ...(o.servername && { servername: o.servername }),
          ...(cluster.proxyUrl && o.agent && { agent: o.agent }),
        },
        headers,
      };
    },
  };
}
