// Standalone authorization by group (docs/security.md): each group grants a set of the access
// classes of access.ts; a request is allowed when one of the caller's groups grants its class.
//
//   placer:viewers     READ              GET on /v1, /metrics, /version (the console's data)
//   placer:schedulers  SCHEDULE          the /scheduler verbs (kube-scheduler's identity)
//   placer:operators   READ | WRITE      everything under /v1, and the console they work in
//   system:masters     everything

import { accessOf, ALL, PUBLIC, READ, SCHEDULE, WRITE } from './access.js';
import type { Authorizer, Decision, UserInfo } from './identity.js';

export const GROUP_GRANTS: Readonly<Record<string, number>> = {
  'placer:viewers': READ,
  'placer:schedulers': SCHEDULE,
  'placer:operators': READ | WRITE,
  'system:masters': ALL,
};

const NAMES: Record<number, string> = { [READ]: 'read', [SCHEDULE]: 'schedule', [WRITE]: 'write' };

export const groupAuthorizer: Authorizer = {
  authorize(user: UserInfo, verb: string, path: string): Decision {
    // the verb is the method as RBAC spells it; the access class needs the method again
    const access = accessOf(verb === 'get' ? 'GET' : verb.toUpperCase(), path);
    if (access === PUBLIC) return { allowed: true };
    let granted = 0;
    for (const g of user.groups) granted |= GROUP_GRANTS[g] ?? 0;
    if ((granted & access) !== 0) return { allowed: true };
    const needs = Object.keys(GROUP_GRANTS).filter((g) => (GROUP_GRANTS[g] & access) !== 0);
    return { allowed: false, reason: `${NAMES[access] ?? 'this'} access needs one of the groups ${needs.join(', ')}` };
  },
};
