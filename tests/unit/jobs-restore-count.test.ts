import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/contract/errors';
import type { JobContext } from '../../electron/services/jobs/jobContext';
import type { UnpackResult } from '../../electron/services/jobs/restoreEngines';
import { countRestored } from '../../electron/services/jobs/restoreSteps';

// The fast engine's last extractor counts the volume on its way out (restoreEngines.ts COUNT_SCRIPT):
// that count must be judged exactly as a helper's count was, and no helper may run for it.
function fakeContext() {
  const phases: string[] = [];
  const logs: string[] = [];
  const docker = new Proxy(
    {},
    {
      get() {
        throw new Error('no Docker call expected: the extractor counted already');
      },
    },
  );
  const ctx = { docker, phase: (p: string) => phases.push(p), log: (l: string) => logs.push(l) } as unknown as JobContext;
  return { ctx, phases, logs };
}

function unpacked(entries: number, volumeEntries: number | null, rootEntry = true): UnpackResult {
  return { entries, bytes: 0, rootEntry, setuidWarning: null, sha256: '', droppedScs: 0, volumeEntries };
}

describe('countRestored with the count the extractor made', () => {
  it('takes it without a counting phase or a helper, and returns it as tar lists the archive', async () => {
    const { ctx, phases, logs } = fakeContext();
    // 4 entries in the archive with "./"; find printed the volume folder and 3 more.
    await expect(countRestored(ctx, 'v', 'img', true, unpacked(4, 4))).resolves.toBe(4);
    expect(phases).toEqual([]);
    expect(logs).toEqual(['Check: 3 entries in the volume, 3 restored from the archive.']);
    // Without a "./" entry the volume folder is not counted back in.
    await expect(countRestored(ctx, 'v', 'img', true, unpacked(3, 4, false))).resolves.toBe(3);
  });

  it('refuses a volume with fewer entries than the archive put there', async () => {
    const { ctx } = fakeContext();
    const err = await countRestored(ctx, 'v', 'img', true, unpacked(10, 8)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).message).toBe('The restore is incomplete: the volume holds 7 entries, but the archive has 9.');
  });
});
