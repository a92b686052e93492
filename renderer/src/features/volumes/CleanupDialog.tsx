import { useMemo, useState } from 'react';
import type { ApiErrorPayload } from '../../../../shared/contract/errors';
import type { CleanupResult } from '../../../../shared/contract/volumes';
import { formatAgo, formatBytes, formatDate } from '../../../../shared/format';
import { api } from '../../api/bridge';
import { TableHead, type Column } from '../../components/ColumnHeads';
import { Dialog, DialogActions, DialogClose } from '../../components/Dialog';
import { ErrorNotice } from '../../components/ErrorNotice';
import { cleanupCandidates, sizeOf } from './listView';
import { useVolumeStore } from './volumeStore';

const COLUMNS: Column[] = [{ label: 'Remove', srOnly: true }, { label: 'Volume' }, { label: 'Size' }, { label: 'Created' }];

/**
 * "Clean up": removes the unused anonymous volumes in one step, listing each one (with size and age)
 * first. Only the ticked names are sent, and main re-checks each before removing it.
 */
export function CleanupDialog() {
  const volumes = useVolumeStore((s) => s.volumes);
  const sizes = useVolumeStore((s) => s.sizes);
  const close = () => useVolumeStore.getState().openDialog(null);
  // What the dialog opened with: volumes that appear meanwhile are not added behind the user's back.
  const [offered] = useState(() => cleanupCandidates(volumes ?? []));
  const [unticked, setUnticked] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<CleanupResult | null>(null);
  const [failure, setFailure] = useState<ApiErrorPayload | null>(null);

  const chosen = offered.filter((v) => !unticked.has(v.name));
  const total = useMemo(() => chosen.reduce((sum, v) => sum + (sizeOf(v, sizes) ?? 0), 0), [chosen, sizes]);
  const unknown = chosen.some((v) => sizeOf(v, sizes) === null);

  const run = async () => {
    setBusy(true);
    setFailure(null);
    const r = await api.cleanupVolumes(chosen.map((v) => v.name));
    setBusy(false);
    void useVolumeStore.getState().load();
    if (!r.ok) setFailure(r.error);
    else if (r.value.skipped.length === 0) close();
    else setResult(r.value);
  };

  if (result) {
    return (
      <Dialog title="Clean-up finished" onClose={close} className="vol-dialog">
        <p>
          Removed {result.removed.length} volume{result.removed.length === 1 ? '' : 's'}. Kept {result.skipped.length}:
        </p>
        <ul className="vol-plain-list">
          {result.skipped.map((s) => (
            <li key={s.name}>
              <span className="mono vol-break">{s.name}</span>: {s.reason}
            </li>
          ))}
        </ul>
        <DialogClose onClose={close} primary />
      </Dialog>
    );
  }

  return (
    <Dialog title="Clean up unused anonymous volumes" onClose={close} busy={busy} className="vol-dialog vol-dialog-wide">
      {offered.length === 0 ? (
        <p>There are no unused anonymous volumes.</p>
      ) : (
        <>
          <p className="vol-m0">
            Docker creates an anonymous volume (a 64-character name) for each <code>docker run</code> of an image that declares a volume, such as
            <code> exasol/ai-lab</code> started without <code>--volume</code>. These are used by no container. Untick any you want to keep.
          </p>
          <div className="vol-cleanup-scroll">
            <table className="table" aria-label="Volumes that will be removed">
              <TableHead columns={COLUMNS} />
              <tbody>
                {offered.map((v) => (
                  <tr key={v.name}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Remove ${v.name}`}
                        checked={!unticked.has(v.name)}
                        disabled={busy}
                        onChange={(e) => {
                          const next = new Set(unticked);
                          if (e.target.checked) next.delete(v.name);
                          else next.add(v.name);
                          setUnticked(next);
                        }}
                      />
                    </td>
                    <td className="mono small vol-break">{v.name}</td>
                    <td>{formatBytes(sizeOf(v, sizes), '…')}</td>
                    <td title={formatDate(v.createdAt)}>{formatAgo(v.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="vol-m0">
            <strong>{chosen.length}</strong> of {offered.length} selected{chosen.length > 0 ? `, ${formatBytes(total)}${unknown ? ' or more' : ''}` : ''}.
          </p>
        </>
      )}
      {failure ? <ErrorNotice error={failure} /> : null}
      <DialogActions onCancel={close} busy={busy} focusCancel>
        <button className="btn btn-danger btn-solid" onClick={() => void run()} disabled={busy || chosen.length === 0}>
          {busy ? 'Removing…' : `Remove ${chosen.length} volume${chosen.length === 1 ? '' : 's'}`}
        </button>
      </DialogActions>
    </Dialog>
  );
}
