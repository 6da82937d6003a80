// What kube-scheduler does not see of a host: the cpu and memory requests of the placements that
// are not Pods (VirtualMachines: vm-operator's objects hold a host's capacity, yet kube-scheduler's
// NodeResourcesFit and BalancedAllocation count only the pods bound there). The extender's
// prioritize scores exactly this (extender-judge.ts), kept per host as placements come and go.

import { templateOf } from './shapes.js';

interface Use {
  cpu: number;
  memory: number;
}

export class UnseenUsage {
  private readonly byHost = new Map<string, Use>();
  /** A shape's cpu (millicores) and memory (bytes) requests: few VM shapes, each read once. */
  private readonly shapes = new Map<string, Use>();

  /** Whether placements of `kind` are invisible to kube-scheduler's resource plugins. */
  static counts(kind: string): boolean {
    return kind !== 'Pod';
  }

  private shapeUse(shape: string): Use {
    let u = this.shapes.get(shape);
    if (u === undefined) {
      const r = templateOf(shape).requests;
      u = { cpu: Number(r.get('cpu') ?? 0n), memory: Number(r.get('memory') ?? 0n) };
      this.shapes.set(shape, u);
    }
    return u;
  }

  /** `n` placements of `shape` on `host` more (n < 0: fewer). */
  add(host: string, shape: string, n: number): void {
    const s = this.shapeUse(shape);
    const u = this.byHost.get(host) ?? { cpu: 0, memory: 0 };
    u.cpu += s.cpu * n;
    u.memory += s.memory * n;
    if (u.cpu === 0 && u.memory === 0) this.byHost.delete(host);
    else this.byHost.set(host, u);
  }

  /** No host holds such a placement: every host scores alike. */
  get empty(): boolean {
    return this.byHost.size === 0;
  }

  /** cpu and memory requests of the unseen placements on `host` (undefined: none). */
  on(host: string): Readonly<Use> | undefined {
    return this.byHost.get(host);
  }
}
