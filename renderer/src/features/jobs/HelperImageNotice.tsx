import { useEffect, useState } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract';
import type { ImagePullProgress } from '../../../../shared/contract/jobs';
import { api } from '../../api/bridge';
import { ErrorNotice } from './JobDialog';
import { formatBytes } from './format';

/** The tar engine's helper image is missing: say so and offer `docker pull` with its progress. */
export function HelperImageNotice(props: { image: string; onPulled: () => void }) {
  const [pulling, setPulling] = useState(false);
  const [status, setStatus] = useState<ImagePullProgress | null>(null);
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  useEffect(() => api.onImagePullProgress((p) => setStatus(p)), []);
  const pull = async () => {
    setPulling(true);
    setError(null);
    const r = await api.pullHelperImage(props.image);
    setPulling(false);
    if (r.ok) props.onPulled();
    else setError(r.error);
  };
  return (
    <div className="notice notice-warning jobs-gap">
      <div>
        <div className="notice-title">The helper image {props.image} is not on this Docker engine.</div>
        <div className="small">The tar engine runs the guide&apos;s tar command in it. Pull it (needs internet), or use the fast engine.</div>
        <div className="toolbar jobs-gap-sm">
          <button type="button" className="btn" onClick={() => void pull()} disabled={pulling}>
            {pulling ? <span className="spinner" /> : null}
            Pull {props.image}
          </button>
          {pulling && status ? (
            <span className="small muted">
              {status.status}
              {status.total ? ` ${formatBytes(status.current)} / ${formatBytes(status.total)}` : ''}
            </span>
          ) : null}
        </div>
        <ErrorNotice error={error} />
      </div>
    </div>
  );
}
