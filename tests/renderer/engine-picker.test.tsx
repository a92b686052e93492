import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DockerContextInfo, DockerContextList, DockerStatus } from '../../shared/contract/docker';
import { createFakeApi, ok, type FakeApi } from './fakeApi';
import { setFakeApi } from './fakeBridge';

const { EnginePicker } = await import('../../renderer/src/shell/EnginePicker');

const ctx = (name: string, url: string, extra: Partial<DockerContextInfo> = {}): DockerContextInfo => ({
  name,
  description: '',
  url,
  protocol: url.startsWith('ssh') ? 'ssh' : 'unix',
  current: false,
  error: null,
  ...extra,
});

function list(extra: Partial<DockerContextList> = {}): DockerContextList {
  return {
    contexts: [ctx('default', 'unix:///var/run/docker.sock', { current: true }), ctx('server', 'ssh://me@host')],
    selected: null,
    active: 'default',
    dockerHostOverride: null,
    ...extra,
  };
}

const connected: DockerStatus = { state: 'connected', endpoint: null, engineVersion: '27', apiVersion: '1.47', os: 'linux', error: null, nextRetryAt: null };

let api: FakeApi;
beforeEach(() => {
  api = setFakeApi(createFakeApi());
});
afterEach(cleanup);

describe('EnginePicker', () => {
  it('is not shown with only the default context', async () => {
    api.listDockerContexts.mockImplementation(() => ok(list({ contexts: [ctx('default', 'unix:///var/run/docker.sock', { current: true })] })));
    const { container } = render(<EnginePicker />);
    await waitFor(() => expect(api.listDockerContexts).toHaveBeenCalled());
    expect(container.innerHTML).toBe('');
  });

  it('lists the contexts under a visible "Engine" label, the one in use selected, and switches', async () => {
    api.listDockerContexts.mockImplementation(() => ok(list()));
    api.useDockerContext.mockImplementation(() => ok(connected));
    render(<EnginePicker />);
    const select = (await screen.findByLabelText('Engine')) as HTMLSelectElement;
    expect(select.value).toBe('default');
    expect([...select.options].map((o) => o.text)).toEqual(['default — unix:///var/run/docker.sock', 'server — ssh://me@host']);
    fireEvent.change(select, { target: { value: 'server' } });
    await waitFor(() => expect(api.useDockerContext).toHaveBeenCalledWith('server'));
  });

  it('offers "as the environment says" when DOCKER_HOST is set, and picks it for no choice of its own', async () => {
    api.listDockerContexts.mockImplementation(() => ok(list({ dockerHostOverride: 'tcp://build:2375', selected: 'server', active: 'server' })));
    api.useDockerContext.mockImplementation(() => ok(connected));
    render(<EnginePicker />);
    const select = (await screen.findByLabelText('Engine')) as HTMLSelectElement;
    expect(select.value).toBe('server');
    expect(select.options[0]?.text).toBe('As the environment says (DOCKER_HOST=tcp://build:2375)');
    fireEvent.change(select, { target: { value: '' } });
    await waitFor(() => expect(api.useDockerContext).toHaveBeenCalledWith(null));
  });

  it('shows a refusal inline (a job is running)', async () => {
    api.listDockerContexts.mockImplementation(() => ok(list()));
    api.useDockerContext.mockImplementation(() =>
      Promise.resolve({
        ok: false,
        error: { code: 'JOB_CONFLICT', message: 'Finish or cancel the running job first: it runs on default (unix:///var/run/docker.sock).' },
      }),
    );
    render(<EnginePicker />);
    fireEvent.change(await screen.findByLabelText('Engine'), { target: { value: 'server' } });
    expect((await screen.findByRole('alert')).textContent).toBe('Finish or cancel the running job first: it runs on default (unix:///var/run/docker.sock).');
    expect((screen.getByLabelText('Engine') as HTMLSelectElement).value).toBe('default');
  });

  it('an unusable context is listed but cannot be picked', async () => {
    api.listDockerContexts.mockImplementation(() => ok(list({ contexts: [...list().contexts, ctx('broken', '', { protocol: null, error: 'bad host' })] })));
    render(<EnginePicker />);
    const select = (await screen.findByLabelText('Engine')) as HTMLSelectElement;
    const broken = [...select.options].find((o) => o.value === 'broken');
    expect(broken?.text).toBe('broken — cannot be used');
    expect(broken?.disabled).toBe(true);
  });
});
