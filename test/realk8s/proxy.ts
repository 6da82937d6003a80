// A TCP proxy of the tests' own between placer and the API server (TLS passes through untouched),
// that makes the faults a network makes:
//
//   pause()     stop forwarding, both ways, on every connection, new ones included (they wait);
//               resume() forwards what waited — a stall, the connections survive it
//   reset()     RST every connection open now; new ones pass
//   cut()       RST every connection open now, and every new one until restore()
//   halfOpen()  every connection open now, and every new one until restore(), dies silently: the
//               API server's side is closed, placer's is left open and never written to again — a
//               peer gone without a FIN or RST (a NAT or conntrack entry dropped, a VM frozen).
//               After restore() new connections pass; the dead ones stay dead until placer closes
//               them
//
// Every connection is counted, so a test can also see that placer reconnected.

import { createConnection, createServer, type Server, type Socket } from 'node:net';

type Mode = 'pass' | 'pause' | 'cut' | 'halfopen';

interface Conn {
  client: Socket;
  upstream: Socket | undefined;
}

export class FaultProxy {
  private mode: Mode = 'pass';
  private readonly live = new Set<Conn>();
  /** Client sockets left half-open: referenced so nothing closes them. */
  private readonly dead = new Set<Socket>();
  /** Connections accepted so far. */
  accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {
    server.on('connection', (s) => this.accept(s));
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  static start(targetPort: number, targetHost = '127.0.0.1'): Promise<FaultProxy> {
    const server = createServer();
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        resolve(new FaultProxy(server, port, { host: targetHost, port: targetPort }));
      });
    });
  }

  private accept(client: Socket): void {
    this.accepted++;
    client.on('error', () => {});
    if (this.mode === 'cut') {
      client.resetAndDestroy();
      return;
    }
    if (this.mode === 'halfopen') {
      this.bury(client);
      return;
    }
    const c: Conn = { client, upstream: undefined };
    this.live.add(c);
    const up = createConnection(this.target);
    c.upstream = up;
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
    // forwarded by hand, so that pause() holds both directions
    const forward = (from: Socket, to: Socket): void => {
      from.on('data', (d: Buffer) => {
        if (!to.write(d)) from.pause();
      });
      to.on('drain', () => {
        if (this.mode === 'pass') from.resume();
      });
      from.on('end', () => to.end());
    };
    forward(client, up);
    forward(up, client);
    const drop = (): void => {
      this.live.delete(c);
    };
    client.on('close', () => {
      drop();
      up.destroy();
    });
    up.on('close', () => {
      drop();
      if (!this.dead.has(client)) client.destroy();
    });
    if (this.mode === 'pause') {
      client.pause();
      up.pause();
    }
  }

  /** Leave `client` open and silent: what it sends is dropped, nothing is written back, it is never closed from here. */
  private bury(client: Socket): void {
    client.removeAllListeners('data');
    client.removeAllListeners('end');
    client.on('data', () => {});
    client.on('error', () => {});
    client.resume(); // read (and drop), so that placer closing it is seen
    this.dead.add(client);
    client.once('close', () => this.dead.delete(client));
  }

  pause(): void {
    this.mode = 'pause';
    for (const c of this.live) {
      c.client.pause();
      c.upstream?.pause();
    }
  }

  resume(): void {
    this.mode = 'pass';
    for (const c of this.live) {
      c.client.resume();
      c.upstream?.resume();
    }
  }

  reset(): void {
    for (const c of [...this.live]) {
      this.live.delete(c);
      c.upstream?.resetAndDestroy();
      c.client.resetAndDestroy();
    }
  }

  cut(): void {
    this.mode = 'cut';
    this.reset();
  }

  halfOpen(): void {
    this.mode = 'halfopen';
    for (const c of [...this.live]) {
      this.live.delete(c);
      this.bury(c.client);
      c.upstream?.removeAllListeners('close');
      c.upstream?.destroy();
    }
  }

  /** Back to passing new connections (after cut() or halfOpen()). */
  restore(): void {
    this.mode = 'pass';
  }

  /** Connections open through the proxy now, and those left half-open. */
  counts(): { live: number; dead: number } {
    return { live: this.live.size, dead: this.dead.size };
  }

  async stop(): Promise<void> {
    this.reset();
    for (const s of this.dead) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
