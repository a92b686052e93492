import type { ReactNode } from 'react';
import type { ContainerRef } from '../../../../shared/contract/jobs';

/** Running containers use the job's volume: who they are, and the choice to stop them for the job. */
export function StopContainersNotice(props: {
  running: ContainerRef[];
  volume: string;
  job: 'backup' | 'restore' | 'export' | 'import';
  stop: boolean;
  onStop: (stop: boolean) => void;
  /** Why stopping is the recommended choice here (the Exasol DB's volume); unticking it then says what is at stake. */
  recommended?: string;
  children?: ReactNode;
}) {
  const { running, job } = props;
  return (
    <div className="notice notice-warning jobs-gap">
      <div>
        <div className="notice-title">
          {running.map((c) => c.name).join(', ')} {running.length === 1 ? 'is' : 'are'} using {props.volume}
        </div>
        {props.recommended ? <div className="small">{props.recommended}</div> : props.children}
        <label className="checkbox jobs-gap-sm">
          <input type="checkbox" checked={props.stop} onChange={(e) => props.onStop(e.target.checked)} />
          <span>
            Stop {running.length === 1 ? 'it' : 'them'} during the {job} and start again after (also if the {job} fails)
            {props.recommended ? <strong> (recommended)</strong> : null}
          </span>
        </label>
        {props.recommended && !props.stop ? (
          <div className="small jobs-gap-sm" role="alert">
            Not stopping: the database is copied while it runs, and this backup may not start again.
          </div>
        ) : null}
      </div>
    </div>
  );
}
