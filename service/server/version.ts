// What placer is: package.json's version and, when the build knew them, the git commit and the
// build date (dist/build-info.json, written by scripts/build-info.mjs). `placer --version` prints
// it; GET /version answers it in kube-apiserver's shape (k8s.io/apimachinery version.Info).

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit: string;
  gitTreeState: string;
  buildDate: string;
  /** kube-apiserver names its compiler (gc); placer runs on Node. */
  compiler: string;
  platform: string;
  nodeVersion: string;
}

/** The package root: the directory of package.json, from this file compiled (dist/service/…) or as source. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

function readJson(path: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

let cached: VersionInfo | undefined;

/** The version, read once: `major` and `minor` from package.json's semver, as kube-apiserver splits its own. */
export function versionInfo(): VersionInfo {
  if (cached) return cached;
  const root = packageRoot();
  const version = String(readJson(join(root, 'package.json')).version ?? '0.0.0');
  const build = readJson(join(root, 'dist', 'build-info.json'));
  const [major, minor] = version.split('.');
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  cached = {
    major,
    minor,
    gitVersion: `v${version}`,
    gitCommit: str(build.gitCommit),
    gitTreeState: str(build.gitTreeState),
    buildDate: str(build.buildDate),
    compiler: 'node',
    platform: `${process.platform}/${process.arch}`,
    nodeVersion: process.version,
  };
  return cached;
}

/** One line for `placer --version`: `placer v0.1.0 (commit 1a2b3c4d5e6f, clean, built 2026-12-05T22:00:00Z; node v20.20.2)`. */
export function versionLine(v: VersionInfo = versionInfo()): string {
  const build = [
    v.gitCommit ? `commit ${v.gitCommit.slice(0, 12)}` : 'commit unknown',
    ...(v.gitTreeState ? [v.gitTreeState] : []),
    ...(v.buildDate ? [`built ${v.buildDate}`] : []),
  ].join(', ');
  return `placer ${v.gitVersion} (${build}; node ${v.nodeVersion}, ${v.platform})`;
}
