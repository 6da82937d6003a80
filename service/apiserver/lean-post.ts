// Small POSTs on kept-alive connections of their own, written and read without node:http: the
// Bindings (scheduler mode's, the extender's) and Events, thousands a second. Against the real API
// server this path spends about a third of the CPU per request that node:https or undici's Pool
// spend (BENCHMARKS.md), and on a small machine the CPU placer spends is taken from the API server.
//
// HTTP/1.1 as the API server speaks it: one request in flight per connection; the answer framed by
// Content-Length, chunked, or (neither) by the end of the connection; `Connection: close`, an
// answer that ends early or bytes past its end close the connection. Every request has a
// deadline: missed, its connection is closed and the idle ones with it — they may be dead the same
// way (client.ts does the same). Idle connections close after `idleMs`. A request is never sent
// twice: a connection that fails under it rejects it, and the caller knows whether sending it
// again is safe (a Binding is: the API server refuses a second one with 409).

import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';

export interface LeanAnswer {
  code: number;
  /** The body, decoded as UTF-8. */
  text: string;
}

export interface LeanEndpoint {
  secure: boolean;
  /** Host name or address (an IPv6 address without brackets). */
  host: string;
  port: number;
}

/** The TLS options a connection is opened with (those KubeClient's credentials carry, and the secure context made of them). */
export type LeanTls = Pick<ConnectionOptions, 'ca' | 'cert' | 'key' | 'secureContext' | 'rejectUnauthorized' | 'servername'>;

/** A kept-alive connection waiting for the next request. */
interface IdleConnection {
  socket: Socket;
  timer: NodeJS.Timeout;
  /** Take it out of the idle list's watch: its timer and listeners. */
  leave: () => void;
}

/** Idle connections kept at most; more are closed as they come free. */
const MAX_IDLE = 64;

const CRLF = 0x0d0a;

/** The blank line that ends a head, as bytes: a string needle is encoded again on every search. */
const BLANK_LINE = Buffer.from('\r\n\r\n', 'latin1');

/** Where the head ends (the index past its blank line), or -1. */
function headEnd(b: Buffer): number {
  const at = b.indexOf(BLANK_LINE);
  return at < 0 ? -1 : at + 4;
}

/** The decoded body of a chunked answer starting at `from`, with where it ends; null while incomplete. */
function dechunk(b: Buffer, from: number): { body: Buffer; end: number } | null {
  const parts: Buffer[] = [];
  let at = from;
  for (;;) {
    const line = b.indexOf('\r\n', at, 'latin1');
    if (line < 0) return null;
    const size = parseInt(b.toString('latin1', at, line).split(';')[0].trim(), 16);
    if (!Number.isFinite(size) || size < 0) throw new Error('the API server sent a malformed chunked answer');
    at = line + 2;
    if (size === 0) {
      // trailers, then the blank line
      for (;;) {
        const next = b.indexOf('\r\n', at, 'latin1');
        if (next < 0) return null;
        if (next === at) return { body: Buffer.concat(parts), end: next + 2 };
        at = next + 2;
      }
    }
    if (b.length < at + size + 2) return null;
    parts.push(b.subarray(at, at + size));
    if (b.readUInt16BE(at + size) !== CRLF) throw new Error('the API server sent a malformed chunked answer');
    at += size + 2;
  }
}

interface Head {
  code: number;
  /** Content-Length, or -1. */
  length: number;
  chunked: boolean;
  close: boolean;
  /** Where the body starts. */
  body: number;
}

function parseHead(b: Buffer, end: number): Head {
  const lines = b.toString('latin1', 0, end - 4).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!status) throw new Error(`the API server answered something that is not HTTP/1.1: ${JSON.stringify(lines[0].slice(0, 80))}`);
  const head: Head = { code: Number(status[1]), length: -1, chunked: false, close: lines[0].startsWith('HTTP/1.0'), body: end };
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon < 0) continue;
    const name = lines[i].slice(0, colon).trim().toLowerCase();
    const value = lines[i]
      .slice(colon + 1)
      .trim()
      .toLowerCase();
    if (name === 'content-length') head.length = Number(value);
    else if (name === 'transfer-encoding') head.chunked = value.split(',').some((v) => v.trim() === 'chunked');
    else if (name === 'connection') head.close = value.split(',').some((v) => v.trim() === 'close');
  }
  // these answers have no body, whatever their headers say
  if (head.code === 204 || head.code === 304) return { ...head, length: 0, chunked: false };
  if (head.chunked) head.length = -1;
  else if (head.length >= 0 && !Number.isInteger(head.length)) throw new Error('the API server sent a malformed Content-Length');
  return head;
}

/** Close a connection nobody listens to any more: an error it still reports (a late EPIPE) is dropped, not thrown. */
function destroy(socket: Socket): void {
  socket.on('error', () => {});
  socket.destroy();
}

