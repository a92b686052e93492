import { useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export interface DialogProps {
  title: ReactNode;
  onClose: () => void;
  children: ReactNode;
  /** While true, Escape and a click on the backdrop do not close it (an operation is running). */
  busy?: boolean;
  /** Extra classes beside `.dialog`, e.g. a feature's width. */
  className?: string;
  /** Id of the element that describes the dialog, for screen readers. */
  describedBy?: string;
}

/**
 * A modal dialog: labelled by its title, Escape closes, Tab stays inside, focus goes to the element
 * marked `data-autofocus` (or the first control) and back to where it was when the dialog closes.
 */
export function Dialog({ title, onClose, children, busy = false, className, describedBy }: DialogProps) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();

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
        className={className ? `dialog ${className}` : 'dialog'}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={describedBy}
        onKeyDown={onKeyDown}
      >
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </div>
  );
}

/**
 * The foot of a dialog that asks: Cancel, then the action (the children). Cancel is disabled while
 * busy; `focusCancel` puts the first focus on it, for dialogs whose action cannot be undone.
 */
export function DialogActions(props: { onCancel: () => void; busy?: boolean; focusCancel?: boolean; children: ReactNode }) {
  return (
    <div className="dialog-actions">
      <button type="button" className="btn" onClick={props.onCancel} disabled={props.busy} data-autofocus={props.focusCancel ? true : undefined}>
        Cancel
      </button>
      {props.children}
    </div>
  );
}

/** The foot of a dialog that only reports: one Close button, focused. */
export function DialogClose(props: { onClose: () => void; primary?: boolean }) {
  return (
    <div className="dialog-actions">
      <button type="button" className={props.primary ? 'btn btn-primary' : 'btn'} onClick={props.onClose} data-autofocus>
        Close
      </button>
    </div>
  );
}
