import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';

export interface MenuItem {
  label: string;
  onSelect: () => void;
  disabled?: boolean;
  /** Why it is disabled, or what it does (the item's title). */
  title?: string;
  danger?: boolean;
}

/**
 * A button that opens a short menu (the WAI-ARIA menu button pattern): Enter, Space or ArrowDown open
 * it on the first item, arrows and Home/End move, Enter picks, Escape or Tab closes it and focus goes
 * back to the button.
 */
export function MenuButton(props: { label: string; items: MenuItem[]; className?: string; ariaLabel?: string }) {
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const menuId = useId();
  const enabled = props.items.map((it, i) => (it.disabled ? -1 : i)).filter((i) => i >= 0);

  useEffect(() => {
    if (!open) return;
    const item = list.current?.querySelectorAll<HTMLElement>('[role="menuitem"]')[active];
    item?.focus();
  }, [open, active]);

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      const t = e.target as Node;
      if (!list.current?.contains(t) && !button.current?.contains(t)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const openAt = (i: number) => {
    setActive(i);
    setOpen(true);
  };
  const close = (focusButton: boolean) => {
    setOpen(false);
    if (focusButton) button.current?.focus();
  };
  const move = (delta: number) => {
    const pos = enabled.indexOf(active);
    const next = enabled[(pos + delta + enabled.length) % enabled.length];
    if (next !== undefined) setActive(next);
  };
  const onMenuKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') move(1);
    else if (e.key === 'ArrowUp') move(-1);
    else if (e.key === 'Home') setActive(enabled[0] ?? 0);
    else if (e.key === 'End') setActive(enabled[enabled.length - 1] ?? 0);
    else if (e.key === 'Escape') close(true);
    else if (e.key === 'Tab') close(false);
    else return;
    if (e.key !== 'Tab') e.preventDefault();
  };

  return (
    <span className="menu-button">
      <button
        ref={button}
        type="button"
        className={props.className ?? 'btn'}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        aria-label={props.ariaLabel}
        onClick={() => (open ? close(false) : openAt(enabled[0] ?? 0))}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
            e.preventDefault();
            openAt(e.key === 'ArrowDown' ? (enabled[0] ?? 0) : (enabled[enabled.length - 1] ?? 0));
          }
        }}
      >
        {props.label} ▾
      </button>
      {open ? (
        <ul ref={list} id={menuId} role="menu" className="menu-list card" aria-label={props.ariaLabel ?? props.label} onKeyDown={onMenuKey}>
          {props.items.map((it, i) => (
            <li
              key={it.label}
              role="menuitem"
              tabIndex={i === active ? 0 : -1}
              aria-disabled={it.disabled || undefined}
              title={it.title}
              className={`menu-item${it.danger ? ' menu-item-danger' : ''}`}
              onClick={() => {
                if (it.disabled) return;
                close(true);
                it.onSelect();
              }}
              onKeyDown={(e) => {
                if ((e.key === 'Enter' || e.key === ' ') && !it.disabled) {
                  e.preventDefault();
                  close(true);
                  it.onSelect();
                }
              }}
            >
              {it.label}
            </li>
          ))}
        </ul>
      ) : null}
    </span>
  );
}
