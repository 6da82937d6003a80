import type { SourceRef } from './types.js';

/**
 * Bad input, named precisely: the file, the document (1-based in messages, as a human counts),
 * the object, and the field path inside the document, e.g.
 *   examples/cluster.yaml: document 4 (Pod team-a/web): spec.containers[0].resources.requests.cpu:
 *     quantities must match the regular expression ...
 * The CLI prints it and exits non-zero; the API answers 422 with the field path in `details.causes`.
 */
export class InputError extends Error {
  readonly source: SourceRef | undefined;
  /** Field path relative to the document root (already includes `source.path` when one is set). */
  readonly field: string;
  readonly detail: string;
  readonly object: string | undefined;

  constructor(source: SourceRef | undefined, field: string, detail: string, object?: string) {
    const full = joinPath(source?.path ?? '', field);
    super(formatInputError(source, full, detail, object));
    this.name = 'InputError';
    this.source = source;
    this.field = full;
    this.detail = detail;
    this.object = object;
  }
}

export function joinPath(prefix: string, field: string): string {
  if (!prefix) return field;
  if (!field) return prefix;
  return field.startsWith('[') ? prefix + field : `${prefix}.${field}`;
}

function formatInputError(source: SourceRef | undefined, field: string, detail: string, object?: string): string {
  const parts: string[] = [];
  if (source) {
    parts.push(source.file);
    parts.push(`document ${source.doc + 1}${object ? ` (${object})` : ''}`);
  } else if (object) {
    parts.push(object);
  }
  if (field) parts.push(field);
  parts.push(detail);
  return parts.join(': ');
}
