// The reflector's retry delay, as client-go's backoff manager: exponential (initial × 2ⁿ, capped),
// and reset once things work again — the first failure after `resetAfterMs` without one starts
// over from the initial delay, and so does an explicit reset() (a watch the server ended normally).
// Without the reset, one long outage would leave every later blip waiting the maximum delay.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  /** A failure this long after the previous one counts as the first again (client-go: 2 min). */
  resetAfterMs: number;
}

export class Backoff {
  private current: number;
  private lastFailure = -Infinity;

  constructor(
    private readonly o: BackoffOptions,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.current = o.initialMs;
  }

  /** The delay before the next attempt, for a failure that happened now. */
  next(): number {
    const t = this.now();
    if (t - this.lastFailure >= this.o.resetAfterMs) this.current = this.o.initialMs;
    this.lastFailure = t;
    const delay = this.current;
    this.current = Math.min(this.current * 2, this.o.maxMs);
    return delay;
  }

  /** Things work again (a watch ran its course): the next failure waits the initial delay. */
  reset(): void {
    this.current = this.o.initialMs;
    this.lastFailure = -Infinity;
  }
}
