import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobSummary, RestorePlan, RestoreSource } from '../../shared/contract/jobs';
import { createFakeApi, ok, volume, type FakeApi } from './fakeApi';
import { setFakeApi } from './fakeBridge';

const { useRestorePlan } = await import('../../renderer/src/features/jobs/useRestorePlan');

const source = { archivePath: '/backups/notebooks.tgz' } satisfies RestoreSource;

function restorePlan(o: Partial<RestorePlan> = {}): RestorePlan {
  return {
    source,
    archivePath: source.archivePath,
    fileName: 'notebooks.tgz',
    archive: {
      format: 'tgz',
      compressedBytes: 1000,
      entries: 3,
      fileCount: 2,
      dirCount: 1,
      symlinkCount: 0,
      hardlinkCount: 0,
      totalBytes: 5000,
      sha256: 'a'.repeat(64),
      topFolder: null,
      containsScs: false,
      setuidRootCount: 0,
      setuidRootFiles: [],
      topLevelNames: ['start.ipynb'],
      sample: ['start.ipynb'],
    },
    manifest: null,
    manifestWarning: null,
    target: null,
    topFolder: null,
    stripTopFolder: false,
    selection: null,
    suggestedVolume: 'notebooks-restored',
    defaultEngine: 'tar',
    helperImage: 'ubuntu:24.04',
    helperImagePresent: true,
    ...o,
  };
}

let api: FakeApi;

beforeEach(() => {
  api = createFakeApi();
  setFakeApi(api);
  api.listVolumes.mockImplementation(() => ok([volume('notebooks'), volume('scratch')]));
  api.planRestore.mockImplementation((args: { volume: string | null }) =>
    ok(restorePlan(args.volume ? { target: { volume: args.volume, exists: true, containers: [], overwritten: [], overwritesScs: false, scs: null } } : {})),
  );
});

afterEach(() => cleanup());

const open = (volumeName: string | null = null) => renderHook(() => useRestorePlan({ source, sourceName: 'notebooks.tgz', volume: volumeName }));

