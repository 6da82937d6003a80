// Writes dist/build-info.json: the git commit the build was made from, whether the tree had
// changes, and when — what `placer --version` and GET /version report besides package.json's
// version (service/server/version.ts). Outside a git checkout the commit is unknown (empty).
// `npm run build` runs this.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const git = (...args) => {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
};
const commit = git('rev-parse', 'HEAD') ?? '';
const status = commit === '' ? undefined : git('status', '--porcelain', '--untracked-files=no');
const info = {
  gitCommit: commit,
  gitTreeState: status === undefined ? '' : status === '' ? 'clean' : 'dirty',
  buildDate: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
};
mkdirSync(join(root, 'dist'), { recursive: true });
writeFileSync(join(root, 'dist', 'build-info.json'), JSON.stringify(info, null, 2) + '\n');
