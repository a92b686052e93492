import { describe, expect, it } from 'vitest';
import { exitNote, noteStop, summariseContainer, type ContainerInspectLike } from '../../electron/services/launcher/containers';
import { imageHint } from '../../renderer/src/features/launcher/format';

// Issue 12: what the AI-Lab tab says about the chosen image and about a container that was stopped.
describe('the image hint', () => {
  const images = [
    { ref: 'exasol/ai-lab:latest', present: false },
    { ref: 'exasol/ai-lab:6.1.0', present: true },
  ];
  it('speaks of the chosen image once main has read it', () => {
    expect(imageHint('exasol/ai-lab:6.1.0', { image: 'exasol/ai-lab:6.1.0', present: true }, images)).toBe('On this Docker host.');
    expect(imageHint('my/lab:1', { image: 'my/lab:1', present: true }, images)).toBe('On this Docker host. Also here: exasol/ai-lab:6.1.0.');
    expect(imageHint('exasol/ai-lab:latest', { image: 'exasol/ai-lab:latest', present: false }, images)).toBe(
      'Not on this Docker host yet: it is pulled when you launch. Also here: exasol/ai-lab:6.1.0.',
    );
  });
  it('before that, names the local AI-Lab images, or says there are none', () => {
    expect(imageHint('exasol/ai-lab:latest', null, images)).toBe('On this Docker host: exasol/ai-lab:6.1.0.');
    expect(imageHint('exasol/ai-lab:latest', null, [])).toBe('No AI-Lab image on the Docker host yet; the chosen one is pulled when you launch.');
  });
});

describe('how a stopped container ended', () => {
  const container = (state: Partial<ContainerInspectLike['State']>, id = 'c1'): ContainerInspectLike => ({
    Id: id,
    Name: '/ai-lab',
    Created: '2026-01-01T00:00:00Z',
    Config: { Image: 'exasol/ai-lab:6.1.0' },
    State: { Status: 'exited', Running: false, FinishedAt: '2026-01-01T01:00:00Z', ...state },
  });

  it('says nothing for an ordinary exit', () => {
    expect(exitNote(container({ ExitCode: 0 }))).toBeNull();
    expect(exitNote(container({ ExitCode: 143 }))).toBeNull();
  });

  it('does not call exit code 137 a crash: out of memory, or SIGKILL after the grace period', () => {
    expect(exitNote(container({ ExitCode: 137, OOMKilled: true }))).toBe('It ran out of memory and was killed (exit code 137).');
    expect(exitNote(container({ ExitCode: 137 }, 'other'))).toMatch(
      /^It was ended with SIGKILL \(exit code 137\), as docker stop does when a container does not stop within its grace period\.$/,
    );
  });

  it('names the grace period when this app asked for the stop and Docker had to kill', () => {
    const c = container({ ExitCode: 137 }, 'ours');
    // A stop that ended early (killed by someone else meanwhile) is not blamed on the grace period.
    noteStop(c, 10, 2_000);
    expect(exitNote(c)).toMatch(/^It was ended with SIGKILL/);
    noteStop(c, 10, 10_300);
    expect(exitNote(c)).toBe('It did not stop within 10 s of being asked to, so Docker ended it (SIGKILL, exit code 137).');
    expect(summariseContainer(c, null)).toMatchObject({ state: 'exited', exitCode: 137, exitNote: expect.stringContaining('within 10 s') });
    // The next ending of the same container is judged on its own.
    expect(exitNote({ ...c, State: { ...c.State, FinishedAt: '2026-01-02T00:00:00Z' } })).toMatch(/^It was ended with SIGKILL/);
  });
});