/** The header lines of `headers` (name: value CRLF each, a list as one line per value); throws on a value that would break the request. */
export function headerLines(headers: Record<string, string | number | readonly string[] | undefined>): string {
  let out = '';
  for (const [name, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new Error(`header name ${JSON.stringify(name)} is not a valid HTTP token`);
    for (const value of Array.isArray(v) ? v : [String(v)]) {
      if (/[\r\n\0]/.test(value)) throw new Error(`header ${name}: its value holds a line break or NUL`);
      out += `${name}: ${value}\r\n`;
    }
  }
  return out;
}

export class LeanPost {
  private readonly idle: IdleConnection[] = [];
  private closed = false;
  /** The latest TLS session the server gave, and its connection's options: the next connection resumes it (as node:https's agent does). */
  private session: { tls: LeanTls; data: Buffer } | undefined;

  constructor(
    private readonly endpoint: LeanEndpoint,
    private readonly idleMs: number,
  ) {}

  /** Connections open now: idle ones (busy ones are the callers'). */
  get idleCount(): number {
    return this.idle.length;
  }

  /** Close the idle connections: the next requests open new ones (new credentials, a missed deadline). */
  dropIdle(): void {
    for (const c of this.idle.splice(0)) {
      c.leave();
      destroy(c.socket);
    }
  }

  /** No more requests; the idle connections close. */
  close(): void {
    this.closed = true;
    this.dropIdle();
  }

  /**
   * Send `head` (request line and headers, ending with the blank line) and `body`; resolves with
   * the answer, rejects when the connection fails or the deadline passes before it is whole.
   */
  post(tls: LeanTls, head: string, body: string, timeoutMs: number, what: string): Promise<LeanAnswer> {
    if (this.closed) return Promise.reject(new Error(`${what}: the client is closed`));
    const socket = this.take(tls);
    return new Promise<LeanAnswer>((resolve, reject) => {
      let buf: Buffer = Buffer.alloc(0);
      let h: Head | null = null;
      let done = false;
      const finish = (err: Error | null, answer?: LeanAnswer, keep = false): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.off('data', onData);
        socket.off('end', onEnd);
        socket.off('close', onEnd);
        socket.off('error', onError);
        if (keep) this.put(socket);
        else destroy(socket);
        if (err) reject(err);
        else resolve(answer!);
      };
      const onData = (d: Buffer): void => {
        buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
        try {
          while (!h) {
            const end = headEnd(buf);
            if (end < 0) return;
            h = parseHead(buf, end);
            // an interim answer (100 Continue, 103 Early Hints) comes before the answer itself
            if (h.code >= 100 && h.code < 200 && h.code !== 101) {
              buf = buf.subarray(end);
              h = null;
            }
          }
          if (h.chunked) {
            const c = dechunk(buf, h.body);
            if (!c) return;
            return finish(null, { code: h.code, text: c.body.toString('utf8') }, !h.close && c.end === buf.length);
          }
          if (h.length < 0) return; // to the end of the connection
          const end = h.body + h.length;
          if (buf.length < end) return;
          finish(null, { code: h.code, text: buf.toString('utf8', h.body, end) }, !h.close && end === buf.length);
        } catch (err) {
          finish(new Error(`${what}: ${err instanceof Error ? err.message : String(err)}`));
        }
      };
      const onEnd = (): void => {
        if (h && !h.chunked && h.length < 0) return finish(null, { code: h.code, text: buf.toString('utf8', h.body) });
        finish(new Error(`${what}: the connection closed before the answer completed`));
      };
      const onError = (err: Error): void => finish(new Error(`${what}: ${err.message}`));
      const timer = setTimeout(() => {
        this.dropIdle();
        finish(new Error(`${what}: no answer from the API server in ${timeoutMs} ms`));
      }, timeoutMs);
      socket.on('data', onData);
      socket.once('end', onEnd);
      socket.once('close', onEnd);
      socket.once('error', onError);
      socket.write(head + body);
    });
  }

  /** An idle connection, or a new one. */
  private take(tls: LeanTls): Socket {
    const c = this.idle.pop();
    if (c) {
      c.leave();
      return c.socket;
    }
    const { host, port, secure } = this.endpoint;
    const socket = secure ? this.connectTls(tls) : netConnect({ host, port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 1000);
    return socket;
  }

  /** A TLS connection, resuming the latest session opened with the same options; it keeps the sessions the server gives. */
  private connectTls(tls: LeanTls): Socket {
    const { host, port } = this.endpoint;
    const session = this.session?.tls === tls ? this.session.data : undefined;
    const socket = tlsConnect({
      host,
      port,
      ...tls,
      // SNI names a host, never an address (as node:https)
      servername: tls.servername ?? (isIP(host) ? undefined : host),
      ALPNProtocols: ['http/1.1'],
      ...(session && { session }),
    });
    socket.on('session', (data: Buffer) => (this.session = { tls, data }));
    // a session the handshake failed with is not offered again
    socket.once('error', () => {
      if (this.session?.data === session) this.session = undefined;
    });
    return socket;
  }

  /** A connection whose answer was read whole: kept for the next request, until idle too long or closed by the server. */
  private put(socket: Socket): void {
    if (this.closed || this.idle.length >= MAX_IDLE || socket.destroyed) {
      destroy(socket);
      return;
    }
    const gone = (): void => {
      const at = this.idle.indexOf(entry);
      if (at >= 0) this.idle.splice(at, 1);
      entry.leave();
      destroy(socket);
    };
    const entry: IdleConnection = {
      socket,
      timer: setTimeout(gone, this.idleMs),
      leave: () => {
        clearTimeout(entry.timer);
        socket.off('end', gone);
        socket.off('close', gone);
        socket.off('error', gone);
      },
    };
    entry.timer.unref();
    socket.once('end', gone);
    socket.once('close', gone);
    socket.once('error', gone);
    this.idle.push(entry);
  }
}
