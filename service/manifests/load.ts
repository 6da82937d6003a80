// Reading manifests: files, directories (recursively, *.yaml|*.yml|*.json, sorted by path), stdin
// (`-`) and in-memory text (HTTP bodies). A source may hold multi-document YAML, a JSON object,
// a JSON array, or List objects (`kind: List`, `NodeList`, `kubectl get ... -o json` output), in
// any mix. The result is a flat list of objects, each with the place it came from.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isScalar, LineCounter, parseAllDocuments, visit } from 'yaml';
import { InputError, joinPath } from '../../model/errors.js';
import type { SourceRef } from '../../model/types.js';
import { childPath, isPlainObject, NumberLiteral } from './fields.js';
import { locateJsonError } from './jsonerror.js';
import { scanJson } from './jsonscan.js';

/** One Kubernetes object read from a source. `obj` is the decoded document, untouched. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  obj: Record<string, unknown>;
  source: SourceRef;
}

const MANIFEST_EXT = /\.(ya?ml|json)$/i;

/** Every manifest file under `dir`, recursively, sorted by path (byte order, as `ls` in C locale). */
export function listManifestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && MANIFEST_EXT.test(name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface LoadOptions {
  /** Reads standard input for `-`; defaults to process.stdin. */
  readStdin?: () => Promise<string>;
  /** Called after each source is parsed, with its size in bytes (the CLI's progress). */
  onSource?: (bytes: number) => void;
}

/** Load every path in order: a file, a directory, or `-` for stdin. */
export async function loadPaths(paths: readonly string[], opts: LoadOptions = {}): Promise<Manifest[]> {
  const out: Manifest[] = [];
  for (const p of paths) {
    if (p === '-') {
      const text = await (opts.readStdin ?? readProcessStdin)();
      out.push(...parseText(text, '-'));
      opts.onSource?.(Buffer.byteLength(text));
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InputError(undefined, '', `${p}: no such file or directory`);
    }
    const files = st.isDirectory() ? listManifestFiles(p) : [p];
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      out.push(...parseText(text, f));
      opts.onSource?.(Buffer.byteLength(text));
    }
  }
  return out;
}

async function readProcessStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Parse one source's text (`label` names it in errors: a path, `-`, `request body`). JSON (text
 * starting with `{` or `[`, whatever the file is called) takes the JSON.parse fast path, and is
 * re-read as YAML only when it holds numbers JSON.parse would round; everything else is YAML
 * (1.2 core schema: `on`/`yes` stay strings; integers are exact; `<<` merge keys work).
 */
export function parseText(text: string, label: string): Manifest[] {
  try {
    return parseSource(text, label);
  } catch (e) {
    // a nesting the checks below let through (YAML's, or JSON.parse's own) exhausts the stack
    if (e instanceof RangeError)
      throw new InputError({ file: label, doc: 0, path: '' }, '', `invalid ${/^\s*[{[]/.test(text) ? 'JSON' : 'YAML'}: nested too deeply`);
    throw e;
  }
}

function parseSource(text: string, label: string): Manifest[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const out: Manifest[] = [];
  if (/^\s*[{[]/.test(text)) {
    const problem = scanJson(text);
    if (problem)
      throw new InputError({ file: label, doc: 0, path: '' }, '', `${lineCol(text, problem.offset)}: invalid JSON: ${problem.message}`);
    const value = parseJson(text, label);
    // JSON.parse rounds long numbers to float64; YAML (a superset of JSON) keeps their text
    const exact = LONG_NUMBER.test(text) ? exactJson(text, label, value) : value;
    collect(exact, { file: label, doc: 0 }, '', out, undefined);
    return out;
  }
  const docs = parseYamlDocuments(text, label);
  docs.forEach((value, doc) => collect(value, { file: label, doc }, '', out, undefined));
  return out;
}

function exactJson(text: string, label: string, fallback: unknown): unknown {
  try {
    return parseYamlDocuments(text, label)[0];
  } catch {
    return fallback; // JSON that YAML does not take (tab indentation): keep JSON.parse's reading
  }
}

/** A bare JSON number with more digits than a float64 holds exactly. */
const LONG_NUMBER = /[:,[]\s*-?(?:\d[\d.]{15,}|\.\d{15,})/;

function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const at = locateJsonError(text);
    const detail = at ? `${lineCol(text, at.offset)}: invalid JSON: ${at.message}` : `invalid JSON: ${(e as Error).message}`;
    throw new InputError({ file: label, doc: 0, path: '' }, '', detail);
  }
}

function lineCol(text: string, pos: number): string {
  let line = 1;
  let col = 1;
  for (let i = 0; i < pos && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      col = 1;
    } else col++;
  }
  return `line ${line}, column ${col}`;
}

