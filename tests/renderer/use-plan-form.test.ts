import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan, PlanList, PlanRun, SftpHostCheck } from '../../shared/contract/plans';
import { createFakeApi, ok, type FakeApi } from './fakeApi';
import { setFakeApi } from './fakeBridge';

const { usePlanForm } = await import('../../renderer/src/features/plans/usePlanForm');
const { usePlans } = await import('../../renderer/src/features/plans/plansStore');

let api: FakeApi;

const listOf = (plans: Plan[], running = false): PlanList => ({
  file: '/data/plans.json',
  problems: [],
  plans: plans.map((plan) => ({ plan, health: { state: 'never-run', message: '' }, last: null, lastSuccessAt: null, nextRunAt: 0, due: true, running })),
});

beforeEach(() => {
  api = createFakeApi();
  setFakeApi(api);
  usePlans.setState({ list: listOf([]), byVolume: {} });
  api.prepareBackup.mockImplementation(() => ok({ defaultDir: '/home/me/ailab-backups', canChooseFolder: false, engine: 'fast', containers: [] }));
  api.setPlan.mockImplementation((plan: Plan) => ok(listOf([plan])));
});

afterEach(() => cleanup());

describe('usePlanForm', () => {
  it('starts a new plan in the backup folder, daily at 02:00, containers left running', async () => {
    const { result } = renderHook(() => usePlanForm('notebooks'));
    await waitFor(() => expect(result.current.draft.dir).toBe('/home/me/ailab-backups'));
    expect(result.current.draft).toMatchObject({ every: 'day', at: '02:00', stopContainers: false, engine: '' });
    expect(result.current.existing).toBeNull();
    expect(result.current.dirty).toBe(true);
  });

  it('shows a field message once the field was left, and saves nothing while one is there', async () => {
    const { result } = renderHook(() => usePlanForm('notebooks'));
    await waitFor(() => expect(result.current.backupFacts).not.toBeNull());
    act(() => result.current.set('keepDaily', 'seven'));
    expect(result.current.shown).toEqual({});
    act(() => result.current.touch('keepDaily'));
    expect(result.current.shown).toEqual({ keepDaily: 'A whole number, 0 for none.' });
    let saved = true;
    await act(async () => {
      saved = await result.current.save();
    });
    expect(saved).toBe(false);
    expect(api.setPlan).not.toHaveBeenCalled();
  });

  it('"Back up now" on a changed plan saves it first, then runs it, and keeps the result', async () => {
    const run: PlanRun = {
      startedAt: 1,
      finishedAt: 2,
      status: 'succeeded',
      message: 'Backed up to /b/notebooks-1.tgz.',
      file: '/b/notebooks-1.tgz',
      jobId: 'j',
      deleted: [],
    };
    api.runPlanNow.mockImplementation((volume: string) => ok({ run, plans: listOf([{ ...(api.setPlan.mock.calls[0]?.[0] as Plan), volume }]) }));
    const { result } = renderHook(() => usePlanForm('notebooks'));
    await waitFor(() => expect(result.current.backupFacts).not.toBeNull());
    act(() => result.current.set('dir', '/b'));
    await act(async () => {
      await result.current.backUpNow();
    });
    expect(api.setPlan).toHaveBeenCalledWith(expect.objectContaining({ volume: 'notebooks', dir: '/b' }));
    expect(api.runPlanNow).toHaveBeenCalledWith('notebooks');
    expect(api.setPlan.mock.invocationCallOrder[0]).toBeLessThan(api.runPlanNow.mock.invocationCallOrder[0] ?? 0);
    expect(result.current.lastRun).toEqual(run);
    expect(result.current.existing?.plan.dir).toBe('/b');
    expect(result.current.dirty).toBe(false);
  });

  it("shows main's refusal (a folder that does not exist) and keeps the draft", async () => {
    api.setPlan.mockImplementation(() =>
      Promise.resolve({ ok: false, error: { code: 'FILE_NOT_FOUND', message: 'The folder /nope does not exist.', hint: 'Create it first.' } }),
    );
    const { result } = renderHook(() => usePlanForm('notebooks'));
    await waitFor(() => expect(result.current.backupFacts).not.toBeNull());
    act(() => result.current.set('dir', '/nope'));
    await act(async () => {
      await result.current.save();
    });
    expect(result.current.failure).toMatchObject({ code: 'FILE_NOT_FOUND', message: 'The folder /nope does not exist.' });
    expect(result.current.draft.dir).toBe('/nope');
    expect(api.runPlanNow).not.toHaveBeenCalled();
  });

  describe('with an SFTP target', () => {
    const fp = `SHA256:${'A'.repeat(43)}`;
    const check = (status: SftpHostCheck['status'], message = ''): SftpHostCheck => ({
      host: 'nas.local:22',
      status,
      keyType: 'ssh-ed25519',
      fingerprint: fp,
      knownHostsFile: status === 'unknown' ? null : '/home/me/.ssh/known_hosts',
      line: status === 'unknown' ? null : 3,
      message,
    });
    const target = { host: 'nas.local', port: 22, user: 'backup', path: '/srv/b', keyFile: null };

    async function withTarget() {
      const hook = renderHook(() => usePlanForm('notebooks'));
      await waitFor(() => expect(hook.result.current.backupFacts).not.toBeNull());
      act(() => {
        hook.result.current.set('sftpOn', true);
        hook.result.current.set('sftpTarget', 'backup@nas.local/srv/b');
      });
      return hook;
    }

    it('saves at once when the host key is known', async () => {
      api.checkSftpHost.mockImplementation(() => ok(check('known')));
      const { result } = await withTarget();
      let saved = false;
      await act(async () => {
        saved = await result.current.save();
      });
      expect(saved).toBe(true);
      expect(api.checkSftpHost).toHaveBeenCalledWith(target);
      expect(api.setPlan).toHaveBeenCalledWith(expect.objectContaining({ sftp: target }));
      expect(api.trustSftpHost).not.toHaveBeenCalled();
      expect(result.current.hostPrompt).toBeNull();
    });

    it('asks about an unknown host key; Cancel saves nothing, "Trust and save" trusts that fingerprint, then saves', async () => {
      api.checkSftpHost.mockImplementation(() => ok(check('unknown')));
      api.trustSftpHost.mockImplementation(() => ok(check('known')));
      const { result } = await withTarget();
      await act(async () => {
        expect(await result.current.save()).toBe(false);
      });
      expect(result.current.hostPrompt?.check).toMatchObject({ status: 'unknown', fingerprint: fp, keyType: 'ssh-ed25519' });
      act(() => result.current.dismissHost());
      expect(result.current.hostPrompt).toBeNull();
      expect(api.setPlan).not.toHaveBeenCalled();
      await act(async () => {
        await result.current.save();
      });
      let trusted = false;
      await act(async () => {
        trusted = await result.current.trustHost();
      });
      expect(trusted).toBe(true);
      expect(api.trustSftpHost).toHaveBeenCalledWith(target, fp);
      expect(api.trustSftpHost.mock.invocationCallOrder[0]).toBeLessThan(api.setPlan.mock.invocationCallOrder[0] ?? 0);
      expect(result.current.existing?.plan.sftp).toEqual(target);
    });

    it('"Save and back up now" through the question runs the plan once trusted', async () => {
      api.checkSftpHost.mockImplementation(() => ok(check('unknown')));
      api.trustSftpHost.mockImplementation(() => ok(check('known')));
      api.runPlanNow.mockImplementation(() =>
        ok({ run: { startedAt: 1, finishedAt: 2, status: 'succeeded', message: 'ok', file: null, jobId: null, deleted: [] }, plans: listOf([]) }),
      );
      const { result } = await withTarget();
      await act(async () => {
        await result.current.backUpNow();
      });
      expect(api.runPlanNow).not.toHaveBeenCalled();
      expect(result.current.hostPrompt?.thenRun).toBe(true);
      await act(async () => {
        await result.current.trustHost();
      });
      expect(api.runPlanNow).toHaveBeenCalledWith('notebooks');
    });

    it('refuses a changed host key: nothing to trust, nothing saved', async () => {
      const message = 'The host key of nas.local:22 has CHANGED … remove line 3 of /home/me/.ssh/known_hosts';
      api.checkSftpHost.mockImplementation(() => ok(check('changed', message)));
      const { result } = await withTarget();
      await act(async () => {
        await result.current.save();
      });
      expect(result.current.hostPrompt?.check).toMatchObject({ status: 'changed', message });
      await act(async () => {
        expect(await result.current.trustHost()).toBe(false);
      });
      expect(api.trustSftpHost).not.toHaveBeenCalled();
      expect(api.setPlan).not.toHaveBeenCalled();
    });

    it("shows the service's refusal to log in, readable", async () => {
      api.checkSftpHost.mockImplementation(() => ok(check('known')));
      api.setPlan.mockImplementation(() =>
        Promise.resolve({
          ok: false,
          error: { code: 'FILE_NOT_FOUND', message: 'The folder /srv/b does not exist on backup@nas.local:22.', hint: 'mkdir -p /srv/b' },
        }),
      );
      const { result } = await withTarget();
      await act(async () => {
        await result.current.save();
      });
      expect(result.current.failure).toMatchObject({ message: 'The folder /srv/b does not exist on backup@nas.local:22.' });
    });
  });
});
