// v1 Namespace: only its labels matter for placement (an affinity term's namespaceSelector). The
// API server always sets `kubernetes.io/metadata.name` to the namespace's name, whatever the
// manifest says, so it is set here too. The name must be an RFC 1123 label (ValidateNamespaceName).
// A namespace that workloads use but the input does not declare is not an error: it then has only
// that one label.

import type { NamespaceObj } from '../../model/types.js';
import { dns1123LabelErrors } from './labels.js';
import type { ObjectReader } from './meta.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export function readNamespace(r: ObjectReader): NamespaceObj {
  const name = r.meta.name;
  const [msg] = dns1123LabelErrors(name);
  if (msg !== undefined) r.root.get('metadata.name').invalid(msg, name);
  const labels = new Map(r.meta.labels);
  labels.set(NAMESPACE_NAME_LABEL, name);
  return { name, labels, source: r.source };
}
