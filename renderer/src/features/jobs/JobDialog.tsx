import type { ReactNode } from 'react';
import { hintBeyond } from '../../../../shared/format';
import { Dialog } from '../../components/Dialog';

/** The app's dialog with the jobs feature's widths (progress views need room for file names). */
export function JobDialog(props: { title: ReactNode; onClose: () => void; children: ReactNode; wide?: boolean; busy?: boolean; className?: string }) {
  const className = `jobs-dialog${props.wide ? ' jobs-dialog-wide' : ''}${props.className ? ` ${props.className}` : ''}`;
  return (
    <Dialog title={props.title} onClose={props.onClose} busy={props.busy ?? false} className={className}>
      {props.children}
    </Dialog>
  );
}

/** An error from a call, as the user should read it: what is wrong, then what to do. */
export function ErrorNotice(props: { error: { message: string; hint?: string } | null; title?: string }) {
  if (!props.error) return null;
  const hint = hintBeyond(props.error.message, props.error.hint);
  return (
    <div className="notice notice-danger jobs-error" role="alert">
      <div>
        {props.title ? <div className="notice-title">{props.title}</div> : null}
        <div className="jobs-prewrap">{props.error.message}</div>
        {hint ? <div className="muted small">{hint}</div> : null}
      </div>
    </div>
  );
}
