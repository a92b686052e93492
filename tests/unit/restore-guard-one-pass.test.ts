import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { OnePassStop, RestoreGuard, TarGuardStream } from '../../electron/services/archive/restoreGuard';
import { end, file, header } from './tar-craft';

/** Runs a tar through the guard's hasher and TarGuardStream, as the tar engine does; resolves with the error, if any. */
async function through(guard: RestoreGuard, tar: Buffer): Promise<unknown> {
  const seen: string[] = [];
  try {
    await pipeline(Readable.from([tar]), guard.hasher, new TarGuardStream(guard, (e) => seen.push(e.path)), async function* (src) {
      for await (const chunk of src) yield chunk;
    });
    return null;
  } catch (err) {
    return err;
  }
}

const two = () => Buffer.concat([header({ name: './', type: '5' }), file('./a.bin', Buffer.alloc(10_000, 1)), file('./b.bin', Buffer.alloc(10_000, 2)), end()]);

describe('RestoreGuard onePass (a restore into a new volume, checked while it is written)', () => {
  it('passes a good archive and knows its sha256 at the end', async () => {
    const tar = two();
    const guard = new RestoreGuard({ checked: null, onePass: { diskCap: () => null }, keepSetuid: false });
    expect(await through(guard, tar)).toBeNull();
    expect(guard.sha256()).toBe(createHash('sha256').update(tar).digest('hex'));
  });

  it('stops at the first entry the check would refuse, with the check’s words', async () => {
    const tar = Buffer.concat([header({ name: './', type: '5' }), file('./ok.txt', 'x'), file('../out.txt', 'y'), end()]);
    const err = await through(new RestoreGuard({ checked: null, onePass: { diskCap: () => null }, keepSetuid: false }), tar);
    expect(err).toBeInstanceOf(OnePassStop);
    expect(err).toMatchObject({ reason: 'unsafe', code: 'ARCHIVE_UNSAFE' });
    expect((err as Error).message).toMatch(/\.\.\/out\.txt/);
  });

  it('stops once the content passes the disk cap (a block per entry counted, as the check counts diskBytes)', async () => {
    // ./ (4096) + a.bin (4096 + 10000) = 18192 fits 20000; b.bin brings it to 32288.
    const err = await through(new RestoreGuard({ checked: null, onePass: { diskCap: () => 20_000 }, keepSetuid: false }), two());
    expect(err).toMatchObject({ reason: 'space', code: 'DISK_FULL' });
    expect(await through(new RestoreGuard({ checked: null, onePass: { diskCap: () => 32_288 }, keepSetuid: false }), two())).toBeNull();
  });

  it('without onePass and without a check (the app’s own safety backup), applies no rules', async () => {
    const tar = Buffer.concat([header({ name: './', type: '5' }), file('../out.txt', 'y'), end()]);
    expect(await through(new RestoreGuard({ checked: null, keepSetuid: false }), tar)).toBeNull();
  });
});
