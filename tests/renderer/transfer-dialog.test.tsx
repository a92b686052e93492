import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DockerContextInfo, DockerContextList } from '../../shared/contract/docker';
import type { JobSummary } from '../../shared/contract/jobs';
import { createFakeApi, ok, volume, type FakeApi } from './fakeApi';
import { setFakeApi } from './fakeBridge';

const { TransferDialog } = await import('../../renderer/src/features/volumeOps/TransferDialog');
const { useJobs } = await import('../../renderer/src/features/jobs/jobsStore');
const { useVolumeOps } = await import('../../renderer/src/features/volumeOps/volumeOpsStore');
const { useVolumeStore } = await import('../../renderer/src/features/volumes/volumeStore');

const ctx = (name: string, url: string, extra: Partial<DockerContextInfo> = {}): DockerContextInfo => ({
  name,
  description: '',
  url,
  protocol: url.startsWith('ssh') ? 'ssh' : 'unix',
  current: false,
  error: null,
  ...extra,
});

const contexts: DockerContextList = {
  contexts: [
    ctx('default', 'unix:///var/run/docker.sock', { current: true }),
    ctx('broken', '', { error: 'Docker context "broken" has no docker endpoint' }),
    ctx('server', 'ssh://me@server'),
  ],
  selected: null,
  active: 'default',
  dockerHostOverride: null,
};

let api: FakeApi;
beforeEach(() => {
  api = setFakeApi(createFakeApi());
  useVolumeOps.getState().open({ kind: 'transfer', volume: 'nb' });
});
afterEach(() => {
  cleanup();
  useVolumeStore.setState({ volumes: null });
});

describe('TransferDialog', () => {
  it('offers the other engines, this one and a broken one disabled, and starts the job with the choices', async () => {
    api.listDockerContexts.mockImplementation(() => ok(contexts));
    api.transferVolume.mockImplementation(() => ok({ id: 'job-1' } as JobSummary));
    render(<TransferDialog volume="nb" />);
    const select = (await screen.findByLabelText('Target engine')) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe('server'));
    const options = [...select.options];
    expect(options.map((o) => [o.text, o.disabled])).toEqual([
      ['default — this engine (use Clone)', true],
      ['broken — cannot be used: Docker context "broken" has no docker endpoint', true],
      ['server — ssh://me@server', false],
    ]);
    const name = screen.getByLabelText('Name on the target engine') as HTMLInputElement;
    expect(name.value).toBe('nb');
    fireEvent.change(name, { target: { value: 'nb-on-server' } });
    fireEvent.click(screen.getByLabelText(/Merge into an existing volume/));
    fireEvent.click(screen.getByRole('button', { name: 'Transfer' }));
    await waitFor(() =>
      expect(api.transferVolume).toHaveBeenCalledWith({ volume: 'nb', toContext: 'server', as: 'nb-on-server', mode: 'merge', stopContainers: false }),
    );
    // Started: the dialog closes and the job's progress view opens.
    await waitFor(() => expect(useVolumeOps.getState().dialog).toBeNull());
    expect(useJobs.getState().viewing).toBe('job-1');
  });

  it('says when there is no other engine', async () => {
    api.listDockerContexts.mockImplementation(() => ok({ ...contexts, contexts: [contexts.contexts[0] as DockerContextInfo] }));
    render(<TransferDialog volume="nb" />);
    expect(await screen.findByText(/There is no other engine to transfer to/)).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Transfer' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('shows a refusal inline and stays open', async () => {
    api.listDockerContexts.mockImplementation(() => ok(contexts));
    api.transferVolume.mockImplementation(() =>
      Promise.resolve({
        ok: false,
        error: { code: 'VOLUME_EXISTS', message: 'A volume named nb already exists on server (ssh://me@server).', hint: 'Use merge.' },
      }),
    );
    render(<TransferDialog volume="nb" />);
    const select = (await screen.findByLabelText('Target engine')) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe('server'));
    fireEvent.click(screen.getByRole('button', { name: 'Transfer' }));
    expect((await screen.findByRole('alert')).textContent).toContain('already exists on server');
    expect(useVolumeOps.getState().dialog).not.toBeNull();
  });

  it('names the containers using the volume and passes the choice to stop them', async () => {
    useVolumeStore.setState({
      volumes: [
        volume('nb', { containers: [{ id: 'c1', name: 'ai-lab', state: 'running', running: true, image: 'exasol/ai-lab:6.1.0', aiLab: true } as never] }),
      ],
    });
    api.listDockerContexts.mockImplementation(() => ok(contexts));
    api.transferVolume.mockImplementation(() => ok({ id: 'job-2' } as JobSummary));
    render(<TransferDialog volume="nb" />);
    expect(await screen.findByText('ai-lab is using nb')).toBeTruthy();
    fireEvent.click(screen.getByLabelText(/Stop it during the transfer/));
    const select = (await screen.findByLabelText('Target engine')) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe('server'));
    fireEvent.click(screen.getByRole('button', { name: 'Transfer' }));
    await waitFor(() => expect(api.transferVolume).toHaveBeenCalledWith(expect.objectContaining({ stopContainers: true })));
  });
});
