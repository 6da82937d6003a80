// Request bodies: size limits (checked on Content-Length first, then while streaming), content
// types, JSON / YAML / msgpack decoding, and msgpack answers for clients that ask with Accept.

import { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { Packr } from 'msgpackr';
import { StatusError, badRequest } from './status.js';

/** Body limits in bytes. The extender's Nodes mode carries every candidate Node object. */
export interface BodyLimits {
  /** ExtenderArgs with 5,000 full Node objects (status, images, managedFields: ~25 KiB each) fit. */
  extender: number;
  /** POST /v1/apply: manifests. */
  apply: number;
  /** Everything else (no route but those two reads a body). */
  other: number;
}

export const DEFAULT_LIMITS: BodyLimits = {
  extender: 256 * 1024 * 1024,
  apply: 16 * 1024 * 1024,
  other: 64 * 1024,
};

export const MSGPACK_TYPES = ['application/vnd.msgpack', 'application/msgpack', 'application/x-msgpack'];
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml', 'application/apply-patch+yaml'];

export const packr = new Packr({ useRecords: false, mapsAsObjects: true });

export type BodyKind = 'json' | 'yaml' | 'msgpack' | 'unspecified';

function mediaType(c: Context): string | undefined {
  const h = c.req.header('content-type');
  if (h === undefined || h.trim() === '') return undefined;
  return h.split(';')[0].trim().toLowerCase();
}

export function bodyKind(c: Context, allowed: readonly BodyKind[]): BodyKind {
  const t = mediaType(c);
  let kind: BodyKind | undefined;
  if (t === undefined) kind = 'unspecified';
  else if (t === 'application/json' || t.endsWith('+json')) kind = 'json';
  else if (YAML_TYPES.includes(t)) kind = 'yaml';
  else if (MSGPACK_TYPES.includes(t)) kind = 'msgpack';
  if (kind === undefined || !allowed.includes(kind)) {
    const supported = allowed.flatMap((k) =>
      k === 'json' ? ['application/json'] : k === 'yaml' ? ['application/yaml'] : k === 'msgpack' ? MSGPACK_TYPES : [],
    );
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format ${JSON.stringify(t)}; accepted media types include: ${supported.join(', ')}`,
    );
  }
  return kind;
}

export function tooLarge(limit: number): StatusError {
  return new StatusError(413, 'RequestEntityTooLarge', `the request body is larger than the ${limit} bytes this endpoint accepts`);
}

/** The whole body, at most `limit` bytes. */
export async function readBody(c: Context, limit: number): Promise<Uint8Array> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > limit) throw tooLarge(limit);
  // Served by @hono/node-server: read Node's request stream itself (a web ReadableStream over it
  // costs more than the extender's whole answer). app.request() in tests takes the other path.
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming instanceof IncomingMessage && !incoming.readableDidRead && !c.req.raw.bodyUsed) return readIncoming(incoming, limit);
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const ch of chunks) {
    out.set(ch, at);
    at += ch.byteLength;
  }
  return out;
}

/** Collect a Node request body, at most `limit` bytes (what is left is drained by @hono/node-server). */
function readIncoming(incoming: IncomingMessage, limit: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };
    const onClose = () => {
      if (incoming.readableEnded) return onEnd();
      cleanup();
      reject(new Error('the client closed the connection before the request body was complete'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw badRequest('the request body is not valid UTF-8');
  }
}

/** A JSON body (the extender's): a syntax error is 400 with the position. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  const text = utf8(bytes);
  if (text.trim() === '') throw badRequest('the request body is empty');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
}

export function unpackBody(bytes: Uint8Array): unknown {
  if (bytes.byteLength === 0) throw badRequest('the request body is empty');
  try {
    return packr.unpack(bytes);
  } catch (e) {
    throw badRequest(`the request body is not valid msgpack: ${(e as Error).message}`);
  }
}

/** Does the client prefer msgpack (Accept names a msgpack type)? */
export function wantsMsgpack(c: Context): boolean {
  const accept = c.req.header('accept');
  if (!accept) return false;
  return accept
    .split(',')
    .map((p) => p.split(';')[0].trim().toLowerCase())
    .some((t) => MSGPACK_TYPES.includes(t));
}

/** Answer JSON, or msgpack when the client asked for it. */
export function reply(c: Context, body: unknown, status: 200 | 201 = 200): Response {
  if (wantsMsgpack(c)) {
    return c.body(new Uint8Array(packr.pack(body)), status, { 'content-type': 'application/vnd.msgpack' });
  }
  return c.json(body, status);
}
