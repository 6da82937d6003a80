import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NumberLiteral } from '../../../service/manifests/fields.js';
import { listManifestFiles, loadPaths, parseText } from '../../../service/manifests/load.js';
import { parseManifests } from '../../../service/manifests/parse.js';
import { inputErrorOf, list, node, pod, yamlDocs } from '../../fixtures/k8s.js';

const where = (text: string, label = 'in.yaml'): string[] =>
  parseText(text, label).map(
    (m) => `${m.kind} ${(m.obj.metadata as { name: string }).name} @ ${m.source.file}#${m.source.doc}:${m.source.path}`,
  );

describe('documents', () => {
  it('splits multi-document YAML; an empty document is skipped but counted', () => {
    const text = `# cluster\n---\n${yamlDocs(node('a').obj(), pod('p').container().obj())}---\n# nothing here\n---\n${yamlDocs(node('b').obj())}---\n`;
    expect(where(text)).toEqual(['Node a @ in.yaml#0:', 'Pod p @ in.yaml#1:', 'Node b @ in.yaml#3:']);
  });

  it('reads a JSON object, a JSON array and List objects, with their paths', () => {
    expect(where(JSON.stringify(node('a').obj()), 'n.json')).toEqual(['Node a @ n.json#0:']);
    expect(where(JSON.stringify([node('a').obj(), list('List', [pod('p').obj(), pod('q').obj()])]), 'arr.json')).toEqual([
      'Node a @ arr.json#0:[0]',
      'Pod p @ arr.json#0:[1].items[0]',
      'Pod q @ arr.json#0:[1].items[1]',
    ]);
  });

  it('infers the kind of typed-list items that have none (PodList, NodeList)', () => {
    const bare = (o: Record<string, unknown>): Record<string, unknown> => {
      const { kind: _k, apiVersion: _a, ...rest } = o;
      return rest;
    };
    const text = yamlDocs(list('PodList', [bare(pod('p').container().obj())]), list('NodeList', [bare(node('n').obj())]));
    const ms = parseText(text, 'l.yaml');
    expect(ms.map((m) => [m.kind, m.apiVersion, m.source.path])).toEqual([
      ['Pod', 'v1', 'items[0]'],
      ['Node', 'v1', 'items[0]'],
    ]);
  });

  it('mixes YAML lists and objects in one stream', () => {
    const text = yamlDocs(list('List', [node('a').obj()]), pod('p').container().obj(), list('DeploymentList', [], 'apps/v1'));
    expect(where(text)).toEqual(['Node a @ in.yaml#0:items[0]', 'Pod p @ in.yaml#1:']);
  });

  it('keeps YAML 1.2 core-schema strings: on / yes / no stay strings', () => {
    const text =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {power: on, gpu: yes, ssd: no}}\nspec: {containers: [{name: c}], nodeSelector: {enabled: on}}\n';
    const [w] = parseManifests(parseText(text, 'p.yaml')).workloads;
    expect(Object.fromEntries(w!.labels)).toEqual({ power: 'on', gpu: 'yes', ssd: 'no' });
    expect(w!.nodeSelector.get('enabled')).toBe('on');
  });

  it('reads bare YAML numbers from their source text: no float rounding, no lost digits', () => {
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: p}',
      'spec:',
      '  containers:',
      '  - name: c',
      '    resources:',
      '      requests:',
      '        cpu: 1.0000000000000000001', // float64 would say 1
      '        memory: 123456789012345678', // beyond 2^53
      '        ephemeral-storage: 0x400', // YAML hex: 1024
    ].join('\n');
    const [w] = parseManifests(parseText(text, 'p.yaml')).workloads;
    expect(Object.fromEntries(w!.requests)).toEqual({
      cpu: 1001n, // 1.0000000000000000001 → 1000000001n → ceil to 1001m
      memory: 123_456_789_012_345_678n,
      'ephemeral-storage': 1024n,
    });
    const m = parseText(text, 'p.yaml')[0]!;
    const req = (m.obj.spec as { containers: { resources: { requests: Record<string, unknown> } }[] }).containers[0]!.resources.requests;
    expect(req.memory).toBeInstanceOf(NumberLiteral);
    expect((req.memory as NumberLiteral).source).toBe('123456789012345678');
  });

  it('accepts bare JSON numbers as quantities (`"cpu": 4`, `"cpu": 0.5`)', () => {
    const text = JSON.stringify(pod('p').container({ cpu: 0.5, memory: 1073741824 }).container({ cpu: 4 }).obj());
    expect(Object.fromEntries(parseManifests(parseText(text, 'p.json')).workloads[0]!.requests)).toEqual({
      cpu: 4500n,
      memory: 1073741824n,
    });
  });

  it('keeps long numbers exact in JSON too', () => {
    const obj = pod('p').container({ memory: 'X' }).obj();
    const text = JSON.stringify(obj).replace('"X"', '123456789012345678');
    const [w] = parseManifests(parseText(text, 'p.json')).workloads;
    expect(w!.requests.get('memory')).toBe(123_456_789_012_345_678n);
  });

  it('resolves anchors and merge keys', () => {
    const text = [
      'apiVersion: v1',
      'kind: Pod',
      'metadata: {name: p}',
      'spec:',
      '  containers:',
      '  - name: a',
      '    resources: &res {requests: {cpu: 250m}}',
      '  - name: b',
      '    resources:',
      '      <<: *res',
    ].join('\n');
    expect(parseManifests(parseText(text, 'p.yaml')).workloads[0]!.requests.get('cpu')).toBe(500n);
  });

  it('strips a byte-order mark', () => {
    expect(where(`\uFEFF${JSON.stringify(node('a').obj())}`, 'bom.json')).toEqual(['Node a @ bom.json#0:']);
  });
});

