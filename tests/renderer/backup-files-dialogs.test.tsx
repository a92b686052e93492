import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RestorePlan } from '../../shared/contract/jobs';
import { createFakeApi, ok, type FakeApi } from './fakeApi';
import { setFakeApi } from './fakeBridge';

const SCS = 'ai_lab_secure_configuration_storage.sqlite';
const { CopyInDialog } = await import('../../renderer/src/features/volumes/CopyDialogs');
const { RestoreChosenDialog } = await import('../../renderer/src/features/backupFiles/RestoreChosenDialog');

let api: FakeApi;
beforeEach(() => {
  api = setFakeApi(createFakeApi());
});
afterEach(cleanup);

describe('Copy into a volume', () => {
  const props = { volume: 'nb', folder: 'notebooks', folderOwner: { uid: 1001, gid: 100 }, onClose: () => undefined };

  it('asks about names that exist only when there are some, and sends the choice with the folder owner', async () => {
    const onDone = vi.fn();
    api.copyIntoVolume.mockImplementation(() => ok({ volume: 'nb', folder: 'notebooks', copied: [], renamed: [], skipped: [], uid: 1001, gid: 100 }));
    render(
      <CopyInDialog
        {...props}
        existing={new Set(['a.ipynb'])}
        dropped={{ sources: [{ uploadId: 'u1' }, { uploadId: 'u2' }], names: ['a.ipynb', 'b.ipynb'] }}
        onDone={onDone}
      />,
    );
    expect(screen.getByText(/1001:100, AI-Lab’s jupyter user/)).toBeTruthy();
    fireEvent.click(screen.getByRole('radio', { name: /^Skip/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Copy in' }));
    await waitFor(() => expect(onDone).toHaveBeenCalled());
    expect(api.copyIntoVolume).toHaveBeenCalledWith({
      volume: 'nb',
      folder: 'notebooks',
      sources: [{ uploadId: 'u1' }, { uploadId: 'u2' }],
      owner: 'auto',
      conflict: 'skip',
    });
  });

  it('takes typed paths and another owner, and says how to write a bad one', async () => {
    api.copyIntoVolume.mockImplementation(() => ok({ volume: 'nb', folder: 'notebooks', copied: [], renamed: [], skipped: [], uid: 0, gid: 0 }));
    render(<CopyInDialog {...props} existing={new Set()} dropped={null} onDone={() => undefined} />);
    fireEvent.change(screen.getByLabelText(/one per line/), { target: { value: '/home/me/x.ipynb\n\n/home/me/data/\n' } });
    expect(screen.queryByRole('radio', { name: /^Skip/ })).toBeNull();
    fireEvent.click(screen.getByRole('radio', { name: /^Another/ }));
    fireEvent.change(screen.getByLabelText('Owner as uid:gid'), { target: { value: 'root' } });
    expect(screen.getByText('Write it as uid:gid, e.g. 1001:100.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Copy in' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Owner as uid:gid'), { target: { value: '0:0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Copy in' }));
    await waitFor(() =>
      expect(api.copyIntoVolume).toHaveBeenCalledWith({
        volume: 'nb',
        folder: 'notebooks',
        sources: [{ hostPath: '/home/me/x.ipynb' }, { hostPath: '/home/me/data/' }],
        owner: { uid: 0, gid: 0 },
      }),
    );
  });
});

describe('Restore chosen files', () => {
  const plan = (conflicts: string[]): RestorePlan =>
    ({ selection: { only: ['notebooks/a.ipynb'], into: null, entries: 1, bytes: 12, conflicts, conflictCount: conflicts.length } }) as unknown as RestorePlan;
  const restore = { file: '/b/nb.tgz', fileName: 'nb.tgz', volume: 'nb', only: ['notebooks/a.ipynb'] };

  it('asks once what to do with files that exist, keep both first, and starts a merge of just those paths', async () => {
    api.planRestore.mockImplementation(() => ok(plan(['notebooks/a.ipynb'])));
    api.startRestore.mockImplementation(() => ok({ id: 'j1' }));
    api.getJob.mockImplementation(() => new Promise(() => undefined));
    render(<RestoreChosenDialog restore={restore} />);
    const keep = await screen.findByRole('radio', { name: /^Keep both/ });
    expect((keep as HTMLInputElement).checked).toBe(true);
    expect(api.planRestore).toHaveBeenCalledWith({ source: { archivePath: '/b/nb.tgz' }, volume: 'nb', selection: { only: ['notebooks/a.ipynb'] } });
    fireEvent.click(screen.getByRole('radio', { name: /^Replace/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Restore it' }));
    await waitFor(() =>
      expect(api.startRestore).toHaveBeenCalledWith(
        expect.objectContaining({ mode: 'merge', stopContainers: false, selection: { only: ['notebooks/a.ipynb'], conflict: 'overwrite' } }),
      ),
    );
  });

  it('plans again for a folder of the volume, and asks nothing when no file exists', async () => {
    api.planRestore.mockImplementation(() => ok(plan([])));
    render(<RestoreChosenDialog restore={restore} />);
    await screen.findByText(/1 entry/);
    expect(screen.queryByRole('radio', { name: /^Keep both/ })).toBeNull();
    fireEvent.click(screen.getByRole('radio', { name: /In a folder of the volume/ }));
    fireEvent.change(screen.getByLabelText('Folder in the volume'), { target: { value: 'from-backup' } });
    await waitFor(() =>
      expect(api.planRestore).toHaveBeenLastCalledWith({
        source: { archivePath: '/b/nb.tgz' },
        volume: 'nb',
        selection: { only: ['notebooks/a.ipynb'], into: 'from-backup' },
      }),
    );
  });

  it("warns when the chosen files include the SCS, and keeps the volume's when asked (keepScs)", async () => {
    const scsPlan = {
      selection: { only: [SCS], into: null, entries: 1, bytes: 9, conflicts: [SCS], conflictCount: 1, writesScs: true, overwritesScs: true },
    } as unknown as RestorePlan;
    api.planRestore.mockImplementation(() => ok(scsPlan));
    api.startRestore.mockImplementation(() => ok({ id: 'j2' }));
    api.getJob.mockImplementation(() => new Promise(() => undefined));
    render(<RestoreChosenDialog restore={{ ...restore, only: [SCS] }} />);
    const note = await screen.findByText(/include the Secure Configuration Storage/);
    expect(note.parentElement?.textContent).toMatch(/master password and connection settings become those of the backup, replacing the ones now in nb/);
    fireEvent.click(screen.getByRole('checkbox', { name: /Keep the current one of nb/ }));
    expect(note.parentElement?.textContent).toMatch(/nb keeps its own as it is/);
    fireEvent.click(screen.getByRole('button', { name: 'Restore it' }));
    await waitFor(() => expect(api.startRestore).toHaveBeenCalledWith(expect.objectContaining({ mode: 'merge', keepScs: true })));
  });
});
