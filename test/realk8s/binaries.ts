// Where the real control plane's binaries are, found as /work/shared/k8s/README.md (and
// controller-runtime's envtest) says: a directory named by KUBEBUILDER_ASSETS holding `etcd` and
// `kube-apiserver` (and `kube-scheduler`); else the xz-compressed copies in `../shared/k8s/` next to
// the repository, decompressed once into `.cache/k8s/` (git-ignored) and checked against their
// published sha256. Neither: the real-control-plane tests are skipped, saying why.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
const SHARED = resolve(ROOT, '..', 'shared', 'k8s');
const CACHE = join(ROOT, '.cache', 'k8s');

export interface Binaries {
  etcd: string;
  apiserver: string;
  /** Absent when KUBEBUILDER_ASSETS has no kube-scheduler. */
  scheduler: string | undefined;
  /** Where they came from, for the test's log. */
  origin: string;
}

/** The decompressed binaries' sha256, as ../shared/k8s/README.md publishes them. */
const SHA256: Record<string, string> = {
  'kube-apiserver': 'adf88a97b0319e5e7f3b7f61d18ccab41cbfa7ce34d1e9add0411f8d76ecb072',
  'kube-scheduler': '98f463682fbfef5027b4950aa16bb45b9c27974182af64b31178eeddc40e2ad4',
  etcd: 'a45de16600eafc57939b84013b0522c4670435471eb4073dd963d01e0eb5a217',
};

const executable = (p: string): boolean => {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
};

function sha256(file: string): Promise<string> {
  return new Promise((res, rej) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('end', () => res(h.digest('hex')))
      .on('error', rej);
  });
}

/** Decompress ../shared/k8s/NAME.xz into the cache unless it is there; atomic, so concurrent test files do not see half a file. */
async function fromShared(name: string): Promise<string> {
  const out = join(CACHE, name);
  if (executable(out)) return out;
  mkdirSync(CACHE, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const r = spawnSync('sh', ['-c', `xz -dc "$1" > "$2" && chmod +x "$2"`, 'sh', join(SHARED, `${name}.xz`), tmp], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(tmp, { force: true });
    throw new Error(`decompressing ${name}.xz failed: ${r.stderr || r.error?.message}`);
  }
  const sum = await sha256(tmp);
  if (sum !== SHA256[name]) {
    rmSync(tmp, { force: true });
    throw new Error(`${SHARED}/${name}.xz decompresses to sha256 ${sum}, not the published ${SHA256[name]}`);
  }
  renameSync(tmp, out);
  return out;
}

let found: Promise<Binaries | string> | undefined;

/** The binaries, or why there are none (a message for the skipped tests). */
export function findBinaries(): Promise<Binaries | string> {
  found ??= (async () => {
    const assets = process.env.KUBEBUILDER_ASSETS;
    if (assets) {
      const [etcd, apiserver, scheduler] = ['etcd', 'kube-apiserver', 'kube-scheduler'].map((n) => join(assets, n));
      if (!executable(etcd) || !executable(apiserver)) return `KUBEBUILDER_ASSETS=${assets} has no executable etcd and kube-apiserver`;
      return { etcd, apiserver, scheduler: executable(scheduler) ? scheduler : undefined, origin: `KUBEBUILDER_ASSETS=${assets}` };
    }
    if (!['etcd', 'kube-apiserver', 'kube-scheduler'].every((n) => existsSync(join(SHARED, `${n}.xz`))))
      return `no real control plane: set KUBEBUILDER_ASSETS, or provide ${SHARED}/{etcd,kube-apiserver,kube-scheduler}.xz`;
    const [etcd, apiserver, scheduler] = await Promise.all(['etcd', 'kube-apiserver', 'kube-scheduler'].map(fromShared));
    return { etcd, apiserver, scheduler, origin: `${SHARED} (decompressed into ${CACHE})` };
  })();
  return found;
}
