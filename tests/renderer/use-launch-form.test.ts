import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AiLabImageFacts, LaunchPreflight } from '../../shared/contract/launcher';
import { defaultSettings } from '../../shared/contract/settings';
import { createFakeApi, ok, volume, type FakeApi } from './fakeApi';
import { setFakeApi } from './fakeBridge';

const { NEW_VOLUME, useLaunchForm } = await import('../../renderer/src/features/launcher/useLaunchForm');

const facts = (o: Partial<AiLabImageFacts> = {}): AiLabImageFacts => ({
  image: 'exasol/ai-lab:6.1.0',
  repository: 'exasol/ai-lab',
  tag: '6.1.0',
  present: true,
  imageId: 'sha256:1',
  isAiLab: true,
  containerPort: 49494,
  containerPortSource: 'image',
  notebooksPath: '/home/jupyter/notebooks',
  notebooksPathSource: 'image',
  supportsPasswordEnv: true,
  defaultPassword: null,
  loginHint: '',
  ...o,
});

const preflight = (o: Partial<LaunchPreflight> = {}): LaunchPreflight => ({
  image: facts(),
  port: null,
  existingContainer: null,
  volumeExists: true,
  volumeUsedBy: [],
  url: 'http://127.0.0.1:49494/',
  warnings: [],
  ...o,
});

let api: FakeApi;

beforeEach(() => {
  sessionStorage.clear();
  api = createFakeApi();
  setFakeApi(api);
  api.getSettings.mockImplementation(() => ok({ ...defaultSettings(), defaultVolume: '' }));
  api.listAiLabImages.mockImplementation(() => ok({ defaultImage: 'exasol/ai-lab:6.1.0', images: [] }));
  api.listVolumes.mockImplementation(() =>
    ok([
      volume('scratch'),
      volume('notebooks', {
        containers: [
          { id: 'c1', name: 'ai-lab', state: 'exited', running: false, aiLab: true, image: 'exasol/ai-lab:6.0.0', mountPath: '/home/jupyter/notebooks' },
        ],
      }),
    ]),
  );
  api.checkAiLabLaunch.mockImplementation(() => ok(preflight()));
});

afterEach(() => {
  // Vitest runs without globals, so Testing Library's own cleanup is not registered: unmount here.
  cleanup();
  vi.useRealTimers();
});

const start = (o: Partial<{ initialVolume: string | null; active: boolean; containersKey: string }> = {}) =>
  renderHook((p: { initialVolume: string | null; active: boolean; containersKey: string }) => useLaunchForm(p), {
    initialProps: { initialVolume: null, active: true, containersKey: '', ...o },
  });

describe('useLaunchForm', () => {
  it('starts from the settings and picks the volume an AI-Lab container used, never asked for', async () => {
    const { result } = start();
    await waitFor(() => expect(result.current.form).not.toBeNull());
    expect(result.current.form).toMatchObject({
      image: 'exasol/ai-lab:6.1.0',
      volume: 'notebooks',
      name: 'ai-lab',
      port: String(defaultSettings().hostPort),
      password: '',
    });
    expect(result.current.invalid).toBe(false);
  });

  it('takes the volume another page asked for, as a new volume when it does not exist', async () => {
    const { result } = start({ initialVolume: 'fresh' });
    await waitFor(() => expect(result.current.form).not.toBeNull());
    expect(result.current.form).toMatchObject({ volume: NEW_VOLUME, newVolume: 'fresh' });
    expect(result.current.volumeName).toBe('fresh');
    expect(result.current.options).toMatchObject({ volume: 'fresh', createVolume: true });
  });

  it("says what is wrong with the name, the port and a new volume's name, with the contract's rules", async () => {
    const { result } = start();
    await waitFor(() => expect(result.current.form).not.toBeNull());
    act(() => {
      result.current.set('name', 'ai lab');
      result.current.set('port', '70000');
      result.current.set('volume', NEW_VOLUME);
      result.current.set('newVolume', '-x');
    });
    expect(result.current.nameProblem).toMatch(/^" " is not allowed in a container name/);
    expect(result.current.portProblem).toBe('A port is a whole number from 1 to 65535.');
    expect(result.current.volumeProblem).toMatch(/^"-" cannot start a volume name/);
    expect(result.current.invalid).toBe(true);
    expect(result.current.options).toBeNull();
  });

  it('asks main once for a burst of typing, with the last values, and shows its blocking warnings', async () => {
    const { result } = start();
    await waitFor(() => expect(api.checkAiLabLaunch).toHaveBeenCalledTimes(1));
    api.checkAiLabLaunch.mockImplementation(() =>
      ok(preflight({ warnings: [{ code: 'CONTAINER_EXISTS', blocking: true, message: 'A container named "lab-3" already exists.' }] })),
    );
    vi.useFakeTimers();
    act(() => result.current.set('name', 'lab-1'));
    act(() => vi.advanceTimersByTime(100));
    act(() => result.current.set('name', 'lab-2'));
    act(() => vi.advanceTimersByTime(100));
    act(() => result.current.set('name', 'lab-3'));
    expect(api.checkAiLabLaunch).toHaveBeenCalledTimes(1);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(300);
    });
    vi.useRealTimers();
    expect(api.checkAiLabLaunch).toHaveBeenCalledTimes(2);
    expect(api.checkAiLabLaunch.mock.calls[1]?.[0]).toMatchObject({ name: 'lab-3', volume: 'notebooks', image: 'exasol/ai-lab:6.1.0' });
    await waitFor(() => expect(result.current.blocking.map((w) => w.code)).toEqual(['CONTAINER_EXISTS']));
  });

  it('does not ask main while the form is hidden behind a running launch', async () => {
    const { result } = start({ active: false });
    await waitFor(() => expect(result.current.form).not.toBeNull());
    await new Promise((r) => setTimeout(r, 400));
    expect(api.checkAiLabLaunch).not.toHaveBeenCalled();
  });

  it('sends the password only to an image that reads JUPYTER_PASSWORD, and never keeps it in the draft', async () => {
    api.checkAiLabLaunch.mockImplementation(() => ok(preflight({ image: facts({ supportsPasswordEnv: false }) })));
    const { result } = start();
    await waitFor(() => expect(result.current.preflight).not.toBeNull());
    act(() => result.current.set('password', 'secret'));
    expect(result.current.options?.password).toBeUndefined();
    expect(sessionStorage.getItem('ailab.launchDraft')).not.toContain('secret');
  });

  it("restores the session's draft, but not when its volume is gone", async () => {
    const draft = {
      image: 'exasol/ai-lab:5.0.0',
      volume: 'scratch',
      newVolume: '',
      name: 'old-lab',
      listenIp: '127.0.0.1',
      port: '50000',
      dockerSocket: false,
      open: false,
    };
    sessionStorage.setItem('ailab.launchDraft', JSON.stringify(draft));
    const first = start();
    await waitFor(() => expect(first.result.current.form).not.toBeNull());
    expect(first.result.current.form).toMatchObject({ ...draft, password: '' });
    first.unmount();
    sessionStorage.setItem('ailab.launchDraft', JSON.stringify({ ...draft, volume: 'gone' }));
    const second = start();
    await waitFor(() => expect(second.result.current.form).not.toBeNull());
    expect(second.result.current.form).toMatchObject({ volume: 'notebooks', name: 'ai-lab' });
  });
});
