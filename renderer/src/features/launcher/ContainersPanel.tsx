import { useEffect, useState } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract';
import type { AiLabContainer } from '../../../../shared/contract/launcher';
import { formatUptime } from '../../../../shared/format';
import { api } from '../../api/bridge';
import { TableHead, type Column } from '../../components/ColumnHeads';
import { Dialog, DialogActions, DialogClose } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { useNow } from '../../components/useNow';
import { LogView } from './LogView';
import { newFollowId, registerFollow, unregisterFollow, useLauncherStore } from './launcherStore';
import { UpgradeDialog } from './UpgradeDialog';
import { startUpgradeSync, useUpgradeStore } from './upgradeStore';

type Action = 'start' | 'stop' | 'restart' | 'remove' | 'open';

/** The buttons that start or stop a container, by whether it runs. */
const RUNNING_ACTIONS: Array<{ action: Action; label: string }> = [
  { action: 'stop', label: 'Stop' },
  { action: 'restart', label: 'Restart' },
];
const STOPPED_ACTIONS: Array<{ action: Action; label: string }> = [{ action: 'start', label: 'Start' }];

const COLUMNS: Column[] = [
  { label: 'Name' },
  { label: 'State' },
  { label: 'Version' },
  { label: 'Volume' },
  { label: 'URL' },
  { label: 'Uptime' },
  { label: 'Actions', srOnly: true },
];

function stateBadge(c: AiLabContainer) {
  const cls =
    c.state === 'running' ? 'badge-ok' : c.state === 'restarting' || c.state === 'paused' ? 'badge-warning' : c.state === 'dead' ? 'badge-danger' : '';
  // Exit code 137 after a stop is Docker's SIGKILL, not a crash: say "stopped" and how (main's words).
  const text = c.state === 'exited' ? (c.exitNote ? 'stopped' : `exited (${c.exitCode ?? 0})`) : c.state;
  return (
    <>
      <span className={`badge ${cls}`}>{text}</span>
      {c.exitNote ? <div className="muted small al-exit-note">{c.exitNote}</div> : null}
    </>
  );
}

function LogsDialog(props: { container: AiLabContainer; onClose: () => void }) {
  const { container, onClose } = props;
  const [followId] = useState(newFollowId);
  const [error, setError] = useState<ApiErrorPayload | null>(null);
  const lines = useLauncherStore((s) => s.follows[followId]);

  useEffect(() => {
    registerFollow(followId);
    void api.followAiLabLogs(followId, container.id, { tail: 500 }).then((r) => {
      if (!r.ok) setError(r.error);
    });
    return () => {
      void api.stopFollowingAiLabLogs(followId);
      unregisterFollow(followId);
    };
  }, [followId, container.id]);

  return (
    <Dialog title={`Log of ${container.name}`} onClose={onClose} className="al-dialog-wide">
      <p className="muted small">The last 500 lines{container.state === 'running' ? ', then new ones as they come' : ''}.</p>
      {error ? <div className="notice notice-danger">{error.message}</div> : null}
      <LogView lines={lines ?? []} label={`Log of ${container.name}`} height={420} />
      <DialogClose onClose={onClose} />
    </Dialog>
  );
}

function RemoveDialog(props: { container: AiLabContainer; onClose: () => void; onConfirm: () => void; busy: boolean }) {
  const c = props.container;
  return (
    <Dialog title={`Remove container ${c.name}?`} onClose={props.onClose} busy={props.busy}>
      <p>
        Packages installed with <code>%pip</code> inside this container are lost.{' '}
        {c.volume ? (
          <>
            The notebooks in volume <strong>{c.volume}</strong> are kept.
          </>
        ) : (
          'It has no named volume: files kept only inside it are lost too.'
        )}
      </p>
      {c.state === 'running' ? <p className="al-warn-text">It is running and will be stopped first.</p> : null}
      <p className="muted small">To keep the extras, stop it instead and start it again later.</p>
      <DialogActions onCancel={props.onClose} busy={props.busy} focusCancel>
        <button type="button" className="btn btn-danger btn-solid" onClick={props.onConfirm} disabled={props.busy}>
          Remove container
        </button>
      </DialogActions>
    </Dialog>
  );
}