describe('useRestorePlan', () => {
  it("reads the archive's plan at once, shows the reading progress of this archive only, then takes its suggestions", async () => {
    let answer: (plan: RestorePlan) => void = () => undefined;
    api.planRestore.mockImplementation(() => new Promise((resolve) => (answer = (p) => resolve({ ok: true, value: p }))));
    const { result } = open();
    await waitFor(() => expect(api.planRestore).toHaveBeenCalledWith({ source, volume: null, stripTopFolder: false }));
    act(() => api.emit('onRestorePlanProgress', { key: 'another-upload', bytesDone: 9, bytesTotal: 10 }));
    expect(result.current.reading).toBeNull();
    act(() => api.emit('onRestorePlanProgress', { key: source.archivePath, bytesDone: 5, bytesTotal: 10 }));
    expect(result.current.reading).toEqual({ done: 5, total: 10 });
    await act(async () => answer(restorePlan()));
    expect(result.current.reading).toBeNull();
    expect(result.current.newName).toBe('notebooks-restored');
    expect(result.current.engine).toBe('tar');
    expect(result.current.canStart).toBe(true);
  });

  it('refuses a new volume name that is invalid or taken', async () => {
    const { result } = open();
    await waitFor(() => expect(result.current.plan).not.toBeNull());
    await waitFor(() => expect(result.current.volumes).toEqual(['notebooks', 'scratch']));
    act(() => result.current.setNewName('scratch'));
    expect(result.current.nameProblem).toBe('A volume named scratch already exists: choose another name, or restore into it.');
    expect(result.current.canStart).toBe(false);
    act(() => result.current.setNewName('-bad'));
    expect(result.current.nameProblem).toMatch(/^"-" cannot start a volume name/);
    expect(result.current.canStart).toBe(false);
  });

  it('plans again for the chosen volume, and needs a chosen volume and the helper image to replace', async () => {
    api.planRestore.mockImplementation((args: { volume: string | null }) =>
      ok(
        restorePlan({
          helperImagePresent: false,
          target: args.volume ? { volume: args.volume, exists: true, containers: [], overwritten: [], overwritesScs: false, scs: null } : null,
        }),
      ),
    );
    const { result } = open();
    await waitFor(() => expect(result.current.plan).not.toBeNull());
    act(() => result.current.chooseEngine('fast'));
    expect(result.current.needsImage).toBe(false);
    act(() => result.current.setTarget('replace'));
    expect(result.current.canStart).toBe(false);
    act(() => result.current.setExisting('notebooks'));
    await waitFor(() => expect(result.current.plan?.target?.volume).toBe('notebooks'));
    expect(api.planRestore).toHaveBeenLastCalledWith({ source, volume: 'notebooks', stripTopFolder: false });
    // replace takes a safety backup with the helper image first, whatever the engine
    expect(result.current.needsImage).toBe(true);
    expect(result.current.canStart).toBe(false);
    act(() => result.current.setTarget('merge'));
    expect(result.current.needsImage).toBe(false);
    expect(result.current.canStart).toBe(true);
  });

  it("keeps the user's engine when a new plan comes (the top-folder choice plans again)", async () => {
    const { result } = open();
    await waitFor(() => expect(result.current.engine).toBe('tar'));
    act(() => result.current.chooseEngine('fast'));
    act(() => result.current.setStrip(true));
    await waitFor(() => expect(api.planRestore).toHaveBeenLastCalledWith({ source, volume: null, stripTopFolder: true }));
    await waitFor(() => expect(api.planRestore).toHaveBeenCalledTimes(2));
    expect(result.current.engine).toBe('fast');
  });

  it('starts with what the user chose: containers stopped only when some run, setuid kept only when there is some', async () => {
    const job = { id: 'job-1' } as JobSummary;
    api.startRestore.mockImplementation(() => ok(job));
    api.planRestore.mockImplementation(() =>
      ok(
        restorePlan({
          target: {
            volume: 'notebooks',
            exists: true,
            containers: [{ id: 'c1', name: 'ai-lab', image: 'exasol/ai-lab:6.1.0', running: true }],
            overwritten: [],
            overwritesScs: false,
            scs: null,
          },
        }),
      ),
    );
    const { result } = open('notebooks');
    await waitFor(() => expect(result.current.plan).not.toBeNull());
    act(() => result.current.setKeepSetuid(true));
    let started: JobSummary | null = null;
    await act(async () => {
      started = await result.current.start();
    });
    expect(started).toBe(job);
    expect(api.startRestore).toHaveBeenCalledWith({
      source,
      volume: 'notebooks',
      mode: 'replace',
      engine: 'tar',
      stripTopFolder: false,
      stopContainers: true,
      keepSetuid: false,
    });
  });

  it('asks which SCS the volume keeps when its own differs from the archive: nothing preselected, keepScs sent when kept, the answer tied to its volume', async () => {
    api.startRestore.mockImplementation(() => ok({ id: 'job-2' } as JobSummary));
    const scs = (differs: boolean) => ({
      volume: { size: 10, modifiedAt: '2026-12-01T10:00:00.000Z', sha256: 'b'.repeat(64) },
      archive: { size: 12, modifiedAt: '2026-11-01T10:00:00.000Z', sha256: differs ? 'c'.repeat(64) : 'b'.repeat(64) },
      differs,
    });
    api.planRestore.mockImplementation((args: { volume: string | null }) =>
      ok(
        restorePlan({
          target: args.volume
            ? { volume: args.volume, exists: true, containers: [], overwritten: [], overwritesScs: true, scs: scs(args.volume === 'notebooks') }
            : null,
        }),
      ),
    );
    const { result } = open('notebooks');
    await waitFor(() => expect(result.current.plan?.target?.scs?.differs).toBe(true));
    expect(result.current.askScs).toBe(true);
    expect(result.current.scsChoice).toBeNull();
    expect(result.current.canStart).toBe(false);
    act(() => result.current.setScsChoice('keep'));
    expect(result.current.canStart).toBe(true);
    await act(async () => {
      await result.current.start();
    });
    expect(api.startRestore).toHaveBeenLastCalledWith(expect.objectContaining({ volume: 'notebooks', mode: 'replace', keepScs: true }));

    act(() => result.current.setExisting('scratch'));
    await waitFor(() => expect(result.current.plan?.target?.volume).toBe('scratch'));
    // The same SCS in both: nothing to ask, and the default (the archive's) is sent as before.
    expect(result.current.askScs).toBe(false);
    expect(result.current.canStart).toBe(true);
    act(() => result.current.setExisting('notebooks'));
    await waitFor(() => expect(result.current.plan?.target?.volume).toBe('notebooks'));
    // The answer belongs to the volume it was given for.
    expect(result.current.scsChoice).toBe('keep');
    act(() => result.current.setScsChoice('archive'));
    await act(async () => {
      await result.current.start();
    });
    expect(api.startRestore).toHaveBeenLastCalledWith(expect.not.objectContaining({ keepScs: true }));
  });

  it("shows main's refusal, and an archive that cannot be restored until another is chosen", async () => {
    api.startRestore.mockImplementation(() => Promise.resolve({ ok: false, error: { code: 'VOLUME_EXISTS', message: 'A volume named x already exists.' } }));
    const { result } = open();
    await waitFor(() => expect(result.current.plan).not.toBeNull());
    await act(async () => {
      expect(await result.current.start()).toBeNull();
    });
    expect(result.current.error?.code).toBe('VOLUME_EXISTS');
    expect(result.current.busy).toBe(false);

    cleanup();
    api.planRestore.mockImplementation(() => Promise.resolve({ ok: false, error: { code: 'ARCHIVE_INVALID', message: 'not a tar' } }));
    const bad = open();
    await waitFor(() => expect(bad.result.current.planError?.code).toBe('ARCHIVE_INVALID'));
    act(() => bad.result.current.forgetSource());
    expect(bad.result.current.source).toBeNull();
    expect(bad.result.current.planError).toBeNull();
  });
});
