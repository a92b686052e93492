import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog: labelled by its title, Escape closes (unless busy), Tab stays inside, focus goes to
 * the element marked data-autofocus (or the first field) and back to where it was on close.
 */
export function JobDialog(props: { title: ReactNode; onClose: () => void; children: ReactNode; wide?: boolean; busy?: boolean; className?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  const { onClose, busy } = props;

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const el = ref.current;
    const first = el?.querySelector<HTMLElement>('[data-autofocus]') ?? el?.querySelector<HTMLElement>(FOCUSABLE);
    first?.focus();
    return () => previous?.focus?.();
  }, []);

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape' && !busy) {
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== 'Tab' || !ref.current) return;
    const items = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    const first = items[0];
    const last = items[items.length - 1];
    if (!first || !last) return;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  };

  return (
    <div
      className="dialog-backdrop"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget && !busy) onClose();
      }}
    >
      <div
        ref={ref}
        className={`dialog jobs-dialog${props.wide ? ' jobs-dialog-wide' : ''}${props.className ? ` ${props.className}` : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}

/** An error from a call, as the user should read it: what is wrong, then what to do. */
export function ErrorNotice(props: { error: { message: string; hint?: string } | null; title?: string }) {
  if (!props.error) return null;
  return (
    <div className="notice notice-danger jobs-error" role="alert">
      <div>
        {props.title ? <div className="notice-title">{props.title}</div> : null}
        <div className="jobs-prewrap">{props.error.message}</div>
        {props.error.hint ? <div className="muted small">{props.error.hint}</div> : null}
      </div>
    </div>
  );
}