describe('bad documents', () => {
  it.each<[string, string, string]>([
    [
      'broken YAML',
      'apiVersion: v1\nkind: Node\nmetadata: {name: a}\n---\nkind: Pod\nspec: [1, 2\nx: 3\n',
      'in.yaml: document 2: line 7, column 1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    ['duplicate YAML keys', 'kind: Pod\nkind: Node\n', 'in.yaml: document 1: line 2, column 1: invalid YAML: Map keys must be unique'],
    ['broken JSON', '{"apiVersion": "v1",\n "kind": }', `in.yaml: document 1: line 2, column 10: invalid JSON: unexpected character "}"`],
    [
      'truncated JSON',
      '{"apiVersion": "v1",\n "kind": "Node"',
      `in.yaml: document 1: line 2, column 16: invalid JSON: unexpected end of input`,
    ],
    [
      'a missing comma in JSON',
      '[{"a": 1}\n {"b": 2}]',
      `in.yaml: document 1: line 2, column 2: invalid JSON: expected ',' or ']', got "{"`,
    ],
    ['no kind', 'apiVersion: v1\nmetadata: {name: a}\n', "in.yaml: document 1: kind: Object 'Kind' is missing"],
    ['no apiVersion', 'kind: Node\nmetadata: {name: a}\n', "in.yaml: document 1: apiVersion: Object 'apiVersion' is missing"],
    [
      'a List item without kind',
      JSON.stringify(list('List', [node('a').obj(), { metadata: { name: 'b' } }])),
      "in.yaml: document 1: items[1].kind: Object 'Kind' is missing",
    ],
    ['a scalar document', '--- 42\n', 'in.yaml: document 1: expected a Kubernetes object (a mapping with apiVersion and kind)'],
  ])('%s', (_name, text, message) => {
    expect(inputErrorOf(() => parseText(text, 'in.yaml'))).toBe(message);
  });
});

describe('files, directories and stdin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'placer-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'b', 'deeper'), { recursive: true });
  writeFileSync(join(dir, 'z-nodes.yaml'), yamlDocs(node('z').obj()));
  writeFileSync(join(dir, 'a.yml'), yamlDocs(node('a').obj()));
  writeFileSync(join(dir, 'b', 'pods.json'), JSON.stringify(list('List', [pod('p').container().obj()])));
  writeFileSync(join(dir, 'b', 'deeper', 'n.YAML'), yamlDocs(node('deep').obj()));
  writeFileSync(join(dir, 'b', 'README.md'), '# not a manifest');
  writeFileSync(join(dir, 'notes.txt'), 'not yaml: [');

  it('lists *.yaml, *.yml and *.json recursively, sorted by path', () => {
    expect(listManifestFiles(dir).map((f) => f.slice(dir.length + 1))).toEqual(['a.yml', 'b/deeper/n.YAML', 'b/pods.json', 'z-nodes.yaml']);
  });

  it('loads directories, files and stdin in the order given', async () => {
    const ms = await loadPaths([join(dir, 'b'), '-', join(dir, 'a.yml')], {
      readStdin: async () => yamlDocs(node('from-stdin').obj()),
    });
    expect(
      ms.map((m) => `${(m.obj.metadata as { name: string }).name} ${m.source.file.replace(dir, '<dir>')}#${m.source.doc}:${m.source.path}`),
    ).toEqual(['deep <dir>/b/deeper/n.YAML#0:', 'p <dir>/b/pods.json#0:items[0]', 'from-stdin -#0:', 'a <dir>/a.yml#0:']);
  });

  it('reads an explicitly named file whatever its extension', async () => {
    await expect(loadPaths([join(dir, 'notes.txt')])).rejects.toThrow(
      `${join(dir, 'notes.txt')}: document 1: line 1, column 12: invalid YAML`,
    );
  });

  it('names a missing path', async () => {
    await expect(loadPaths([join(dir, 'nope.yaml')])).rejects.toThrow(`${join(dir, 'nope.yaml')}: no such file or directory`);
  });
});
