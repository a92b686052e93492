import { describe, expect, it } from 'vitest';
import { COPY_SCRIPT, judgeCopy } from '../../electron/services/volumeOps/copyStep';
import { compareListings, type ListedEntry } from '../../electron/services/volumeOps/volumeListing';

describe('judgeCopy (the two tar sides of a clone)', () => {
  const none = { messages: [] as string[] };

  it('passes only when both sides printed 0', () => {
    expect(judgeCopy({ src: 0, dst: 0 }, none, [], 'ubuntu')).toBeNull();
  });

  it("maps the writer's short write or ENOSPC to DISK_FULL, even when the reader then broke its pipe", () => {
    const short = judgeCopy(
      { src: 2, dst: 2 },
      { messages: ['tar: ./big.bin: Wrote only 512 of 10240 bytes', 'tar: Exiting with failure status due to previous errors'] },
      [],
      'ubuntu',
    );
    expect(short?.code).toBe('DISK_FULL');
    const enospc = judgeCopy({ src: 141, dst: 2 }, { messages: ['tar: ./a: Cannot write: No space left on device'] }, [], 'ubuntu');
    expect(enospc?.code).toBe('DISK_FULL');
    expect(enospc?.message).toMatch(/full/);
  });

  it('fails a reader error the writer did not notice, and a helper killed before either status', () => {
    const src = judgeCopy({ src: 2, dst: 0 }, { messages: ['tar: ./x: Cannot open: Permission denied'] }, [], 'ubuntu');
    expect(src?.code).toBe('DOCKER_ERROR');
    expect(src?.message).toContain('Permission denied');
    expect(judgeCopy({ src: 0, dst: null }, none, ['sh: 1: tar: not found'], 'ubuntu')?.code).toBe('DOCKER_ERROR');
  });

  it('holds no name of the user: the volumes are mounts, the script is fixed', () => {
    expect(COPY_SCRIPT).toBe(
      '(tar -C /volume --format=posix --sparse --numeric-owner -cvvf - .; echo "src-exit $?" >&2) | tar -C /target --numeric-owner -b 2048 -B -xpf -; echo "dst-exit $?" >&2',
    );
  });
});

describe('compareListings', () => {
  const e = (sig: string, links = ''): ListedEntry => ({ sig, links });
  const base = () =>
    new Map([
      ['', e('d 755 0 0 - 1.5 ')],
      ['a', e('f 644 1001 1001 3 1.25 ', 'b')],
      ['b', e('f 644 1001 1001 3 1.25 ', 'a')],
    ]);

  it('finds nothing in two equal listings', () => {
    expect(compareListings(base(), base())).toEqual([]);
  });

  it('names changed, missing, extra entries and a broken hard-link group', () => {
    const copy = base();
    copy.set('', e('d 700 0 0 - 1.5 '));
    copy.set('a', e('f 644 1001 1001 3 1.25 '));
    copy.delete('b');
    copy.set('c', e('l 777 0 0 1 1 x'));
    const d = compareListings(base(), copy);
    expect(d.map((x) => x.path).sort()).toEqual(['.', 'a', 'b', 'c']);
    expect(d.find((x) => x.path === 'b')?.copy).toBe('missing');
    expect(d.find((x) => x.path === 'c')?.source).toBe('missing');
    expect(d.find((x) => x.path === 'a')?.source).toContain('links b');
  });
});
