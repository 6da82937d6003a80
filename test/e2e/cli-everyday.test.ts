// The real CLI for everyday use (issue #18): warnings on stderr and --strict, -n/-A, --version,
// Kubernetes durations in flags and help, and progress on a terminal (a pseudo-terminal made by
// `script` from util-linux) but never on a pipe.

import { spawnSync } from 'node:child_process';
import { builtCommit } from './build-info.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlacementResult } from '../../service/placement/result.js';
import { killAll, removeDirs, start, tempDir } from './server.js';
import { placer } from './cli-run.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'placer.js');
const dir = mkdtempSync(join(tmpdir(), 'placer-cli-everyday-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const NODE = 'apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {allocatable: {cpu: "8", memory: 32Gi, pods: "110"}}';
const POD = (ns: string, name: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: {containers: [{name: c, image: x, resources: {requests: {cpu: 100m}}}]}`;
const typo = file(
  'typo.yaml',
  [
    NODE,
    'apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web, namespace: a}\nspec: {replicas: 3}',
    'apiVersion: v1\nkind: Service\nmetadata: {name: s1, namespace: a}',
    'apiVersion: v1\nkind: Service\nmetadata: {name: s2, namespace: a}',
    'apiVersion: v1\nkind: Service\nmetadata: {name: s3, namespace: b}',
    POD('a', 'web-0'),
  ].join('\n---\n'),
);

describe('warnings (real process)', () => {
  it('examples/: nothing is ignored, so nothing is said', () => {
    const r = placer(['place', 'examples/']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('a typo in a kind and ignored kinds: one line per kind, one naming the file and document for the unknown kind; exit 0', () => {
    const r = placer(['place', typo]);
    expect(r.code).toBe(0);
    expect(r.stderr.split('\n')).toEqual([
      'warning: ignored 3 objects of kind Service (v1); placer does not read this kind',
      `warning: ${typo}: document 2: ignored an object of unknown kind Deploymnet (apps/v1) named a/web: neither placer, Kubernetes nor a CustomResourceDefinition in the input defines it (did you mean Deployment?)`,
      '',
    ]);
    expect(r.stdout).toContain('Placed 1/1 workloads');
  });

  it('--strict: the unknown kind is an error, exit 1, nothing placed or printed', () => {
    const r = placer(['place', typo, '--strict']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: --strict: objects of unknown kind, nothing was placed:');
    expect(r.stderr).toContain(`${typo}: document 2: ignored an object of unknown kind Deploymnet (apps/v1)`);
  });

  it('--strict takes a clean input as before', () => {
    expect(placer(['place', 'examples/', '--strict', '-o', 'json']).stdout).toBe(placer(['place', 'examples/', '-o', 'json']).stdout);
  });

  it('-o json carries the warnings in the PlacementResult, byte-identical across runs', () => {
    const a = placer(['place', typo, '-o', 'json']);
    const b = placer(['place', typo, '-o', 'json']);
    expect(a.stdout).toBe(b.stdout);
    const result = JSON.parse(a.stdout) as PlacementResult;
    expect(result.warnings).toEqual(
      a.stderr
        .trimEnd()
        .split('\n')
        .map((l) => l.replace(/^warning: /, '')),
    );
    expect(Object.keys(result).at(-1)).toBe('warnings');
  });

  it('serve --bootstrap says them too, before its table', async () => {
    const server = await start(tempDir(), ['--bootstrap', typo]);
    try {
      expect(server.stderr()).toContain('warning: ignored 3 objects of kind Service (v1); placer does not read this kind\n');
      expect(server.stderr()).toContain(`warning: ${typo}: document 2: ignored an object of unknown kind Deploymnet (apps/v1)`);
    } finally {
      killAll();
      removeDirs();
    }
  });

  it('drain over files warns too, and honours --strict', () => {
    expect(placer(['drain', 'n1', typo]).stderr).toContain('warning: ignored 3 objects of kind Service (v1)');
    const strict = placer(['drain', 'n1', typo, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toBe('');
  });
});

describe('-n/--namespace and -A/--all-namespaces (real process)', () => {
  const cluster = file('ns.yaml', [NODE, POD('a', 'p1'), POD('a', 'p2'), POD('b', 'q1')].join('\n---\n'));
  const names = (stdout: string) => (JSON.parse(stdout) as PlacementResult).placements.map((p) => `${p.namespace}/${p.name}`);

  it.each([
    { args: [], want: ['a/p1', 'a/p2', 'b/q1'] },
    { args: ['-n', 'a'], want: ['a/p1', 'a/p2'] },
    { args: ['--namespace', 'b'], want: ['b/q1'] },
    { args: ['-n', 'c'], want: [] },
    { args: ['-A'], want: ['a/p1', 'a/p2', 'b/q1'] },
    { args: ['-n', 'a', '-A'], want: ['a/p1', 'a/p2', 'b/q1'] },
  ])('place $args lists $want; the summary counts what is listed, utilization stays the cluster’s', ({ args, want }) => {
    const r = placer(['place', cluster, '-o', 'json', ...args]);
    expect(r.code).toBe(0);
    expect(names(r.stdout)).toEqual(want);
    const s = (JSON.parse(r.stdout) as PlacementResult).summary;
    expect(s.placed).toBe(want.length);
    expect(s.utilization.pods.requested).toBe('3');
  });

  it('the table lists only the namespace', () => {
    const r = placer(['place', cluster, '-n', 'b']);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual(['NAMESPACE   KIND   NAME   HOST', 'b           Pod    q1     n1', '']);
    expect(r.stdout).toContain('Placed 1/1 workloads on 1 of 1 hosts');
  });

  it('drain -n lists one namespace’s moves; the exit code is the whole drain’s', () => {
    const two = file('two.yaml', [NODE, NODE.replace('n1', 'n2'), POD('a', 'p1'), POD('b', 'q1')].join('\n---\n'));
    // MostAllocated packs both pods onto n1
    const all = JSON.parse(placer(['drain', 'n1', two, '-o', 'json', '--strategy', 'MostAllocated']).stdout) as {
      moves: { namespace: string }[];
    };
    const onlyB = placer(['drain', 'n1', two, '-o', 'json', '--strategy', 'MostAllocated', '-n', 'b']);
    const b = JSON.parse(onlyB.stdout) as { moves: { namespace: string }[]; summary: { moves: number } };
    expect(all.moves.length).toBe(2);
    expect(b.moves.map((m) => m.namespace)).toEqual(['b']);
    expect(b.summary.moves).toBe(1);
    expect(onlyB.code).toBe(0);
  });

  it('a namespace that is not a DNS-1123 label is refused', () => {
    const r = placer(['place', cluster, '-n', 'Not_A_Namespace']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('a namespace name must be a DNS-1123 label');
  });
});

describe('--version and durations (real process)', () => {
  it('placer --version and placer version print the package version and the build commit', () => {
    const pkg = (JSON.parse(spawnSync('cat', [join(root, 'package.json')], { encoding: 'utf8' }).stdout) as { version: string }).version;
    // the commit npm run build recorded: one of this repository's (HEAD when nothing was committed since)
    const built = builtCommit();
    const v = placer(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(new RegExp(`^placer v${pkg.replace(/\./g, '\\.')} \\(commit [0-9a-f]{12}`));
    if (built) expect(v.stdout).toContain(`commit ${built.slice(0, 12)}`);
    expect(placer(['version']).stdout).toBe(v.stdout);
    const json = JSON.parse(placer(['version', '-o', 'json']).stdout) as Record<string, string>;
    expect(json).toMatchObject({ major: pkg.split('.')[0], minor: pkg.split('.')[1], gitVersion: `v${pkg}` });
  });

  it('serve --help gives every duration flag a Kubernetes duration default', () => {
    const help = placer(['serve', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toContain(
      '--shutdown-grace-period <duration> on SIGTERM, how long requests in flight may take to finish before their connections are closed; a duration such as 15s, 2m or 1h30m (default: 10s)',
    );
    expect(help).not.toMatch(/<duration> [^(]*\(default: \d+\)/);
  });

  it.each([
    ['15000', 'expected a duration such as 15s, 500ms, 2m or 1h30m'],
    ['-1s', 'expected a positive duration'],
  ])('--shutdown-grace-period %s is refused before anything starts', (value, message) => {
    const r = placer(['serve', '--data-dir', '/nonexistent/placer', '--shutdown-grace-period', value]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
  });
});

describe('progress (real process)', () => {
  // 150,000 replicas on 300 hosts: a placement long enough that the bar shows at once
  const hosts = Array.from({ length: 300 }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `h${i}` },
    status: { allocatable: { cpu: '64', memory: '256Gi', pods: '1000' } },
  }));
  const big = file(
    'big.json',
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [
        ...hosts,
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'big', namespace: 'a' },
          spec: {
            replicas: 150_000,
            selector: { matchLabels: { app: 'big' } },
            template: {
              metadata: { labels: { app: 'big' } },
              spec: { containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
            },
          },
        },
      ],
    }),
  );

  it('on a terminal: a bar for placing and writing on stderr, cleared at the end; stdout unchanged', () => {
    const out = join(dir, 'tty-out.txt');
    const r = spawnSync('script', ['-qfec', `${process.execPath} ${bin} place ${big} -o json > ${out}`, '/dev/null'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(0);
    const screen = r.stdout;
    expect(screen).toMatch(/placer: placing +\[[=-]+\] \d+% [\d,]+\/150,000 workloads/);
    expect(screen).toMatch(/placer: writing +\[[=-]+\] \d+% [\d,]+\/150,000 entries/);
    expect(screen).toContain('\u001b[2K'); // the line is cleared at the end
    const piped = placer(['place', big, '-o', 'json']);
    expect(spawnSync('cat', [out], { encoding: 'utf8', maxBuffer: 256 << 20 }).stdout).toBe(piped.stdout);
  });

  it('on a pipe: nothing on stderr', () => {
    const r = placer(['place', big]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Placed 150000/150000 workloads');
  });

  // "Short" is below the threshold, which the test raises: on a loaded machine the small run itself
  // can last over the default second. The examples have no stage large enough to show at once.
  it('on a terminal, a short run shows nothing', () => {
    const r = spawnSync('script', ['-qfec', `${process.execPath} ${bin} place examples/ > /dev/null`, '/dev/null'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PLACER_PROGRESS_AFTER_MS: '60000' },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
  });
});
