// What placer reads of a pod, as one string: two versions of a pod with the same string place the
// same (service/manifests/pod.ts reads metadata.name, namespace, uid, labels and ownerReferences,
// spec — its host, spec.nodeName, aside — and status.phase; nothing else). The watch delivers a
// new version for every write — a Binding, a status condition, a kubelet's report — and most of
// them change none of it: sync.ts compares this string instead of parsing the pod again.
//
// spec.nodeName is left out so that the version placer parsed while the pod was pending (to
// schedule or bind it) compares equal to the bound version the watch then shows; the host is
// compared on its own.

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The parts of `o` placer reads, as a comparable string (JSON: the API server's field order is stable per version of a field). */
export function podReads(o: Obj): string {
  const md = isObj(o.metadata) ? o.metadata : {};
  const spec = isObj(o.spec) ? o.spec : {};
  const st = isObj(o.status) ? o.status : {};
  const specWithoutHost: Obj = { ...spec };
  delete specWithoutHost.nodeName;
  return JSON.stringify([md.name, md.namespace, md.uid, md.labels, md.ownerReferences, specWithoutHost, st.phase]);
}
