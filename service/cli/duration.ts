// Durations as Kubernetes flags take them: Go's time.ParseDuration grammar — a sequence of decimal
// numbers, each with an optional fraction and a unit (ns, us or µs, ms, s, m, h): `15s`, `500ms`,
// `1h30m`, `1.5h`; `0` alone. placer's flags count milliseconds, so a duration must be a whole
// number of them, and positive.

import { InvalidArgumentError } from 'commander';

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, μs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Nanoseconds of a Go duration string; undefined when it does not follow the grammar. */
export function goDurationNs(v: string): number | undefined {
  let s = v;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let ns = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const m = PART.exec(s);
    if (!m) return undefined;
    ns += Number(m[1]) * UNIT_NS[m[2]];
  }
  return sign * ns;
}

/** A positive duration flag, in milliseconds: `15s` → 15000. */
export function parseDuration(v: string): number {
  const ns = goDurationNs(v);
  if (ns === undefined)
    throw new InvalidArgumentError(
      `expected a duration such as 15s, 500ms, 2m or 1h30m (Go's time.ParseDuration), got ${JSON.stringify(v)}`,
    );
  if (ns <= 0) throw new InvalidArgumentError(`expected a positive duration, got ${JSON.stringify(v)}`);
  const ms = ns / 1e6;
  if (Math.abs(ms - Math.round(ms)) > 1e-6)
    throw new InvalidArgumentError(`expected a whole number of milliseconds, got ${JSON.stringify(v)}`);
  return Math.round(ms);
}

/** Milliseconds as Go's Duration.String() writes them: 15000 → 15s, 90000 → 1m30s, 500 → 500ms, 3600000 → 1h0m0s. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const secs = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h > 0) return `${h}h${m}m${secs}`;
  if (m > 0) return `${m}m${secs}`;
  return secs;
}
