import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../electron/services/jobs/progress';
import { VerboseListing } from '../../electron/services/jobs/verboseListing';

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
