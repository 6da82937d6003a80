// The heatmap's geometry and drawing, on a plain 2D canvas: one rectangle per host, hosts in
// groups (zones), each group a titled grid. No DOM node per host, so 5,000 hosts draw in a few
// milliseconds and hit-testing is arithmetic. Pure functions of their inputs: the component
// (components/Heatmap.tsx) owns the canvas and the events.

export interface Group {
  label: string;
  /** Host indexes, in display order. */
  hosts: number[];
}

export interface Layout {
  width: number;
  height: number;
  /** Cell side and gap, CSS pixels. */
  size: number;
  gap: number;
  /** Top-left corner of each host's cell (NaN for hosts in no group). */
  xs: Float32Array;
  ys: Float32Array;
  /** Per group: where its title and its grid start, and its column count. */
  rows: { label: string; titleY: number; gridY: number; cols: number; hosts: number[] }[];
}

const TITLE = 22;
const PAD = 8;

/** Cell side for `n` hosts in `width` pixels: large for a few hosts, down to 6 px for thousands. */
export function cellSize(n: number, width: number): number {
  if (n <= 0) return 40;
  const area = (width * Math.max(320, Math.min(720, n * 4))) / n;
  return Math.max(6, Math.min(56, Math.floor(Math.sqrt(area)) - 2));
}

export function layout(groups: readonly Group[], total: number, width: number): Layout {
  const n = groups.reduce((a, g) => a + g.hosts.length, 0);
  const size = cellSize(n, width);
  const gap = size >= 16 ? 4 : size >= 10 ? 2 : 1;
  const step = size + gap;
  const cols = Math.max(1, Math.floor((width - 2 * PAD + gap) / step));
  const xs = new Float32Array(total).fill(NaN);
  const ys = new Float32Array(total).fill(NaN);
  const rows: Layout['rows'] = [];
  let y = 0;
  for (const g of groups) {
    const titleY = y;
    const gridY = y + TITLE;
    g.hosts.forEach((h, k) => {
      xs[h] = PAD + (k % cols) * step;
      ys[h] = gridY + Math.floor(k / cols) * step;
    });
    rows.push({ label: g.label, titleY, gridY, cols, hosts: g.hosts });
    y = gridY + Math.ceil(g.hosts.length / cols) * step + PAD;
  }
  return { width, height: Math.max(y, 40), size, gap, xs, ys, rows };
}

/** The host under (x, y), or -1. */
export function hitTest(l: Layout, x: number, y: number): number {
  const step = l.size + l.gap;
  for (const r of l.rows) {
    const rowsN = Math.ceil(r.hosts.length / r.cols);
    if (y < r.gridY || y >= r.gridY + rowsN * step) continue;
    const col = Math.floor((x - PAD) / step);
    const row = Math.floor((y - r.gridY) / step);
    if (col < 0 || col >= r.cols || x - PAD - col * step >= l.size || y - r.gridY - row * step >= l.size) return -1;
    const k = row * r.cols + col;
    return k < r.hosts.length ? r.hosts[k] : -1;
  }
  return -1;
}

/** Sequential colour scale (ColorBrewer YlOrRd), 0..100 % in 101 steps. */
const STOPS: [number, number, number][] = [
  [255, 255, 204],
  [254, 217, 118],
  [253, 141, 60],
  [227, 26, 28],
  [128, 0, 38],
];
export const SCALE: string[] = Array.from({ length: 101 }, (_, p) => {
  const t = (p / 100) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(t));
  const f = t - i;
  const c = STOPS[i].map((v, k) => Math.round(v + (STOPS[i + 1][k] - v) * f));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
});

export function scaleColor(percent: number): string {
  return SCALE[Math.max(0, Math.min(100, Math.round(percent)))];
}

export const NO_CAPACITY = '#e4e7eb';

export interface CellPaint {
  fill(i: number): string;
  /** Cordoned: drawn hatched. */
  cordoned(i: number): boolean;
  /** Tainted: a corner mark. */
  tainted(i: number): boolean;
  /** Text in the cell when cells are large enough. */
  text?(i: number): string | null;
  /** A name above the text when cells are larger still. */
  name?(i: number): string;
  /** A highlight ring (selected, hovered, drained). */
  ring?(i: number): string | null;
}

export interface Arrow {
  from: number;
  to: number;
  count: number;
}

