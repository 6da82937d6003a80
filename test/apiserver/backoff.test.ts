// The reflector's backoff: exponential up to its cap, and back to the initial delay once things
// work again — a failure long after the previous one, or an explicit reset.

import { describe, expect, it } from 'vitest';
import { Backoff } from '../../service/apiserver/backoff.js';

describe('backoff', () => {
  it('doubles up to the cap while failures come close together', () => {
    let now = 0;
    const b = new Backoff({ initialMs: 800, maxMs: 30_000, resetAfterMs: 30_000 }, () => now);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      delays.push(b.next());
      now += 1000;
    }
    expect(delays).toEqual([800, 1600, 3200, 6400, 12_800, 25_600, 30_000, 30_000]);
  });

  it('starts over when a failure comes after resetAfterMs without one (client-go), or after reset()', () => {
    let now = 0;
    const b = new Backoff({ initialMs: 800, maxMs: 30_000, resetAfterMs: 30_000 }, () => now);
    for (let i = 0; i < 5; i++) b.next(); // a long outage: the next delay is 25.6 s by now
    now += 29_999;
    expect(b.next()).toBe(25_600); // not long enough since the last failure
    now += 30_000;
    expect(b.next()).toBe(800); // a blip long after: seconds, not tens of seconds
    expect(b.next()).toBe(1600);
    b.reset(); // a watch ran its course
    expect(b.next()).toBe(800);
  });
});
