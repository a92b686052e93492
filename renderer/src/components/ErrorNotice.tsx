import type { ReactNode } from 'react';

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
  return (
    <div className={`notice notice-${tone}`} role="alert">
      <div>
        <div className="notice-title">{props.title ?? error.message}</div>
        {error.hint ? <div className={props.smallHint ? 'small' : undefined}>{error.hint}</div> : null}
      </div>
    </div>
  );
}
