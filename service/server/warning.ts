// Warnings as the Kubernetes API sends them: one `Warning: 299 - "<text>"` response header each
// (RFC 7234 §5.5 warn-code 299, "miscellaneous persistent warning"; kubectl prints the text).

/** Texts longer than this are cut with `...` in the header (the API server also bounds its warnings). */
const MAX_TEXT = 4096;

/**
 * The header value for one warning: the text quoted, `"` and `\` escaped, control characters as
 * spaces, and characters beyond ASCII as `\uXXXX` (a header value is bytes, and Node and the
 * Fetch API disagree about which; the body's `warnings` keeps the text as it is).
 */
export function warningHeader(text: string): string {
  const t = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}...` : text;
  let out = '';
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) out += ' ';
    else if (c === 0x22 || c === 0x5c) out += `\\${t[i]}`;
    else if (c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += t[i];
  }
  return `299 - "${out}"`;
}

/** The texts of a `Warning` header as a client reads it (values joined by `, `); the tests read them back. */
export function warningTexts(header: string | null): string[] {
  return [...(header ?? '').matchAll(/299 - "((?:[^"\\]|\\.)*)"/g)].map((m) =>
    m[1].replace(/\\(u[0-9a-f]{4}|.)/g, (_, e: string) => (e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : e)),
  );
}
