import { useMemo, useState } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import type { VolumeContainerRef, VolumeSize, VolumeSummary } from '../../../../shared/contract/volumes';
import { formatBytes } from '../../../../shared/format';
import { api } from '../../api/bridge';
import { Dialog, DialogActions, DialogClose } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { removalSentence, sizeOf } from './listView';
import { useVolumeStore } from './volumeStore';

interface Outcome {
  name: string;
  ok: boolean;
  error?: ApiErrorPayload;
  note?: string;
}

function sizeText(v: VolumeSummary, sizes: Record<string, VolumeSize>): string {
  const n = sizeOf(v, sizes);
  return n === null ? 'size not known yet' : formatBytes(n);
}

/**
 * Remove one or more volumes. Names each volume with its size; for a volume in use, names the
 * containers. Stopped containers are removed only when the user ticks that; a running container only
 * when its own checkbox is ticked. A volume whose containers are not all cleared is kept.
 */
export function RemoveVolumesDialog(props: { names: string[] }) {
  const volumes = useVolumeStore((s) => s.volumes);
  const sizes = useVolumeStore((s) => s.sizes);
  const close = () => useVolumeStore.getState().openDialog(null);
  const [removeStopped, setRemoveStopped] = useState(false);
  const [stopIds, setStopIds] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [outcomes, setOutcomes] = useState<Outcome[] | null>(null);
  const [typed, setTyped] = useState('');

  const targets = useMemo(() => {
    const byName = new Map((volumes ?? []).map((v) => [v.name, v]));
    return props.names.map((n) => ({ name: n, volume: byName.get(n) ?? null }));
  }, [volumes, props.names]);

  const stopped = targets.flatMap((t) => t.volume?.containers.filter((c) => !c.running) ?? []);
  const running = targets.flatMap((t) => t.volume?.containers.filter((c) => c.running) ?? []);
  const uniqueStopped = [...new Map(stopped.map((c) => [c.id, c])).values()];
  const uniqueRunning = [...new Map(running.map((c) => [c.id, c])).values()];

  const blockers = (v: VolumeSummary | null): VolumeContainerRef[] => (v ? v.containers.filter((c) => (c.running ? !stopIds.has(c.id) : !removeStopped)) : []);
  const removable = targets.filter((t) => t.volume && blockers(t.volume).length === 0);
  const kept = targets.filter((t) => t.volume && blockers(t.volume).length > 0);
  const gone = targets.filter((t) => !t.volume);
  const stopCount = uniqueRunning.filter((c) => stopIds.has(c.id)).length;
  // The Exasol DB's volume: a yes is too easy to give by habit, so its name is typed (main checks it too).
  const guarded = removable.find((t) => t.volume?.exasolDb);
  const nameConfirmed = !guarded || typed === guarded.name;
  // While nothing can go yet, the (disabled) button still names what was asked for.
  const count = removable.length > 0 ? removable.length : props.names.length;

  const sentence = removalSentence(
    removable.map((t) => t.name),
    kept.map((t) => t.name),
  );
  const title = props.names.length === 1 ? `Remove volume “${props.names[0]}”?` : `Remove ${props.names.length} volumes?`;

  const run = async () => {
    setBusy(true);
    const results: Outcome[] = [];
    for (const t of removable) {
      const r = await api.removeVolume(t.name, {
        removeStoppedContainers: removeStopped,
        stopContainers: uniqueRunning.filter((c) => stopIds.has(c.id)).map((c) => c.id),
        ...(t.volume?.exasolDb ? { confirmName: typed } : {}),
      });
      if (r.ok) {
        const parts = [];
        if (r.value.stoppedContainers.length) parts.push(`stopped ${r.value.stoppedContainers.join(', ')}`);
        if (r.value.removedContainers.length)
          parts.push(`removed container${r.value.removedContainers.length === 1 ? '' : 's'} ${r.value.removedContainers.join(', ')}`);
        results.push({ name: t.name, ok: true, note: parts.join('; ') });
      } else {
        results.push({ name: t.name, ok: false, error: r.error });
      }
    }
    setBusy(false);
    const store = useVolumeStore.getState();
    store.setChecked([...store.checked].filter((n) => !results.some((o) => o.ok && o.name === n)));
    void store.load();
    if (results.every((o) => o.ok) && kept.length === 0) {
      close();
      return;
    }
    setOutcomes(results);
  };

  if (outcomes) {
    return (
      <Dialog title="Removal finished" onClose={close} className="vol-dialog">
        <ul className="vol-plain-list" aria-label="Results">
          {outcomes.map((o) => (
            <li key={o.name}>
              {o.ok ? (
                <>
                  <span className="badge badge-ok">removed</span> <strong className="vol-break">{o.name}</strong>
                  {o.note ? <span className="muted"> ({o.note})</span> : null}
                </>
              ) : o.error ? (
                <ErrorNotice error={o.error} />
              ) : null}
            </li>
          ))}
          {kept.map((t) => (
            <li key={t.name}>
              <span className="badge">kept</span> <strong className="vol-break">{t.name}</strong> <span className="muted">(still in use)</span>
            </li>
          ))}
        </ul>
        <DialogClose onClose={close} primary />
      </Dialog>
    );
  }

  return (
    <Dialog title={title} onClose={close} busy={busy} className={uniqueRunning.length + uniqueStopped.length > 0 ? 'vol-dialog vol-dialog-wide' : 'vol-dialog'}>
      {sentence ? <p className="vol-m0">{sentence}</p> : null}
      <ul className="vol-remove-list" aria-label="Volumes to remove">
        {targets.map((t) => {
          const v = t.volume;
          const b = blockers(v);
          return (
            <li key={t.name}>
              <div className="vol-remove-head">
                <strong className="vol-break">{t.name}</strong>
                {v ? <span className="muted">{sizeText(v, sizes)}</span> : <span className="badge badge-warning">already gone</span>}
                {v && b.length > 0 ? <span className="badge badge-warning">will be kept</span> : null}
                {v?.exasolDb ? <span className="badge badge-danger">{v.exasolDb.label}</span> : null}
              </div>
              {v && v.containers.length > 0 ? (
                <div className="small">
                  In use by{' '}
                  {v.containers.map((c, i) => (
                    <span key={c.id}>
                      {i > 0 ? ', ' : ''}
                      container <strong>{c.name}</strong> ({c.state}
                      {c.aiLab ? ', AI-Lab' : ''})
                    </span>
                  ))}
                  .
                </div>
              ) : null}
            </li>
          );
        })}
      </ul>

      {uniqueStopped.length > 0 ? (
        <label className="checkbox vol-option">
          <input type="checkbox" checked={removeStopped} onChange={(e) => setRemoveStopped(e.target.checked)} disabled={busy} />
          <span>
            Remove the stopped container{uniqueStopped.length === 1 ? '' : 's'} first: <strong>{uniqueStopped.map((c) => c.name).join(', ')}</strong>
            {uniqueStopped.some((c) => c.aiLab) ? (
              <span className="muted"> (an AI-Lab container keeps the %pip packages you installed in it; they go with it)</span>
            ) : null}
          </span>
        </label>
      ) : null}

      {uniqueRunning.length > 0 ? (
        <fieldset className="vol-running">
          <legend>
            Running container{uniqueRunning.length === 1 ? '' : 's'}: never stopped unless you tick {uniqueRunning.length === 1 ? 'it' : 'each one'}
          </legend>
          {uniqueRunning.map((c) => (
            <label key={c.id} className="checkbox vol-option">
              <input
                type="checkbox"
                disabled={busy}
                checked={stopIds.has(c.id)}
                onChange={(e) => {
                  const next = new Set(stopIds);
                  if (e.target.checked) next.add(c.id);
                  else next.delete(c.id);
                  setStopIds(next);
                }}
              />
              <span>
                Stop and remove <strong>{c.name}</strong> (running{c.aiLab ? ', AI-Lab: unsaved notebook changes and %pip packages in it are lost' : ''})
              </span>
            </label>
          ))}
        </fieldset>
      ) : null}

      {guarded ? (
        <div className="notice notice-danger vol-option" role="note">
          <div>
            <div className="notice-title">{guarded.name} holds AI-Lab&apos;s Exasol database</div>
            <p className="vol-m0">
              Removing it deletes the database of the Exasol Docker-DB
              {guarded.volume?.exasolDb?.containers.length ? ` (${guarded.volume.exasolDb.containers.join(', ')})` : ''}; AI-Lab would start an empty one. Back
              it up first if you may need it.
            </p>
            <label className="field vol-confirm-name">
              <span>
                Type <strong className="vol-break">{guarded.name}</strong> to confirm
              </span>
              <input
                type="text"
                className="input"
                value={typed}
                onChange={(e) => setTyped(e.target.value)}
                disabled={busy}
                autoComplete="off"
                spellCheck={false}
                aria-label={`Type ${guarded.name} to confirm`}
                aria-invalid={typed !== '' && !nameConfirmed}
              />
            </label>
          </div>
        </div>
      ) : null}

      {kept.length > 0 && removable.length === 0 ? (
        <div className="notice notice-warning" role="status">
          <div>
            {kept.length === 1 ? `Volume “${kept[0]?.name}” is in use` : 'These volumes are in use'} and cannot be removed while a container holds{' '}
            {kept.length === 1 ? 'it' : 'them'}. Tick the options above, or stop and remove the containers yourself.
          </div>
        </div>
      ) : null}
      {gone.length > 0 && removable.length === 0 && kept.length === 0 ? (
        <div className="notice notice-warning" role="status">
          <div>Nothing to remove: {gone.length === 1 ? 'the volume was' : 'the volumes were'} removed in the meantime.</div>
        </div>
      ) : null}

      <DialogActions onCancel={close} busy={busy} focusCancel>
        <button className="btn btn-danger btn-solid" onClick={() => void run()} disabled={busy || removable.length === 0 || !nameConfirmed}>
          {busy
            ? 'Removing…'
            : `${stopCount > 0 ? `Stop ${stopCount} container${stopCount === 1 ? '' : 's'} and remove` : 'Remove'} ${count === 1 ? 'volume' : `${count} volumes`}`}
        </button>
      </DialogActions>
    </Dialog>
  );
}
