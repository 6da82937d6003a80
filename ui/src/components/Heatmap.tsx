// A canvas heatmap of hosts (see ../heatmap.ts): sized to its container, sharp on high-DPI
// screens, redrawn when its inputs change. Reports the host under the pointer; the first draw
// with hosts leaves a performance mark (the benchmark's "time to first paint").

import { useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type Arrow, type CellPaint, type Group, draw, hitTest, layout } from '../heatmap';

export interface HeatmapProps {
  groups: Group[];
  total: number;
  paint: CellPaint;
  arrows?: Arrow[];
  onHover?: (host: number, clientX: number, clientY: number) => void;
  onPick?: (host: number) => void;
  /** performance.mark() name for the first draw with hosts. */
  firstPaintMark?: string;
  label: string;
}

export function Heatmap(props: HeatmapProps) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(0);
  const marked = useRef(false);

  // Layout effects, not effects: the width and the first draw land in the same frame as the
  // canvas itself (an effect would run a frame later).
  useLayoutEffect(() => {
    const el = wrap.current!;
    const ro = new ResizeObserver(() => setWidth(Math.floor(el.clientWidth)));
    ro.observe(el);
    setWidth(Math.floor(el.clientWidth));
    return () => ro.disconnect();
  }, []);

  const l = useMemo(() => (width > 0 ? layout(props.groups, props.total, width) : undefined), [props.groups, props.total, width]);

  useLayoutEffect(() => {
    const c = canvas.current;
    if (!c || !l) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(l.width * dpr);
    c.height = Math.round(l.height * dpr);
    c.style.width = `${l.width}px`;
    c.style.height = `${l.height}px`;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    draw(ctx, l, props.paint, props.arrows);
    if (props.firstPaintMark && !marked.current && props.total > 0) {
      marked.current = true;
      const name = props.firstPaintMark;
      // the frame after the draw is the one the user sees
      requestAnimationFrame(() => performance.mark(name));
    }
  }, [l, props.paint, props.arrows]);

  const at = (e: MouseEvent): number => {
    if (!l) return -1;
    const r = canvas.current!.getBoundingClientRect();
    return hitTest(l, e.clientX - r.left, e.clientY - r.top);
  };

  return (
    <div class="heatmap" ref={wrap}>
      <canvas
        ref={canvas}
        role="img"
        aria-label={props.label}
        onMouseMove={(e) => props.onHover?.(at(e), e.clientX, e.clientY)}
        onMouseLeave={(e) => props.onHover?.(-1, e.clientX, e.clientY)}
        onClick={(e) => {
          const h = at(e);
          if (h >= 0) props.onPick?.(h);
        }}
      />
    </div>
  );
}
