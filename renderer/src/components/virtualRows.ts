import { useCallback, useLayoutEffect, useRef, useState, type UIEvent } from 'react';

/** The rows to render for a scroll position: fixed-height rows, a few beyond the view, so hundreds of rows cost what a screenful does. */
export function windowOf(count: number, scrollTop: number, viewHeight: number, rowHeight: number, overscan = 6): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  return { first, last };
}

/**
 * Where a scroller of virtualised rows stands: its scroll position, and its height, followed as the
 * window resizes (`initialHeight` until the first layout). Spread `scroller` on the scrolling element.
 */
export function useScrollViewport(initialHeight: number) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(initialHeight);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  const onScroll = (e: UIEvent<HTMLDivElement>) => setScrollTop(e.currentTarget.scrollTop);
  /** Scrolls the least that shows row `index` whole, rows starting under a sticky header `headHeight` tall. */
  const scrollToRow = useCallback((index: number, rowHeight: number, headHeight = 0) => {
    const el = ref.current;
    if (!el) return;
    const top = index * rowHeight;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + rowHeight > el.scrollTop + el.clientHeight - headHeight) el.scrollTop = top + rowHeight - el.clientHeight + headHeight;
    // The rows follow now, not only once the scroll event arrives.
    setScrollTop(el.scrollTop);
  }, []);
  return { scrollTop, height, scrollToRow, scroller: { ref, onScroll } };
}
