import type { ReactNode } from 'react';
import type { ContainerRef } from '../../../../shared/contract/jobs';

/** Running containers use the job's volume: who they are, and the choice to stop them for the job. */
export function StopContainersNotice(props: {
  running: ContainerRef[];
  volume: string;
  job: 'backup' | 'restore';
  stop: boolean;
  onStop: (stop: boolean) => void;
  children?: ReactNode;
}) {
  const { running, job } = props;
  return (
    <div className="notice notice-warning jobs-gap">
      <div>
        <div className="notice-title">
          {running.map((c) => c.name).join(', ')} {running.length === 1 ? 'is' : 'are'} using {props.volume}
        </div>
        {props.children}
        <label className="checkbox jobs-gap-sm">
          <input type="checkbox" checked={props.stop} onChange={(e) => props.onStop(e.target.checked)} />
          <span>
            Stop {running.length === 1 ? 'it' : 'them'} during the {job} and start again after (also if the {job} fails)
          </span>
        </label>
      </div>
    </div>
  );
}
