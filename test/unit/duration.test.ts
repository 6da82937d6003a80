// Duration flags take Kubernetes' (Go's time.ParseDuration) spelling; help shows defaults as Go prints them.

import { describe, expect, it } from 'vitest';
import { formatDuration, goDurationNs, parseDuration } from '../../service/cli/duration.js';

describe('parseDuration', () => {
  it.each([
    ['15s', 15_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['1.5h', 5_400_000],
    ['1m30.5s', 90_500],
    ['.5s', 500],
    ['2000000us', 2000],
    ['1000000000ns', 1000],
    ['1h0m0s', 3_600_000],
  ])('%s is %i ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each([
    ['15', /expected a duration such as 15s/],
    ['', /expected a duration/],
    ['1x', /expected a duration/],
    ['1 s', /expected a duration/],
    ['s', /expected a duration/],
    ['1h 30m', /expected a duration/],
    ['0', /expected a positive duration/],
    ['-5s', /expected a positive duration/],
    ['1.5ms', /whole number of milliseconds/],
    ['15000', /expected a duration/],
  ])('%j is refused', (text, message) => expect(() => parseDuration(text)).toThrow(message));

  it('follows Go: 0 alone, signs, and fractions', () => {
    expect(goDurationNs('0')).toBe(0);
    expect(goDurationNs('-1.5s')).toBe(-1.5e9);
    expect(goDurationNs('+2m')).toBe(120e9);
    expect(goDurationNs('1.')).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [15_000, '15s'],
    [10_000, '10s'],
    [2_000, '2s'],
    [500, '500ms'],
    [90_000, '1m30s'],
    [120_000, '2m0s'],
    [3_600_000, '1h0m0s'],
    [5_400_500, '1h30m0.5s'],
  ])('%i ms is %s, and reads back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});
