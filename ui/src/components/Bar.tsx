// A horizontal bar: `value` of `max`, with its label and numbers in text (the numbers are the
// content; the bar is the picture of them).

import { pct } from '../quantity';

export interface BarProps {
  label: string;
  value: number;
  max: number;
  /** The text for value and max, e.g. "142 / 160". */
  text: string;
  /** Colour the bar as a warning above this fraction (default 0.9). */
  warnAt?: number;
  testId?: string;
}

export function Bar({ label, value, max, text, warnAt = 0.9, testId }: BarProps) {
  const frac = max > 0 ? value / max : value > 0 ? 1 : 0;
  const state = frac >= 1 ? 'full' : frac >= warnAt ? 'warn' : 'ok';
  return (
    <div class="bar" data-testid={testId}>
      <span class="bar-label">{label}</span>
      <span class="bar-track">
        <span class={`bar-fill ${state}`} style={{ width: `${Math.min(100, frac * 100)}%` }} />
      </span>
      <span class="bar-text">
        <span class="bar-numbers">{text}</span> <span class="bar-pct">{max > 0 ? pct(frac * 100) : '–'}</span>
      </span>
    </div>
  );
}