export function draw(ctx: CanvasRenderingContext2D, l: Layout, paint: CellPaint, arrows: readonly Arrow[] = []): void {
  ctx.clearRect(0, 0, l.width, l.height);
  ctx.textBaseline = 'middle';
  for (const r of l.rows) {
    ctx.fillStyle = '#334155';
    ctx.font = '600 13px system-ui, sans-serif';
    ctx.textAlign = 'left';
    ctx.fillText(`${r.label} · ${r.hosts.length} host${r.hosts.length === 1 ? '' : 's'}`, PAD, r.titleY + TITLE / 2);
  }
  const s = l.size;
  const showText = s >= 34 && paint.text !== undefined;
  const showName = s >= 50 && paint.name !== undefined;
  if (showText) {
    ctx.font = '10px system-ui, sans-serif';
    ctx.textAlign = 'center';
  }
  for (const r of l.rows) {
    for (const h of r.hosts) {
      const x = l.xs[h];
      const y = l.ys[h];
      ctx.fillStyle = paint.fill(h);
      ctx.fillRect(x, y, s, s);
      if (paint.cordoned(h)) {
        // hatching: a cordoned host takes no new workloads
        ctx.save();
        ctx.beginPath();
        ctx.rect(x, y, s, s);
        ctx.clip();
        ctx.strokeStyle = 'rgba(15,23,42,0.55)';
        ctx.lineWidth = Math.max(1, s / 12);
        ctx.beginPath();
        for (let d = -s; d < s; d += Math.max(3, s / 4)) {
          ctx.moveTo(x + d, y + s);
          ctx.lineTo(x + d + s, y);
        }
        ctx.stroke();
        ctx.restore();
      }
      if (paint.tainted(h)) {
        const t = Math.max(3, Math.round(s / 3));
        ctx.fillStyle = '#6d28d9';
        ctx.beginPath();
        ctx.moveTo(x + s - t, y);
        ctx.lineTo(x + s, y);
        ctx.lineTo(x + s, y + t);
        ctx.closePath();
        ctx.fill();
      }
      if (showText) {
        const txt = paint.text!(h);
        ctx.fillStyle = isDark(paint.fill(h)) ? '#fff' : '#0f172a';
        if (showName) ctx.fillText(elide(ctx, paint.name!(h), s - 4), x + s / 2, y + s / 2 - 8);
        if (txt) ctx.fillText(txt, x + s / 2, y + s / 2 + (showName ? 8 : 0));
      }
      const ring = paint.ring?.(h);
      if (ring) {
        ctx.strokeStyle = ring;
        ctx.lineWidth = 2;
        ctx.strokeRect(x - 1.5, y - 1.5, s + 3, s + 3);
      }
    }
  }
  drawArrows(ctx, l, arrows);
}

/** `text` cut to `width` pixels with an ellipsis (keeping its end: host names differ at the end). */
function elide(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let t = text;
  while (t.length > 1 && ctx.measureText(`…${t}`).width > width) t = t.slice(1);
  return `…${t}`;
}

/** Whether an rgb(…) fill needs light text (relative luminance under ~0.4). */
function isDark(fill: string): boolean {
  const m = /^rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(fill);
  if (!m) return false;
  return (0.2126 * Number(m[1]) + 0.7152 * Number(m[2]) + 0.0722 * Number(m[3])) / 255 < 0.45;
}

function drawArrows(ctx: CanvasRenderingContext2D, l: Layout, arrows: readonly Arrow[]): void {
  const half = l.size / 2;
  ctx.strokeStyle = 'rgba(29,78,216,0.85)';
  ctx.fillStyle = 'rgba(29,78,216,0.85)';
  for (const a of arrows) {
    const x0 = l.xs[a.from] + half;
    const y0 = l.ys[a.from] + half;
    const x1 = l.xs[a.to] + half;
    const y1 = l.ys[a.to] + half;
    if (![x0, y0, x1, y1].every(Number.isFinite)) continue;
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (len < 1) continue;
    const ux = (x1 - x0) / len;
    const uy = (y1 - y0) / len;
    // stop at the target cell's edge so the head stays visible
    const ex = x1 - ux * half;
    const ey = y1 - uy * half;
    ctx.lineWidth = Math.min(6, 1.5 + Math.log2(a.count));
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(ex, ey);
    ctx.stroke();
    const head = 4 + ctx.lineWidth * 1.5;
    ctx.beginPath();
    ctx.moveTo(ex, ey);
    ctx.lineTo(ex - ux * head - uy * head * 0.5, ey - uy * head + ux * head * 0.5);
    ctx.lineTo(ex - ux * head + uy * head * 0.5, ey - uy * head - ux * head * 0.5);
    ctx.closePath();
    ctx.fill();
  }
}
