// Progress of a long CLI run on stderr — reading the manifests, placing, writing the output — as a
// bar drawn by cli-progress, only when stderr is a terminal: a pipe or a file gets nothing, so
// scripts and logs see exactly what they saw before.
//
// A short run shows nothing either: the bar appears once the run has lasted SHOW_AFTER_MS, or at
// once for a stage whose size says it will be long (a placement of a hundred thousand workloads
// runs in one synchronous call, during which nothing can be drawn). It is cleared at the end.
// PLACER_PROGRESS_AFTER_MS moves that threshold (tests on a loaded machine, where even a small run
// can last a second).

import { SingleBar } from 'cli-progress';

/** A run shorter than this shows no progress. */
export const SHOW_AFTER_MS = Number(process.env.PLACER_PROGRESS_AFTER_MS ?? '') || 1000;

export interface Progress {
  /** A new stage: `unit` names what `total` counts (bytes are shown as sizes); `long`: show at once. */
  stage(name: string, total: number, unit: 'bytes' | 'workloads' | 'entries', long?: boolean): void;
  /** `n` more of the stage done. */
  tick(n?: number): void;
  /** Clear the bar (the run is over). */
  done(): void;
}

const NONE: Progress = { stage() {}, tick() {}, done() {} };

const MIB = 1024 * 1024;

function amount(n: number, unit: string): string {
  if (unit === 'bytes') return n >= MIB ? `${(n / MIB).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
  return n.toLocaleString('en-US');
}

/** Progress on `stream` when it is a terminal; otherwise a Progress that does nothing. */
export function progressOn(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return NONE;
  const started = Date.now();
  let bar: SingleBar | undefined;
  let value = 0;
  let total = 0;
  let name = '';
  let unit = 'entries';
  let lastDraw = 0;
  const payload = () => ({
    stage: name.padEnd(8),
    done: amount(value, unit),
    all: amount(total, unit),
    unit: unit === 'bytes' ? '' : unit,
  });
  const draw = (force: boolean): void => {
    if (!bar) return;
    const now = Date.now();
    if (!force && now - lastDraw < 100) return; // at most ten frames a second
    lastDraw = now;
    bar.update(value, payload());
    bar.render();
  };
  const show = (): void => {
    bar = new SingleBar({
      stream,
      format: 'placer: {stage} [{bar}] {percentage}% {done}/{all} {unit} | {duration_formatted}',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: true,
      stopOnComplete: false,
      linewrap: false,
      fps: 10,
    });
    bar.start(Math.max(total, 1), value, payload());
  };
  return {
    stage(n, t, u, long = false) {
      name = n;
      total = t;
      unit = u;
      value = 0;
      if (!bar && (long || Date.now() - started >= SHOW_AFTER_MS)) show();
      bar?.setTotal(Math.max(total, 1));
      draw(true);
    },
    tick(n = 1) {
      value = Math.min(total, value + n);
      if (!bar && Date.now() - started >= SHOW_AFTER_MS) show();
      draw(false);
    },
    done() {
      bar?.stop();
      bar = undefined;
    },
  };
}
