// The architecture, checked: every source file belongs to a layer, a layer imports only the
// layers it lists (dependencies point inward: the model imports nothing, the engine only the
// model, …, the composition root and the CLI everything), and no file reaches itself through
// its imports (type-only imports count: a type is a dependency too). Run by `npm run lint`;
// test/unit/architecture.test.ts shows it failing on a tree that breaks both rules.
//
// Imports are read with TypeScript's own pre-processor (static, type-only, re-exports and
// dynamic import() alike). Written here rather than taken from a library: dependency-cruiser,
// which does both checks, needs Node 22, and ESLint's import plugins skip type-only imports in
// their cycle rule.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface Layer {
  name: string;
  /** Path prefixes (relative to the root, '/'-separated) of the layer's files. */
  paths: string[];
  /** Layers it may import besides itself. */
  imports: string[];
  /** Why the layer sits where it does, for the reader of a violation. */
  why: string;
}

/** Inner layers first. Files outside every layer (tests, benchmarks, scripts, the console) may import anything. */
export const LAYERS: Layer[] = [
  { name: 'model', paths: ['model/'], imports: [], why: 'the domain model: types, input errors, Quantity, selectors' },
  { name: 'engine', paths: ['core-wasm/src/'], imports: ['model'], why: 'the placement engine owns its model and nothing else' },
  { name: 'manifests', paths: ['service/manifests/'], imports: ['model'], why: 'Kubernetes manifests in, the model out' },
  {
    name: 'placement',
    paths: ['service/placement/'],
    imports: ['model', 'engine', 'manifests'],
    why: 'placement runs, plans and their documents over the engine',
  },
  {
    name: 'metrics',
    paths: ['service/metrics/'],
    imports: [],
    why: "plain-number metrics for the hot paths of the HTTP server and of Kubernetes mode, read by prom-client's registry",
  },
  {
    name: 'state',
    paths: ['service/state/'],
    imports: ['model', 'engine', 'manifests', 'placement'],
    why: "the service's state, store and use cases",
  },
  {
    name: 'server',
    paths: ['service/server/'],
    imports: ['model', 'engine', 'manifests', 'placement', 'state', 'metrics'],
    why: 'HTTP: the extender and the native API over the state',
  },
  {
    name: 'apiserver',
    paths: ['service/apiserver/'],
    imports: ['model', 'engine', 'manifests', 'placement', 'state', 'metrics'],
    why: 'Kubernetes mode: the API-server client mirroring into the state',
  },
  {
    name: 'root',
    paths: ['service/serve.ts'],
    imports: ['model', 'engine', 'manifests', 'placement', 'state', 'metrics', 'server', 'apiserver'],
    why: 'the composition root: wires the state, the HTTP server and Kubernetes mode',
  },
  {
    name: 'cli',
    paths: ['service/cli/'],
    imports: ['model', 'engine', 'manifests', 'placement', 'state', 'metrics', 'server', 'apiserver', 'root'],
    why: 'the command line, outermost',
  },
];

export interface Violation {
  kind: 'layer' | 'cycle';
  message: string;
}

const SOURCE = /\.(ts|tsx|mts|mjs|js)$/;
const SKIP = new Set(['node_modules', 'dist', 'build', '.git', 'data', 'artifacts']);

function sourceFiles(root: string, dir = root, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    if (SKIP.has(name) || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      // AssemblyScript is compiled on its own; its imports stay inside core-wasm/assembly.
      if (relative(root, p).split(sep).join('/') === 'core-wasm/assembly') continue;
      sourceFiles(root, p, out);
    } else if (SOURCE.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The file a relative specifier names (`./x.js` is `./x.ts` in the sources), or undefined. */
function resolveSpecifier(from: string, spec: string): string | undefined {
  const base = resolve(dirname(from), spec);
  const stem = base.replace(/\.(js|mjs)$/, '');
  for (const c of [`${stem}.ts`, `${stem}.tsx`, base, join(base, 'index.ts')]) if (existsSync(c) && statSync(c).isFile()) return c;
  return undefined;
}

/** Relative imports of a file, resolved: static, type-only, re-exports and dynamic import(). */
export function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  const out: string[] = [];
  for (const ref of info.importedFiles) {
    if (!ref.fileName.startsWith('.')) continue;
    const target = resolveSpecifier(file, ref.fileName);
    if (target) out.push(target);
  }
  return out;
}

function layerOf(rel: string, layers: readonly Layer[]): Layer | undefined {
  return layers.find((l) => l.paths.some((p) => (p.endsWith('/') ? rel.startsWith(p) : rel === p)));
}

/** Every layer violation and every import cycle (one per strongly connected component) under `root`. */
export function checkArchitecture(root: string, layers: readonly Layer[] = LAYERS): Violation[] {
  const files = sourceFiles(root);
  const rel = (f: string) => relative(root, f).split(sep).join('/');
  const graph = new Map<string, string[]>(files.map((f) => [f, importsOf(f)]));
  const violations: Violation[] = [];
  for (const [file, targets] of graph) {
    const from = layerOf(rel(file), layers);
    if (!from) continue;
    for (const t of targets) {
      const to = layerOf(rel(t), layers);
      if (!to || to === from || from.imports.includes(to.name)) continue;
      violations.push({
        kind: 'layer',
        message: `${rel(file)} (${from.name}: ${from.why}) imports ${rel(t)} (${to.name}); ${from.name} may import ${from.imports.join(', ') || 'nothing'}`,
      });
    }
  }
  for (const cycle of cycles(graph)) {
    violations.push({ kind: 'cycle', message: `import cycle: ${[...cycle, cycle[0]].map(rel).join(' → ')}` });
  }
  return violations;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next);
    next++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const scc: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const violations = checkArchitecture(root);
  for (const v of violations) console.error(v.message);
  if (violations.length > 0) {
    console.error(`${violations.length} architecture violation(s): see LAYERS in scripts/architecture.ts`);
    process.exit(1);
  }
}
