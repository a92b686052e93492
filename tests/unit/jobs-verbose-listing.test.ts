import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../electron/services/jobs/progress';
import { tarFailure, VerboseListing } from '../../electron/services/jobs/verboseListing';

function listing() {
  const log: string[] = [];
  const progress = new ProgressTracker('job-1', () => undefined, { intervalMs: 1_000_000, stallMs: 1_000_000 });
  return { log, progress, listing: new VerboseListing({ log: (l) => log.push(l), progress }) };
}

describe('VerboseListing', () => {
  it('counts entries and bytes, logs them, and works as an unbound line callback', () => {
    const { log, progress, listing: l } = listing();
    const onLine = l.onLine;
    onLine('drwxr-xr-x root/root         0 2024-05-01 12:00 ./');
    onLine('-rw-r--r-- root/root      1234 2024-05-01 12:00 ./a.txt');
    onLine('');
    onLine('tar: ./b: file changed as we read it');
    expect(l.entries).toBe(2);
    expect(l.bytes).toBe(1234);
    expect(l.rootEntry).toBe(true);
    expect(l.messages).toEqual(['tar: ./b: file changed as we read it']);
    expect(log).toEqual(['./', './a.txt', 'tar: ./b: file changed as we read it']);
    expect(progress.snapshot()).toMatchObject({ filesDone: 2, bytesDone: 1234, currentFile: './a.txt' });
  });

  it("explains a failed tar with its last messages, else stderr's tail", () => {
    const { listing: l } = listing();
    const bare = l.failure(2, ['x', 'y'], 'img');
    expect(bare.code).toBe('DOCKER_ERROR');
    expect(bare.message).toBe('tar in the helper container failed (exit code 2): x / y');
    expect(l.failure(127, [], 'img').hint).toMatch(/img has no tar/);
    l.onLine('tar: Exiting with failure status due to previous errors');
    expect(l.failure(2, ['x'], 'img').message).toMatch(/: tar: Exiting with failure status/);
    expect(l.rootEntry).toBe(false);
  });
});

describe('tarFailure', () => {
  it.each([
    ['tar: ./blob2.bin: Wrote only 512 of 10240 bytes'],
    ['tar: ./data/x.csv: Cannot write: No space left on device'],
    ['tar: ./a: Cannot open: Disk quota exceeded'],
  ])('says the volume is full for GNU tar\'s "%s"', (line) => {
    const err = tarFailure(2, [line, 'tar: Exiting with failure status due to previous errors'], 'ubuntu');
    expect(err.code).toBe('DISK_FULL');
    // tar's own line that says so, not its closing "Exiting with failure status".
    expect(err.message).toBe(`The volume is full: tar could not write everything into it (${line}).`);
    expect(err.hint).toMatch(/docker system df/);
  });

  it("keeps tar's own words for other failures, and names a missing tar", () => {
    expect(tarFailure(2, ['tar: ./x: Cannot open: Permission denied'], 'ubuntu')).toMatchObject({
      code: 'DOCKER_ERROR',
      message: 'tar in the helper container failed (exit code 2): tar: ./x: Cannot open: Permission denied',
    });
    expect(tarFailure(127, [], 'busybox').hint).toMatch(/busybox has no tar/);
  });
});