/** Every AI-Lab container on the engine, kept current by engine events. */
export function ContainersPanel() {
  const containers = useLauncherStore((s) => s.containers);
  const loaded = useLauncherStore((s) => s.containersLoaded);
  const listError = useLauncherStore((s) => s.containersError);
  const now = useNow(15_000);
  const [busy, setBusy] = useState<Record<string, Action>>({});
  const [error, setError] = useState<{ name: string; error: ApiErrorPayload } | null>(null);
  const [removing, setRemoving] = useState<AiLabContainer | null>(null);
  const [logsOf, setLogsOf] = useState<AiLabContainer | null>(null);
  const [upgrading, setUpgrading] = useState<AiLabContainer | null>(null);
  const pending = useUpgradeStore((s) => s.pending);
  useEffect(() => startUpgradeSync(), []);

  const act = async (c: AiLabContainer, action: Action) => {
    setBusy((b) => ({ ...b, [c.id]: action }));
    setError(null);
    const r =
      action === 'start'
        ? await api.startAiLabContainer(c.id)
        : action === 'stop'
          ? await api.stopAiLabContainer(c.id)
          : action === 'restart'
            ? await api.restartAiLabContainer(c.id)
            : action === 'open'
              ? await api.openAiLab(c.id)
              : await api.removeAiLabContainer(c.id, { force: true });
    setBusy((b) => {
      const next = { ...b };
      delete next[c.id];
      return next;
    });
    if (!r.ok) setError({ name: c.name, error: r.error });
    if (action === 'remove') setRemoving(null);
    // The engine event refreshes the list; this covers a missed event (e.g. a reconnect in between).
    if (r.ok && action !== 'open') void useLauncherStore.getState().refreshContainers();
  };

  return (
    <section className="card" aria-labelledby="al-containers-title">
      <div className="card-body">
        <div className="toolbar al-section-head">
          <h2 id="al-containers-title">AI-Lab containers</h2>
          <span className="muted small">From exasol/ai-lab and data-science-sandbox images, or launched here.</span>
        </div>
        {listError ? <div className="notice notice-danger">{listError.message}</div> : null}
        {error ? <ErrorNotice error={error.error} title={`${error.name}: ${error.error.message}`} smallHint /> : null}
        {!loaded ? (
          <div className="toolbar muted">
            <span className="spinner" aria-hidden="true" /> Loading…
          </div>
        ) : containers.length === 0 ? (
          <p className="muted">No AI-Lab containers yet. Launch one above.</p>
        ) : (
          <div className="al-table-wrap">
            <table className="table" aria-label="AI-Lab containers">
              <TableHead columns={COLUMNS} />
              <tbody>
                {containers.map((c) => {
                  const doing = busy[c.id];
                  const running = c.state === 'running';
                  const upgraded = pending.find((p) => p.name === c.name && p.oldContainerId !== c.id) ?? null;
                  const keptFor = pending.find((p) => p.oldContainerId === c.id) ?? null;
                  return (
                    <tr key={c.id} aria-label={c.name}>
                      <td>
                        <div className="al-name">{c.name}</div>
                        <div className="muted small mono" title={c.image}>
                          {c.image}
                        </div>
                      </td>
                      <td>
                        {doing && doing !== 'open' ? (
                          <span className="toolbar small">
                            <span className="spinner" aria-hidden="true" /> {doing === 'stop' ? 'stopping' : doing === 'remove' ? 'removing' : `${doing}ing`}…
                          </span>
                        ) : (
                          stateBadge(c)
                        )}
                        {upgraded ? (
                          <div className="al-upgrade-pending small">
                            <span className="badge badge-warning">upgrade pending</span>{' '}
                            <span className="muted">from {upgraded.oldImage.split(':').at(-1)}: keep or roll back</span>
                          </div>
                        ) : null}
                        {keptFor ? <div className="muted small al-upgrade-pending">Kept for a roll back of “{keptFor.name}”.</div> : null}
                        {c.dockerSocket ? (
                          <span className="badge badge-warning" title="The Docker socket is mounted: notebooks have root access to the Docker host.">
                            docker.sock
                          </span>
                        ) : null}
                      </td>
                      <td className="mono">{c.version}</td>
                      <td>{c.volume ?? <span className="muted">none</span>}</td>
                      <td>
                        {c.url ? (
                          <button
                            type="button"
                            className="btn btn-sm btn-ghost al-link"
                            onClick={() => void act(c, 'open')}
                            aria-label={`Open ${c.name} in browser`}
                            title={c.loginHint}
                          >
                            {c.url}
                          </button>
                        ) : (
                          <span className="muted">{c.hostPort ? `port ${c.hostPort}` : '—'}</span>
                        )}
                      </td>
                      <td>{running ? formatUptime(c.startedAt, now) : ''}</td>
                      <td>
                        <div className="toolbar al-actions">
                          {(running ? RUNNING_ACTIONS : STOPPED_ACTIONS).map(({ action, label }) => (
                            <button
                              key={action}
                              type="button"
                              className="btn btn-sm"
                              disabled={Boolean(doing)}
                              onClick={() => void act(c, action)}
                              aria-label={`${label} ${c.name}`}
                            >
                              {label}
                            </button>
                          ))}
                          {keptFor ? null : (
                            <button
                              type="button"
                              className={upgraded ? 'btn btn-sm btn-primary' : 'btn btn-sm'}
                              disabled={Boolean(doing)}
                              onClick={() => setUpgrading(c)}
                              aria-label={upgraded ? `Keep or roll back the upgrade of ${c.name}` : `Upgrade ${c.name}`}
                            >
                              {upgraded ? 'Keep / Roll back…' : 'Upgrade…'}
                            </button>
                          )}
                          <button type="button" className="btn btn-sm" onClick={() => setLogsOf(c)} aria-label={`Logs of ${c.name}`}>
                            Logs
                          </button>
                          <button
                            type="button"
                            className="btn btn-sm btn-danger"
                            disabled={Boolean(doing)}
                            onClick={() => setRemoving(c)}
                            aria-label={`Remove ${c.name}`}
                          >
                            Remove
                          </button>
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </div>
      {removing ? (
        <RemoveDialog
          container={removing}
          busy={busy[removing.id] === 'remove'}
          onClose={() => setRemoving(null)}
          onConfirm={() => void act(removing, 'remove')}
        />
      ) : null}
      {upgrading ? <UpgradeDialog container={upgrading} onClose={() => setUpgrading(null)} /> : null}
      {logsOf ? <LogsDialog container={containers.find((c) => c.id === logsOf.id) ?? logsOf} onClose={() => setLogsOf(null)} /> : null}
    </section>
  );
}
