// Live data: a GET polled every few seconds with If-None-Match, so an unchanged state costs a
// 304 and no re-render. Polling pauses while the tab is hidden and resumes at once when shown.

import { useEffect, useState } from 'preact/hooks';
import { getIfChanged } from './api';

export const POLL_MS = 2000;

export interface Live<T> {
  data: T | undefined;
  /** The last poll's error, cleared by the next answer. */
  error: string | undefined;
}

export function useLive<T>(path: string | null, intervalMs = POLL_MS): Live<T> {
  const [state, setState] = useState<Live<T>>({ data: undefined, error: undefined });
  useEffect(() => {
    if (path === null) return;
    let etag: string | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let inFlight = false;
    setState({ data: undefined, error: undefined });
    const tick = async (): Promise<void> => {
      timer = undefined;
      inFlight = true;
      try {
        const r = await getIfChanged<T>(path, etag);
        if (stopped) return;
        if (r) {
          etag = r.etag;
          setState({ data: r.body, error: undefined });
        } else setState((s) => (s.error === undefined ? s : { ...s, error: undefined }));
      } catch (e) {
        if (stopped) return;
        setState((s) => ({ ...s, error: e instanceof Error ? e.message : String(e) }));
      } finally {
        inFlight = false;
      }
      if (!stopped && !document.hidden) timer = setTimeout(() => void tick(), intervalMs);
    };
    const onVisible = (): void => {
      if (!document.hidden && timer === undefined && !inFlight && !stopped) void tick();
    };
    document.addEventListener('visibilitychange', onVisible);
    void tick();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [path, intervalMs]);
  return state;
}
