import { useEffect, useRef } from 'react';
import type { LogLine } from '../../../../shared/contract/launcher';

/**
 * A container log that follows new lines while the reader is at the bottom, and stays put when they
 * scrolled up to read something. Not a live region: screen readers would read every line.
 */
export function LogView(props: { lines: LogLine[]; label: string; emptyText?: string; height?: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const { lines } = props;

  useEffect(() => {
    const el = ref.current;
    if (el && pinned.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <div
      ref={ref}
      className="al-log"
      role="log"
      aria-label={props.label}
      tabIndex={0}
      style={props.height ? { maxHeight: props.height } : undefined}
      onScroll={(e) => {
        const el = e.currentTarget;
        pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
      }}
    >
      {lines.length === 0 ? (
        <div className="al-log-empty">{props.emptyText ?? 'No output yet.'}</div>
      ) : (
        lines.map((l, i) => (
          <div key={i} className={`al-log-line al-log-${l.stream}`}>
            {l.line || '\u00a0'}
          </div>
        ))
      )}
    </div>
  );
}
