// Results: the shape of bench/results/latest.json, console tables, number formatting and the
// The design's targets (targets.ts) evaluated against the figures of a run.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Machine } from './machine.js';

export type Cell = string | number | null;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
  /** One or two lines under the table: what was measured, caveats. */
  notes?: string[];
}

export interface SuiteResult {
  name: string;
  status: 'ok' | 'skipped' | 'error';
  /** Why a suite was skipped or failed. */
  reason?: string;
  /** Wall time of the whole suite, setup included. */
  seconds: number;
  /** What was measured, for BENCHMARKS.md. */
  description: string;
  tables: Table[];
  /** Every figure, machine-readable (keys are stable; targets read them). */
  figures: Record<string, number | string | boolean | null>;
  /**
   * Machine-speed probe (bench/lib/probe.ts) before and after the suite, ns per element, and the
   * seconds the suite's gates waited for a steady machine.
   */
  probe?: { before: number; after: number; waitedSeconds?: number };
}

export interface TargetResult {
  name: string;
  target: string;
  value: string | null;
  met: boolean | null;
  /** What the value is (which measurement), or why it is null. */
  note: string;
}

export interface Results {
  machine: Machine;
  quick: boolean;
  seed: number;
  /** Command line options of the run. */
  args: string[];
  suites: Record<string, SuiteResult>;
  targets: TargetResult[];
}

export function writeResults(file: string, r: Results): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
}

// ---------------------------------------------------------------- formatting

/** 1234567 → "1.23 M", with an SI prefix. */
export function si(x: number | null | undefined, digits = 3): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  const [div, p] = a >= 1e9 ? [1e9, ' G'] : a >= 1e6 ? [1e6, ' M'] : a >= 1e3 ? [1e3, ' k'] : [1, ''];
  return `${(x / div).toPrecision(digits)}${p}`;
}

/** Milliseconds with sensible precision: 0.0123 ms → "12.3 µs", 1234 ms → "1.23 s". */
export function dur(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`;
  if (ms < 1000) return `${ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}

export function ratio(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return `${x.toPrecision(3)}×`;
}

export function pct(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '–';
  return `${x.toFixed(digits)}%`;
}

export function int(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

// ---------------------------------------------------------------- console

/** kubectl-like: UPPERCASE headers, no borders, 3-space gutters. */
export function renderTable(t: Table): string {
  const cells = [t.columns.map((c) => c.toUpperCase()), ...t.rows.map((r) => r.map((c) => (c === null ? '–' : String(c))))];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const lines = cells.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i])))
      .join('   ')
      .trimEnd(),
  );
  const out = [`${t.title}`, ...lines];
  for (const n of t.notes ?? []) out.push(`  ${n}`);
  return `${out.join('\n')}\n`;
}

export function printSuite(s: SuiteResult): void {
  const w = s.probe?.waitedSeconds ?? 0;
  const waited = w >= 1 ? `, waited ${w.toFixed(0)} s for a steady machine` : '';
  const probe = s.probe ? `; machine probe ${s.probe.before.toFixed(2)} ns before, ${s.probe.after.toFixed(2)} ns after${waited}` : '';
  const head = `== ${s.name}: ${s.status}${s.reason ? ` (${s.reason})` : ''} in ${s.seconds.toFixed(1)} s${probe}`;
  process.stdout.write(`\n${head}\n`);
  for (const t of s.tables) process.stdout.write(`\n${renderTable(t)}`);
}

export function printTargets(targets: readonly TargetResult[]): void {
  process.stdout.write(
    `\n${renderTable({
      title: 'Targets',
      columns: ['target', 'wanted', 'measured', 'met'],
      rows: targets.map((t) => [t.name, t.target, t.value, t.met === null ? 'not measured' : t.met ? 'yes' : 'NO']),
    })}`,
  );
}

/** Log progress to stderr (tables go to stdout). */
export function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

// ---------------------------------------------------------------- suites

export interface SuiteContext {
  quick: boolean;
  seed: number;
  /** Scratch directory of this run (manifests, data dirs); removed at the end. */
  tmp: string;
  /** Repository root (for bin/placer.js). */
  root: string;
  /**
   * Before a timed round: waits until the machine probe is steady (bench/lib/probe.ts steady();
   * at most 30 s, no wait in a quick run).
   */
  gate(): Promise<void>;
}

export type Suite = (ctx: SuiteContext) => Promise<Omit<SuiteResult, 'name' | 'seconds'>>;
