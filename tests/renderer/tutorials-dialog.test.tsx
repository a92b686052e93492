import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TutorialFile, TutorialsComparison } from '../../shared/contract/tutorials';
import { createFakeApi, ok, type FakeApi } from './fakeApi';
import { setFakeApi } from './fakeBridge';

const { TutorialsDialog } = await import('../../renderer/src/features/tutorials/TutorialsDialog');

const file = (path: string, state: TutorialFile['state'], extra: Partial<TutorialFile> = {}): TutorialFile => ({
  path,
  size: 100,
  state,
  origin: null,
  matchesImages: [],
  blocked: null,
  scs: false,
  ...extra,
});

function comparison(image: string, files: TutorialFile[]): TutorialsComparison {
  const count = (s: string) => files.filter((f) => f.state === s).length;
  return {
    volume: 'nb',
    image,
    imageId: 'sha256:1',
    imageChosen: 'newest-local',
    defaultsPath: '/home/jupyter/notebook-defaults',
    defaultsPathSource: 'image: beside Env NOTEBOOKS',
    comparedWith: ['exasol/ai-lab:6.1.0'],
    files,
    counts: { new: count('new'), unchanged: count('unchanged'), differs: count('differs') },
    uid: 1001,
    gid: 1001,
  };
}

let api: FakeApi;
beforeEach(() => {
  api = setFakeApi(createFakeApi());
  api.listAiLabImages.mockImplementation(() =>
    ok({
      defaultImage: 'exasol/ai-lab:6.2.0',
      images: ['exasol/ai-lab:6.2.0', 'exasol/ai-lab:6.1.0'].map((ref) => ({
        ref,
        repository: 'exasol/ai-lab',
        tag: ref.slice(14),
        present: true,
        sizeBytes: 1,
        created: null,
      })),
    }),
  );
});
afterEach(cleanup);

describe('TutorialsDialog', () => {
  it('ticks new files, asks keep-both first for a changed one, and sends the choice for the image compared', async () => {
    api.compareTutorials.mockImplementation(() =>
      ok(
        comparison('exasol/ai-lab:6.2.0', [
          file('start.ipynb', 'differs', { origin: 'updated-upstream', matchesImages: ['exasol/ai-lab:6.1.0'] }),
          file('tutorials/new.ipynb', 'new'),
          file('tutorials/welcome.ipynb', 'unchanged'),
        ]),
      ),
    );
    api.copyTutorials.mockImplementation(() =>
      ok({
        volume: 'nb',
        image: 'exasol/ai-lab:6.2.0',
        copied: [
          { path: 'tutorials/new.ipynb', as: 'tutorials/new.ipynb', how: 'new' },
          { path: 'start.ipynb', as: 'start.ipynb', how: 'overwrite' },
        ],
        skipped: [],
        notes: [],
        uid: 1001,
        gid: 1001,
      }),
    );
    render(<TutorialsDialog volume="nb" />);
    const fresh = (await screen.findByRole('checkbox', { name: /tutorials\/new\.ipynb/ })) as HTMLInputElement;
    expect(api.compareTutorials).toHaveBeenCalledWith({ volume: 'nb' });
    expect(fresh.checked).toBe(true);
    const changed = screen.getByRole('checkbox', { name: /start\.ipynb/ }) as HTMLInputElement;
    expect(changed.checked).toBe(false);
    expect(screen.getByText(/updated upstream — yours is exasol\/ai-lab:6\.1\.0's version/)).toBeTruthy();
    expect(screen.queryByRole('radio', { name: /Keep both/ })).toBeNull();
    fireEvent.click(changed);
    expect((screen.getByRole('radio', { name: /Keep both/ }) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByRole('radio', { name: /Replace yours/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Copy 2 files' }));
    await screen.findByRole('region', { name: 'Result' });
    expect(api.copyTutorials).toHaveBeenCalledWith({
      volume: 'nb',
      image: 'exasol/ai-lab:6.2.0',
      paths: ['tutorials/new.ipynb', 'start.ipynb'],
      conflict: 'overwrite',
    });
    expect(screen.getByText(/Copied 2 files into nb/)).toBeTruthy();
    expect(screen.getByText(/replaced yours/)).toBeTruthy();
  });

  it('compares again with another image, shows its refusal, and warns about a differing SCS file', async () => {
    api.compareTutorials.mockImplementation((o: { image?: string }) =>
      o.image === 'exasol/ai-lab:6.1.0'
        ? Promise.resolve({ ok: false, error: { code: 'INVALID_ARGUMENT', message: 'Image "exasol/ai-lab:6.1.0" ships no notebook-defaults folder' } })
        : ok(comparison('exasol/ai-lab:6.2.0', [file('ai_lab_secure_configuration_storage.sqlite', 'differs', { origin: 'edited', scs: true })])),
    );
    render(<TutorialsDialog volume="nb" />);
    expect(await screen.findByText(/Secure Configuration Storage file/)).toBeTruthy();
    await waitFor(() => expect(screen.getAllByRole('option').length).toBe(2));
    fireEvent.change(screen.getByLabelText('Image'), { target: { value: 'exasol/ai-lab:6.1.0' } });
    expect(await screen.findByText(/ships no notebook-defaults folder/)).toBeTruthy();
    expect(api.compareTutorials).toHaveBeenLastCalledWith({ volume: 'nb', image: 'exasol/ai-lab:6.1.0' });
    expect((screen.getByRole('button', { name: 'Copy' }) as HTMLButtonElement).disabled).toBe(true);
  });
});
