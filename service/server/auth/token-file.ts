// Static bearer tokens in kube-apiserver's --token-auth-file format: one CSV record a line,
// `token,user,uid,"group1,group2"` (the groups column optional, further columns ignored), read at
// start and again whenever the file changes. A file that no longer parses keeps the tokens read
// before (and says why in the log), so a half-written file never locks everyone out.

import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { InputError } from '../../../model/errors.js';
import { bearerToken, type Authentication, type Authenticator, type Credentials, type UserInfo } from './identity.js';
import { watchFiles } from './watch.js';

/** One CSV record: fields separated by commas, a quoted field may hold commas and "" for a quote. */
function csvFields(line: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return undefined; // an unterminated quote
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') return undefined;
    } else {
      const end = line.indexOf(',', i);
      field = line.slice(i, end < 0 ? line.length : end);
      i = end < 0 ? line.length : end;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}

/** The tokens of a token file's text; throws an InputError naming the file and line of a bad record. */
export function parseTokens(text: string, file: string): Map<string, UserInfo> {
  const tokens = new Map<string, UserInfo>();
  const bad = (n: number, why: string): InputError => new InputError(undefined, '', `${file}: line ${n}: ${why}`);
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const fields = csvFields(line);
    if (!fields) throw bad(i + 1, 'not a CSV record (an unterminated quote?)');
    if (fields.length < 3) throw bad(i + 1, `expected at least 3 columns (token, user name, user uid), found ${fields.length}`);
    const [token, name, uid, groups] = fields;
    if (token === '' || name === '') throw bad(i + 1, 'the token and the user name must not be empty');
    if (tokens.has(token)) throw bad(i + 1, `the token of user ${JSON.stringify(name)} is already given to another user`);
    const user: UserInfo = { name, groups: (groups ?? '').split(',').filter((g) => g !== '') };
    if (uid !== '') user.uid = uid;
    tokens.set(token, user);
  });
  return tokens;
}

export class TokenFile implements Authenticator {
  private tokens: Map<string, UserInfo>;
  private unwatch: (() => void) | undefined;

  /** Read `file` (an InputError when it does not parse). */
  constructor(readonly file: string) {
    this.tokens = TokenFile.read(file);
  }

  private static read(file: string): Map<string, UserInfo> {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new InputError(undefined, '', `cannot read the token file ${file}: ${(err as Error).message}`);
    }
    return parseTokens(text, file);
  }

  /** Re-read the file whenever it changes, until stop(). */
  watch(logger: Logger, intervalMs?: number): void {
    this.unwatch = watchFiles(
      [this.file],
      () => {
        try {
          this.tokens = TokenFile.read(this.file);
          logger.info({ file: this.file, users: this.tokens.size }, 'token file re-read');
        } catch (err) {
          logger.warn({ file: this.file, err: (err as Error).message }, 'token file not re-read; the tokens read before stay');
        }
      },
      intervalMs,
    );
  }

  stop(): void {
    this.unwatch?.();
  }

  authenticate({ authorization }: Credentials): Authentication {
    const token = bearerToken(authorization);
    if (token === undefined) return undefined;
    const user = this.tokens.get(token);
    return user ? { user } : { error: 'the bearer token is not valid' };
  }
}
