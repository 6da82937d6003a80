// Preloaded into a benchmarked `placer serve` (node --expose-gc --import <this file>): SIGUSR2
// runs a full garbage collection, so that a soak's memory samples read live data, not garbage
// that has not been collected yet. Benchmarks only; the server itself never handles SIGUSR2.
import process from 'node:process';

process.on('SIGUSR2', () => {
  if (typeof globalThis.gc === 'function') globalThis.gc();
});
