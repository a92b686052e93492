import type { ReactNode } from 'react';
import { hintBeyond } from '../../../shared/format';

/**
 * An error as the app shows it: what is wrong in bold, what to do below. Announced (role=alert), so
 * it is read out when it appears after an action.
 */
export function ErrorNotice(props: {
  error: { message: string; hint?: string | undefined };
  /** Replaces the message as the bold line (e.g. to name what failed). */
  title?: ReactNode;
  /** A cancelled operation is a warning, not a failure. */
  tone?: 'danger' | 'warning';
  /** The hint in small print, under a short title. */
  smallHint?: boolean;
}) {
  const { error, tone = 'danger' } = props;
  // Said once: not again in the hint what the bold line already says.
  const shown = typeof props.title === 'string' ? props.title : props.title === undefined ? error.message : '';
  const hint = hintBeyond(shown, error.hint);
  return (
    <div className={`notice notice-${tone}`} role="alert">
      <div>
        <div className="notice-title">{props.title ?? error.message}</div>
        {hint ? <div className={props.smallHint ? 'small' : undefined}>{hint}</div> : null}
      </div>
    </div>
  );
}
