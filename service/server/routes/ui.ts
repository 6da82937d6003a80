// The web console: static files built by `npm run build` (ui/build.mjs → dist/ui), served from
// memory. index.html is revalidated on every load (ETag, no-cache); the bundles it names carry a
// content hash in their file names, so they are cached for a year. Every asset comes from placer
// itself, and the Content-Security-Policy forbids loading anything from elsewhere.

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono } from 'hono';
import { takes } from '../query.js';
import { failure } from '../status.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

const SECURITY = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

interface Asset {
  body: Uint8Array;
  type: string;
  etag: string;
}

/** The package's dist/ui, from this file whether it runs compiled (dist/service/…) or as source. */
export function defaultUiDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'ui');
}

function load(dir: string): Map<string, Asset> | undefined {
  if (!existsSync(join(dir, 'index.html'))) return undefined;
  const out = new Map<string, Asset>();
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(path);
      else {
        const body = readFileSync(join(dir, path));
        out.set(path, {
          body,
          type: TYPES[extname(path)] ?? 'application/octet-stream',
          etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
        });
      }
    }
  };
  walk('');
  return out;
}

export function uiRoutes(dir: string = defaultUiDir()): Hono {
  const app = new Hono();
  let assets: Map<string, Asset> | undefined;
  const get = (): Map<string, Asset> | undefined => (assets ??= load(dir));

  app.get('/', takes(), (c) => c.redirect('/ui/', 302));
  app.get('/ui', takes(), (c) => c.redirect('/ui/', 301));
  app.get('/ui/*', takes(), (c) => {
    const files = get();
    if (!files) return c.json(failure(404, 'NotFound', `the web console is not built (no ${dir}/index.html): run npm run build`), 404);
    const rel = c.req.path.slice('/ui/'.length);
    // hash routes (#/namespaces …) never reach the server: only the page and its assets are here
    const name = rel === '' ? 'index.html' : rel;
    const a = files.get(name);
    if (!a) return c.json(failure(404, 'NotFound', `the server could not find the requested resource (GET ${c.req.path})`), 404);
    const hashed = name.startsWith('assets/');
    const headers: Record<string, string> = {
      ...SECURITY,
      'content-type': a.type,
      etag: a.etag,
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (c.req.header('if-none-match') === a.etag) return c.body(null, 304, headers);
    return c.body(a.body as Uint8Array<ArrayBuffer>, 200, headers);
  });

  return app;
}
