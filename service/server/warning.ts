// Warnings as the Kubernetes API sends them: one `Warning: 299 - "<text>"` response header each
// (RFC 7234 §5.5 warn-code 299, "miscellaneous persistent warning"; kubectl prints the text).

/** Headers longer than this are cut with `…` (the API server also bounds its warnings). */
const MAX_TEXT = 4096;

/**
 * The header value for one warning: the text quoted (`"` and `\` escaped), control characters
 * as spaces, and characters beyond ASCII as their UTF-8 bytes — what a Go server sends, since a
 * Node header value holds only bytes.
 */
export function warningHeader(text: string): string {
  let t = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text;
  t = [...t].map((ch) => (ch < ' ' || ch === '\u007f' ? ' ' : ch === '"' || ch === '\\' ? `\\${ch}` : ch)).join('');
  return `299 - "${Buffer.from(t, 'utf8').toString('latin1')}"`;
}

/** The texts of a `Warning` header as a client reads it (values joined by `, `); the tests read them back. */
export function warningTexts(header: string | null): string[] {
  return [...(header ?? '').matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)].map((m) =>
    Buffer.from(m[1].replace(/\\(.)/g, '$1'), 'latin1').toString('utf8'),
  );
}