/** Every YAML document as plain data; numbers become NumberLiteral (value + source text). */
function parseYamlDocuments(text: string, label: string): unknown[] {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { intAsBigInt: true, merge: true, prettyErrors: false, lineCounter });
  if (!Array.isArray(docs)) return []; // an empty stream
  return docs.map((d, i) => {
    const err = d.errors[0];
    if (err) {
      const { line, col } = lineCounter.linePos(err.pos[0]);
      throw new InputError({ file: label, doc: i, path: '' }, '', `line ${line}, column ${col}: invalid YAML: ${err.message}`);
    }
    visit(d, {
      Scalar(key, node) {
        if (key === 'key' || !isScalar(node)) return;
        const v = node.value;
        if (typeof v === 'number' || typeof v === 'bigint') {
          node.value = new NumberLiteral(v, (node as { source?: string }).source ?? String(v));
        }
      },
    });
    try {
      return d.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      // an alias without its anchor, or more aliases than maxAliasCount (a "billion laughs"): the yaml library throws here
      if (e instanceof RangeError) throw e;
      throw new InputError({ file: label, doc: i, path: '' }, '', `invalid YAML: ${(e as Error).message}`);
    }
  });
}

/** `NodeList` → `Node`; `List` carries arbitrary kinds, so it infers nothing. */
function itemKindOf(listKind: string): string | undefined {
  return listKind === 'List' ? undefined : listKind.slice(0, -'List'.length);
}

function collect(
  value: unknown,
  at: { file: string; doc: number },
  path: string,
  out: Manifest[],
  inherited: { kind?: string; apiVersion?: string } | undefined,
): void {
  const source: SourceRef = { file: at.file, doc: at.doc, path };
  if (value === null || value === undefined) return; // an empty document, as kubectl skips it
  if (Array.isArray(value)) {
    value.forEach((v, i) => collect(v, at, joinPath(path, `[${i}]`), out, inherited));
    return;
  }
  if (!isPlainObject(value)) {
    throw new InputError(source, '', 'expected a Kubernetes object (a mapping with apiVersion and kind)');
  }
  const kind = stringField(value, 'kind', source) ?? inherited?.kind;
  const apiVersion = stringField(value, 'apiVersion', source) ?? inherited?.apiVersion;
  if (!kind) throw new InputError(source, 'kind', "Object 'Kind' is missing");
  const listLike = Array.isArray(value.items) || (value.items == null && !('spec' in value));
  if (kind.endsWith('List') && listLike) {
    const items = (value.items ?? []) as unknown[];
    const itemKind = itemKindOf(kind);
    items.forEach((item, i) =>
      collect(item, at, joinPath(path, childPath('items', i)), out, itemKind ? { kind: itemKind, apiVersion } : undefined),
    );
    return;
  }
  if (!apiVersion) throw new InputError(source, 'apiVersion', "Object 'apiVersion' is missing");
  out.push({ apiVersion, kind, obj: value, source });
}

function stringField(obj: Record<string, unknown>, key: string, source: SourceRef): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new InputError(source, key, `Invalid value: ${String(v)}: must be a string`);
  return v;
}
