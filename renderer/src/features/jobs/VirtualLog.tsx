import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';

export const LOG_ROW_HEIGHT = 20;
const OVERSCAN = 10;

/**
 * The streaming file list: fixed-height rows, only the visible ones in the DOM, so 100k+ lines scroll
 * smoothly. It follows the end while the user is at the bottom and stops following when they scroll
 * up (a button brings it back).
 */
export function VirtualLog(props: {
  lines: string[];
  version: number;
  label: string;
  height?: number;
  emptyText?: string;
  follow?: boolean;
  /** A right-aligned column beside each line (a size), index for index with `lines`. */
  asides?: string[];
}) {
  const { lines, version } = props;
  const height = props.height ?? 260;
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [follow, setFollow] = useState(props.follow ?? true);
  const total = lines.length;

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el || !follow) return;
    el.scrollTop = el.scrollHeight;
    setScrollTop(el.scrollTop);
  }, [version, total, follow]);

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    setScrollTop(el.scrollTop);
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < LOG_ROW_HEIGHT * 2;
    setFollow(atBottom);
  }, []);

  useEffect(() => {
    if (follow && ref.current) ref.current.scrollTop = ref.current.scrollHeight;
  }, [follow]);

  const first = Math.max(0, Math.floor(scrollTop / LOG_ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop + height) / LOG_ROW_HEIGHT) + OVERSCAN);
  const rows = [];
  for (let i = first; i < last; i++) {
    rows.push(
      <div key={i} className={props.asides ? 'jobs-log-row jobs-log-row-aside' : 'jobs-log-row'} style={{ top: i * LOG_ROW_HEIGHT }} title={lines[i]}>
        {props.asides ? (
          <>
            <span className="jobs-log-text">{lines[i]}</span>
            <span className="jobs-log-aside">{props.asides[i]}</span>
          </>
        ) : (
          lines[i]
        )}
      </div>,
    );
  }

  return (
    <div className="jobs-log-wrap">
      <div
        ref={ref}
        className="jobs-log"
        style={{ height }}
        onScroll={onScroll}
        role="log"
        aria-label={props.label}
        aria-live="off"
        tabIndex={0}
        data-lines={total}
      >
        {total === 0 ? <div className="jobs-log-empty muted">{props.emptyText ?? 'Nothing yet.'}</div> : null}
        <div className="jobs-log-inner" style={{ height: total * LOG_ROW_HEIGHT }}>
          {rows}
        </div>
      </div>
      {!follow && total > 0 && props.follow !== false ? (
        <button className="btn btn-sm jobs-log-follow" onClick={() => setFollow(true)}>
          ↓ Follow the end
        </button>
      ) : null}
    </div>
  );
}
