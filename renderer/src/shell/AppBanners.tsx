import { useEffect, useState } from 'react';
import type { AppInfo } from '../../../shared/contract';
import { api } from '../api/bridge';
import { dockerProblemTitle } from '../components/dockerProblem';
import { RetryDockerButton } from '../components/RetryDockerButton';
import { useNow } from '../components/useNow';
import { PlanFailureBanners } from '../features/plans';
import { useDockerStore } from '../store/dockerStore';

/** App-wide notices: Docker unreachable (with what to do), settings fallback, lost server link. */
export function AppBanners() {
  const status = useDockerStore((s) => s.status);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [dismissed, setDismissed] = useState(false);
  const [transport, setTransport] = useState<'open' | 'reconnecting'>('open');
  const [blockedUrl, setBlockedUrl] = useState<string | null>(null);
  const unreachable = status?.state === 'unreachable';
  const now = useNow(1000, unreachable);

  useEffect(() => {
    void api.getAppInfo().then((r) => r.ok && setInfo(r.value));
    const offOpen = api.onOpenUrl((p) => setBlockedUrl(p.popupBlocked ? p.url : null));
    const offTransport = api.onTransportState?.((s) => {
      setTransport(s);
      if (s === 'open') void api.getAppInfo().then((r) => r.ok && setInfo(r.value));
    });
    return () => {
      offOpen();
      offTransport?.();
    };
  }, []);

  const seconds = status?.nextRetryAt ? Math.max(0, Math.ceil((status.nextRetryAt - now) / 1000)) : null;
  return (
    <div className="app-banners">
      <PlanFailureBanners />
      {transport === 'reconnecting' && (
        <div className="notice notice-warning" role="alert">
          <span className="spinner" aria-hidden="true" />
          <div>
            <div className="notice-title">Lost the connection to the AI-Lab Desktop server.</div>
            <div>
              Is <code>npm run serve</code> still running? This page reconnects by itself.
            </div>
          </div>
        </div>
      )}
      {blockedUrl && (
        <div className="notice notice-info" role="alert">
          <div style={{ flex: 1 }}>
            <div className="notice-title">Your browser blocked the new tab.</div>
            <div>
              {/* The URL came from main in an openUrl event; the page never opens one of its own making. */}
              <a href={blockedUrl} target="_blank" rel="noopener noreferrer" onClick={() => setBlockedUrl(null)}>
                Open {blockedUrl}
              </a>
            </div>
          </div>
          <button className="btn btn-ghost" onClick={() => setBlockedUrl(null)} aria-label="Dismiss the blocked pop-up notice">
            Dismiss
          </button>
        </div>
      )}
      {unreachable && status?.error && (
        <div className="notice notice-danger" role="alert" aria-label={dockerProblemTitle(status.error.code)}>
          <div style={{ flex: 1 }}>
            <div className="notice-title">
              {dockerProblemTitle(status.error.code)}. {status.error.message}
            </div>
            <div>{status.error.hint}</div>
            <div className="muted small">
              Endpoint: <code>{status.endpoint?.url ?? 'none'}</code>
              {status.endpoint ? ` (from ${status.endpoint.source})` : ''}
              {seconds !== null ? ` · trying again in ${seconds} s` : ''}
            </div>
          </div>
          <RetryDockerButton />
        </div>
      )}
      {info?.settingsWarning && !dismissed && (
        <div className="notice notice-warning" role="alert">
          <div style={{ flex: 1 }}>
            <div className="notice-title">Settings were reset to defaults</div>
            <div>{info.settingsWarning}</div>
          </div>
          <button className="btn btn-ghost" onClick={() => setDismissed(true)} aria-label="Dismiss the settings warning">
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}
