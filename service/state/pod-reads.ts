// What placer reads of a pod, as one string: two versions of a pod with the same string place the
// same (service/manifests/pod.ts reads metadata.name, namespace, uid, labels and ownerReferences,
// spec — its host, spec.nodeName, aside — and status.phase; nothing else). The watch delivers a
// new version for every write — a Binding, a status condition, a kubelet's report — and most of
// them change none of it: sync.ts compares this string instead of parsing the pod again.
//
// spec.nodeName is left out so that the version placer parsed while the pod was pending (to
// schedule or bind it) compares equal to the bound version the watch then shows; the host is
// compared on its own.
//
// One version of a pod is read up to three times (the extender's filter, the bind's pending pod
// from the watch, the watch's own comparison): the string is kept per uid and resourceVersion —
// the API server gives every write of an object a new resourceVersion, so one uid at one version
// is one content. A pod without either is read every time.

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Versions whose string is kept (the oldest leaves first): the pods in flight between filter and bind, and more. */
const KEPT_VERSIONS = 4096;
const kept = new Map<string, string>();

/** The parts of `o` placer reads, as a comparable string (JSON: the API server's field order is stable per version of a field). */
export function podReads(o: Obj): string {
  const md = isObj(o.metadata) ? o.metadata : {};
  const version =
    typeof md.uid === 'string' && md.uid !== '' && typeof md.resourceVersion === 'string' && md.resourceVersion !== ''
      ? `${md.uid}@${md.resourceVersion}`
      : undefined;
  if (version !== undefined) {
    const hit = kept.get(version);
    if (hit !== undefined) return hit;
  }
  const spec = isObj(o.spec) ? o.spec : {};
  const st = isObj(o.status) ? o.status : {};
  const specWithoutHost: Obj = { ...spec };
  delete specWithoutHost.nodeName;
  const reads = JSON.stringify([md.name, md.namespace, md.uid, md.labels, md.ownerReferences, specWithoutHost, st.phase]);
  if (version !== undefined) {
    kept.set(version, reads);
    if (kept.size > KEPT_VERSIONS) kept.delete(kept.keys().next().value!);
  }
  return reads;
}

/** Whether two JSON values stringify alike: the same keys in the same order, the same values. */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  return sameMembers(a as Obj, b as Obj, undefined);
}

/** Whether two objects have the same members in the same order, `skip` aside. */
function sameMembers(a: Obj, b: Obj, skip: string | undefined): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  let i = 0;
  let j = 0;
  for (;;) {
    if (i < ka.length && ka[i] === skip) i++;
    if (j < kb.length && kb[j] === skip) j++;
    if (i === ka.length || j === kb.length) return i === ka.length && j === kb.length;
    if (ka[i] !== kb[j] || !jsonEqual(a[ka[i]], b[kb[j]])) return false;
    i++;
    j++;
  }
}

/**
 * Whether what placer reads of pod `b` is what it reads of pod `a` (podReads(a) === podReads(b)),
 * found by comparing the parts podReads writes instead of writing them: true only when the
 * strings are equal (false may still be equal strings: compare those then). The watch's echo of a
 * pod placer bound differs from the version it bound in spec.nodeName and the metadata podReads
 * leaves out.
 */
export function sameReads(a: Obj, b: Obj): boolean {
  const ma = isObj(a.metadata) ? a.metadata : {};
  const mb = isObj(b.metadata) ? b.metadata : {};
  if (!jsonEqual(ma.name, mb.name) || !jsonEqual(ma.namespace, mb.namespace) || !jsonEqual(ma.uid, mb.uid)) return false;
  if (!jsonEqual(ma.labels, mb.labels) || !jsonEqual(ma.ownerReferences, mb.ownerReferences)) return false;
  const sa = isObj(a.status) ? a.status : {};
  const sb = isObj(b.status) ? b.status : {};
  if (!jsonEqual(sa.phase, sb.phase)) return false;
  return sameMembers(isObj(a.spec) ? a.spec : {}, isObj(b.spec) ? b.spec : {}, 'nodeName');
}
