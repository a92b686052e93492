import { useEffect, useState, type FormEvent } from 'react';
import type { AppInfo, Settings } from '../../../../shared/contract';
import { api } from '../../api/bridge';

type Draft = { [K in keyof Settings]: string | boolean };

const FIELDS: Array<{
  key: keyof Settings;
  label: string;
  hint: string;
  seed?: string;
  type?: 'number' | 'select' | 'checkbox';
  options?: string[];
  /** Shown only in the desktop app. */
  desktopOnly?: boolean;
}> = [
  { key: 'defaultVolume', label: 'Default volume', seed: 'VOLUME', hint: 'Preselected when you launch AI-Lab or back up.' },
  { key: 'backupDir', label: 'Backup folder', seed: 'DIR', hint: 'Where backups are written. Empty: ailab-backups in your home folder.' },
  { key: 'listenIp', label: 'Listen IP', seed: 'LISTEN_IP', hint: '127.0.0.1 keeps Jupyter on this machine; 0.0.0.0 exposes it to your network.' },
  { key: 'hostPort', label: 'Host port', seed: 'PORT', hint: 'The port on this machine that AI-Lab is published on.', type: 'number' },
  { key: 'aiLabImage', label: 'AI-Lab image', hint: 'exasol/ai-lab (current) or exasol/data-science-sandbox (early drafts).' },
  {
    key: 'aiLabVersion',
    label: 'AI-Lab version',
    seed: 'VERSION',
    hint: 'The image tag, e.g. latest or 6.1.0. Each launch remembers the image and tag it used here.',
  },
  { key: 'helperImage', label: 'Helper image', hint: 'Runs tar for the tar engine and lists volume files (the guide uses ubuntu).' },
  {
    key: 'backupEngine',
    label: 'Backup engine',
    hint: 'fast: streams through the Docker API and compresses on all cores. tar: the guide’s tar command.',
    type: 'select',
    options: ['fast', 'tar'],
  },
  { key: 'openBrowserWhenReady', label: 'Open the browser when AI-Lab is ready', hint: '', type: 'checkbox' },
  {
    key: 'startAtLogin',
    label: 'Start at login',
    hint: 'AI-Lab Desktop starts in the tray (menu bar) when you log in, without a window, so your backup plans run.',
    type: 'checkbox',
    desktopOnly: true,
  },
];

function toDraft(s: Settings): Draft {
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, typeof v === 'boolean' ? v : String(v)])) as Draft;
}

/** The guide's shell variables, kept between sessions and shared with the CLI. */
export function SettingsPage() {
  const [draft, setDraft] = useState<Draft | null>(null);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<{ field?: string; message: string } | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    void api.getSettings().then((r) => r.ok && setDraft(toDraft(r.value)));
    void api.getAppInfo().then((r) => r.ok && setInfo(r.value));
    return api.onSettingsChanged((s) => setDraft(toDraft(s)));
  }, []);

  if (!draft)
    return (
      <div className="page">
        <span className="spinner" aria-label="Loading settings" />
      </div>
    );

  const onSubmit = async (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    const patch = Object.fromEntries(FIELDS.map((f) => [f.key, f.type === 'number' ? Number(draft[f.key]) : draft[f.key]]));
    const r = await api.updateSettings(patch);
    if (r.ok) {
      setError(null);
      setSaved(true);
      setDraft(toDraft(r.value));
    } else {
      const issue = (r.error.details?.issues as Array<{ path: string; message: string }> | undefined)?.[0];
      setError({ field: issue?.path.split('.').pop(), message: r.error.message });
    }
  };

  return (
    <div className="page" style={{ maxWidth: 640 }}>
      <h2>Settings</h2>
      <p className="muted" style={{ margin: 0 }}>
        The variables from the “Managing User Data” guide. The desktop app, the browser mode and the <code>ailab</code> command share them
        {info ? (
          <>
            {' '}
            in <code>{info.settingsFile}</code>
          </>
        ) : null}
        .
      </p>
      <form className="card card-body" onSubmit={(e) => void onSubmit(e)} aria-label="Settings">
        {FIELDS.filter((f) => !f.desktopOnly || info?.mode === 'electron').map((f) => {
          const id = `setting-${f.key}`;
          const invalid = error?.field === f.key;
          const label = (
            <>
              {f.label}{' '}
              {f.seed ? (
                <span className="badge" title="The guide's variable">
                  ${f.seed}
                </span>
              ) : null}
            </>
          );
          if (f.type === 'checkbox') {
            return (
              <div className="field" key={f.key}>
                <label className="checkbox">
                  <input
                    type="checkbox"
                    checked={draft[f.key] === true}
                    aria-describedby={f.hint ? `${id}-hint` : undefined}
                    onChange={(e) => setDraft({ ...draft, [f.key]: e.target.checked })}
                  />
                  {f.label}
                </label>
                {f.hint ? (
                  <span className="field-hint" id={`${id}-hint`}>
                    {f.hint}
                  </span>
                ) : null}
              </div>
            );
          }
          return (
            <div className="field" key={f.key}>
              <label htmlFor={id}>{label}</label>
              {f.type === 'select' ? (
                <select id={id} className="input" value={String(draft[f.key])} onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}>
                  {f.options?.map((o) => (
                    <option key={o} value={o}>
                      {o}
                    </option>
                  ))}
                </select>
              ) : (
                <input
                  id={id}
                  className="input"
                  inputMode={f.type === 'number' ? 'numeric' : undefined}
                  value={String(draft[f.key])}
                  aria-invalid={invalid}
                  aria-describedby={`${id}-hint`}
                  onChange={(e) => setDraft({ ...draft, [f.key]: e.target.value })}
                />
              )}
              {invalid ? (
                <span className="field-error" role="alert">
                  {error?.message}
                </span>
              ) : null}
              <span className="field-hint" id={`${id}-hint`}>
                {f.hint}
              </span>
            </div>
          );
        })}
        {error && !error.field ? (
          <div className="notice notice-danger" role="alert">
            {error.message}
          </div>
        ) : null}
        <div className="toolbar">
          <button type="submit" className="btn btn-primary">
            Save settings
          </button>
          {saved ? (
            <span className="muted" role="status">
              Saved.
            </span>
          ) : null}
        </div>
      </form>
    </div>
  );
}
