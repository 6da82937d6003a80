// A pass over JSON text before it is parsed, for what JSON.parse lets through:
//
//   - nesting deeper than MAX_DEPTH (JSON.parse and every recursive reader after it would exhaust
//     the stack: 100,000 `[` is a crash, not an answer);
//   - a key given twice in one object (JSON.parse keeps the last silently; YAML refuses duplicate
//     keys, and the same document must not mean two things in the two syntaxes).
//
// It does not validate the syntax (JSON.parse does, and explains errors): on malformed text it
// stops at the first oddity without throwing.

/** Deeper objects are refused: no Kubernetes object nests near this. */
export const MAX_DEPTH = 256;

export interface ScanProblem {
  offset: number;
  message: string;
}

/** The first problem of `text`, or undefined. */
export function scanJson(text: string): ScanProblem | undefined {
  // per open container: the keys seen (an object) or null (an array)
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22 /* " */) {
      const end = stringEnd(text, i);
      if (end < 0) return undefined; // unterminated: JSON.parse says where
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        const raw = text.slice(i + 1, end);
        const key = raw.includes('\\') ? decode(raw) : raw;
        if (key !== undefined) {
          if (top.has(key)) return { offset: i, message: `duplicate key ${JSON.stringify(key)} in one object` };
          top.add(key);
        }
        expectKey = false;
      }
      i = end;
    } else if (ch === 0x7b /* { */ || ch === 0x5b /* [ */) {
      if (stack.length >= MAX_DEPTH) return { offset: i, message: `nested deeper than ${MAX_DEPTH} levels` };
      const obj = ch === 0x7b;
      stack.push(obj ? new Set() : null);
      expectKey = obj;
    } else if (ch === 0x7d /* } */ || ch === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (ch === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] !== null && stack.length > 0;
    }
  }
  return undefined;
}

/** The index of the quote closing the string opened at `start`; -1 when it is not closed. */
function stringEnd(text: string, start: number): number {
  let at = start + 1;
  for (;;) {
    const q = text.indexOf('"', at);
    if (q < 0) return -1;
    let backslashes = 0;
    for (let k = q - 1; k > start && text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return q;
    at = q + 1;
  }
}

function decode(raw: string): string | undefined {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}
