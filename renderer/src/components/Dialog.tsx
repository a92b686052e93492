import { useId, useLayoutEffect, useRef, type ReactNode } from 'react';
import { createPortal } from 'react-dom';

const FOCUSABLE = 'button:not([disabled]), [href], input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Marks a body child that stays usable while a dialog is open (the toasts: a queued drop can be discarded). */
export const NEVER_INERT = 'data-never-inert';

/**
 * The open dialogs' backdrops, oldest first. Each is a child of <body> (a portal), so everything else
 * there, the app's root included, can be made `inert` while one is open: no click, Tab or Enter reaches
 * the page behind it, however the dialog was opened (a click, a key, a dropped file).
 */
const open: HTMLElement[] = [];
const madeInert = new Set<Element>();
const listeners = new Set<(count: number) => void>();

function syncInert(): void {
  const top = open[open.length - 1];
  const want = new Set<Element>();
  if (top) for (const child of Array.from(document.body.children)) if (child !== top && !child.hasAttribute(NEVER_INERT)) want.add(child);
  for (const el of madeInert) {
    if (want.has(el)) continue;
    el.removeAttribute('inert');
    madeInert.delete(el);
  }
  // An element someone else made inert stays theirs to release.
  for (const el of want) {
    if (el.hasAttribute('inert')) continue;
    el.setAttribute('inert', '');
    madeInert.add(el);
  }
  for (const l of listeners) l(open.length);
}

/** How many dialogs are open now. */
export function openDialogCount(): number {
  return open.length;
}

/** Called with the number of open dialogs whenever one opens or closes; returns the unsubscribe. */
export function onDialogsChange(listener: (count: number) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function visibleFocusables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
}

/** The element marked `data-autofocus`, else the first control; null while the dialog has none (still loading). */
function firstFocus(root: HTMLElement): HTMLElement | null {
  const marked = root.querySelector<HTMLElement>('[data-autofocus]');
  if (marked && !marked.matches(':disabled')) return marked;
  return visibleFocusables(root)[0] ?? null;
}

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
 * A modal dialog: labelled by its title, rendered over everything else, which is `inert` meanwhile.
 * Focus goes to the element marked `data-autofocus` (or the first control; the dialog itself while it
 * has none, and on to the first control once one appears), Tab stays inside, Escape closes, and focus
 * returns to where it was when the dialog closes.
 */
export function Dialog({ title, onClose, children, busy = false, className, describedBy }: DialogProps) {
  const ref = useRef<HTMLDivElement>(null);
  const backdrop = useRef<HTMLDivElement>(null);
  const titleId = useId();
  // The latest props for the document-level key handler, which is installed once.
  const latest = useRef({ onClose, busy });
  useLayoutEffect(() => {
    latest.current = { onClose, busy };
  });

  useLayoutEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    const el = ref.current;
    const back = backdrop.current;
    if (!el || !back) return;
    open.push(back);
    syncInert();
    (firstFocus(el) ?? el).focus();

    // Content that arrives later (a plan read from main, an error) takes the focus from the dialog
    // itself, and focus lost with a removed button comes back inside.
    const observer = new MutationObserver(() => {
      if (open[open.length - 1] !== back) return;
      const active = document.activeElement;
      if (active === el || active === null || active === document.body || !el.contains(active)) (firstFocus(el) ?? el).focus();
    });
    observer.observe(el, { childList: true, subtree: true, attributes: true, attributeFilter: ['disabled', 'hidden'] });

    const onKeyDown = (e: KeyboardEvent) => {
      if (open[open.length - 1] !== back || e.defaultPrevented) return;
      if (e.key === 'Escape') {
        if (latest.current.busy) return;
        e.preventDefault();
        e.stopPropagation();
        latest.current.onClose();
        return;
      }
      if (e.key !== 'Tab') return;
      const items = visibleFocusables(el);
      const first = items[0];
      const last = items[items.length - 1];
      if (!first || !last) {
        e.preventDefault();
        el.focus();
        return;
      }
      const active = document.activeElement;
      if (e.shiftKey && (active === first || active === el || !el.contains(active))) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && (active === last || !el.contains(active))) {
        e.preventDefault();
        first.focus();
      }
    };
    document.addEventListener('keydown', onKeyDown);

    return () => {
      document.removeEventListener('keydown', onKeyDown);
      observer.disconnect();
      const at = open.indexOf(back);
      if (at >= 0) open.splice(at, 1);
      syncInert();
      if (previous?.isConnected) previous.focus();
    };
  }, []);

  return createPortal(
    <div
      ref={backdrop}
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
        tabIndex={-1}
      >
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </div>,
    document.body,
  );
}

/**
 * The foot of a dialog that asks: Cancel, then the action (the children). Cancel is disabled while
 * busy; `focusCancel` puts the first focus on it, for dialogs whose action cannot be undone.
 */
export function DialogActions(props: { onCancel: () => void; busy?: boolean; focusCancel?: boolean; children?: ReactNode }) {
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
