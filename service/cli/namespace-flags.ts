// -n/--namespace and -A/--all-namespaces, as kubectl has them on the commands that list namespaced
// things: -n lists one namespace's entries, -A every namespace's (placer's default: a placement
// file is a whole cluster) and wins over -n, as in kubectl.

import { type Command, InvalidArgumentError } from 'commander';

function namespaceName(v: string): string {
  if (v.length > 63 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v))
    throw new InvalidArgumentError(
      `a namespace name must be a DNS-1123 label (lowercase letters, digits and '-'), got ${JSON.stringify(v)}`,
    );
  return v;
}

/** Adds -n and -A to `c`; `what` says what -n lists. */
export function namespaceOptions(c: Command, what: string): Command {
  return c
    .option('-n, --namespace <namespace>', what, namespaceName)
    .option('-A, --all-namespaces', 'list every namespace (the default; wins over -n, as in kubectl)', false);
}

/** The namespace to list, or undefined for all. */
export function namespaceOf(o: { namespace?: string; allNamespaces?: boolean }): string | undefined {
  return o.allNamespaces ? undefined : o.namespace;
}
