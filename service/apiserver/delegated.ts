// Kubernetes mode's delegated authentication and authorization, as the Kubernetes components
// delegate theirs: a bearer token is checked with a TokenReview (so service-account tokens
// work), and each request is authorized with a SubjectAccessReview of its non-resource URL (verb
// and path, as kube-apiserver authorizes /metrics), so the cluster's RBAC decides
// (deploy/placer-access.yaml's ClusterRoles). Answers are cached for a short while (10 s, the
// components' default), so a request does not cost two API calls. These shapes fit the server's
// Authenticator and Authorizer (server/auth/identity.ts) without importing them.

import type { KubeClient } from './client.js';

type Obj = Record<string, unknown>;

interface User {
  name: string;
  uid?: string;
  groups: string[];
}

type Authentication = { user: User } | { error: string } | undefined;

/** How long a review's answer is reused. */
export const REVIEW_TTL_MS = 10_000;
/** Entries kept before expired ones are swept. */
const CACHE_LIMIT = 10_000;

class TtlCache<T> {
  private readonly entries = new Map<string, { value: T; until: number }>();
  constructor(private readonly ttlMs: number) {}

  get(key: string): T | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until > Date.now()) return e.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: T): void {
    if (this.entries.size >= CACHE_LIMIT) {
      const now = Date.now();
      for (const [k, e] of this.entries) if (e.until <= now) this.entries.delete(k);
      if (this.entries.size >= CACHE_LIMIT) this.entries.clear();
    }
    this.entries.set(key, { value, until: Date.now() + this.ttlMs });
  }
}

export class DelegatedAuth {
  private readonly tokens: TtlCache<Authentication>;
  private readonly decisions: TtlCache<{ allowed: boolean; reason?: string }>;

  constructor(
    private readonly client: KubeClient,
    ttlMs = REVIEW_TTL_MS,
  ) {
    this.tokens = new TtlCache(ttlMs);
    this.decisions = new TtlCache(ttlMs);
  }

  async authenticate({ authorization }: { authorization?: string }): Promise<Authentication> {
    const m = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!m) return undefined;
    const token = m[1];
    const cached = this.tokens.get(token);
    if (cached) return cached;
    const r = await this.client.request('POST', '/apis/authentication.k8s.io/v1/tokenreviews', {
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
      timeoutMs: 10_000,
    });
    // an API server that cannot answer is no verdict on the token: not cached
    if (r.code !== 200 && r.code !== 201) return { error: `the API server could not review the token (TokenReview answered ${r.code})` };
    const st = (r.body?.status ?? {}) as {
      authenticated?: boolean;
      error?: string;
      user?: { username?: string; uid?: string; groups?: string[] };
    };
    const answer: Authentication =
      st.authenticated === true && st.user?.username
        ? { user: { name: st.user.username, ...(st.user.uid && { uid: st.user.uid }), groups: st.user.groups ?? [] } }
        : { error: `the bearer token is not valid${st.error ? ` (TokenReview: ${st.error})` : ''}` };
    this.tokens.set(token, answer);
    return answer;
  }

  async authorize(user: User, verb: string, path: string): Promise<{ allowed: boolean; reason?: string }> {
    const key = JSON.stringify([user.name, user.uid ?? '', user.groups, verb, path]);
    const cached = this.decisions.get(key);
    if (cached) return cached;
    const spec: Obj = { user: user.name, groups: user.groups, nonResourceAttributes: { verb, path } };
    if (user.uid !== undefined) spec.uid = user.uid;
    const r = await this.client.request('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', {
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec },
      timeoutMs: 10_000,
    });
    if (r.code !== 200 && r.code !== 201)
      return { allowed: false, reason: `the API server could not review the access (SubjectAccessReview answered ${r.code})` };
    const st = (r.body?.status ?? {}) as { allowed?: boolean; reason?: string };
    const decision =
      st.allowed === true ? { allowed: true } : { allowed: false, reason: st.reason || 'the cluster RBAC does not allow it' };
    this.decisions.set(key, decision);
    return decision;
  }
}
