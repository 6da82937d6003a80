// Where a JSON text goes wrong. JSON.parse does not always say (and its wording changes between
// Node versions), so on failure this small validator finds the first bad offset and names it.
// It runs only after JSON.parse has already failed.

export interface JsonErrorAt {
  offset: number;
  message: string;
}

export function locateJsonError(text: string): JsonErrorAt | undefined {
  let i = 0;
  const fail = (message: string): never => {
    throw { offset: i, message } satisfies JsonErrorAt;
  };
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const peek = (): string => (i < text.length ? text[i]! : fail('unexpected end of input'));
  const describeChar = (c: string): string => `unexpected character ${JSON.stringify(c)}`;

  const str = (): void => {
    i++; // opening quote
    for (;;) {
      const c = peek();
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        i++;
        const e = peek();
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('invalid \\u escape');
          i += 5;
        } else if ('"\\/bfnrt'.includes(e)) i++;
        else fail(`invalid escape \\${e}`);
      } else if (c < ' ') fail('control character in string');
      else i++;
    }
  };
  const num = (): void => {
    const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '' || m[0] === '-') fail(describeChar(text[i]!));
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = peek();
    if (c === '{') {
      i++;
      ws();
      if (peek() === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (peek() !== '"') fail(`expected a property name, got ${JSON.stringify(peek())}`);
        str();
        ws();
        if (peek() !== ':') fail(`expected ':' after a property name, got ${JSON.stringify(peek())}`);
        i++;
        value();
        ws();
        const d = peek();
        i++;
        if (d === '}') return;
        if (d !== ',') {
          i--;
          fail(`expected ',' or '}', got ${JSON.stringify(d)}`);
        }
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (peek() === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        const d = peek();
        i++;
        if (d === ']') return;
        if (d !== ',') {
          i--;
          fail(`expected ',' or ']', got ${JSON.stringify(d)}`);
        }
      }
    }
    if (c === '"') return str();
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    if (c === '-' || (c >= '0' && c <= '9')) return num();
    fail(describeChar(c));
  };

  try {
    value();
    ws();
    if (i < text.length) fail(`unexpected ${JSON.stringify(text[i])} after the JSON value`);
    return undefined;
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'offset' in e) return e as JsonErrorAt;
    throw e;
  }
}
