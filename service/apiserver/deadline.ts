// Waiting with a shutdown's deadline: what a stop waits for (Bindings in flight, Events) is given
// until one moment, the same for every part of the stop (--shutdown-grace-period).

/** Resolves once `done` has, or at `until` (performance.now() time), whichever comes first. */
export async function byDeadline(done: Promise<void>, until: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, Math.max(0, until - performance.now()))))]);
  clearTimeout(timer);
}
