// ETags for the native API's reads: a GET answers 304 Not Modified when the client's
// If-None-Match names the current tag, without computing the answer. The tag is the store's
// commit count (every change of the state is a commit) with a per-process nonce, so a restarted
// server never matches an old tag; JSON and msgpack answers get different tags.

import { randomBytes } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { wantsMsgpack } from './body.js';

function matches(header: string | undefined, tag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  // weak comparison (RFC 9110 §8.8.3.2): W/ prefixes are ignored
  const bare = tag.replace(/^W\//, '');
  return header.split(',').some((t) => t.trim().replace(/^W\//, '') === bare);
}

/** `generation()` is undefined while the state is loading (the route answers 503 then). */
export function etags(generation: () => number | undefined): MiddlewareHandler {
  const nonce = randomBytes(6).toString('hex');
  return async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const gen = generation();
    if (gen === undefined) return next();
    const tag = `W/"${nonce}-${gen}-${wantsMsgpack(c) ? 'msgpack' : 'json'}"`;
    // Browsers revalidate before reusing a cached answer; Accept picks JSON or msgpack.
    const headers = { etag: tag, 'cache-control': 'no-cache', vary: 'Accept' };
    if (matches(c.req.header('if-none-match'), tag)) return c.body(null, 304, headers);
    await next();
    if (c.res.status !== 200 || generation() !== gen) return;
    for (const [k, v] of Object.entries(headers)) c.res.headers.set(k, v);
  };
}
