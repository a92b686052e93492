import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { LABELS } from '../../shared/ailab';
import { AppError } from '../../shared/contract/errors';
import { parseFindOutput, permissionString } from '../../electron/services/volumes/findOutput';
import {
  containersByVolume,
  FILES_HELPER_ROLE,
  FILES_HELPER_ROLE_LABEL,
  isAnonymousVolume,
  toVolumeSummary,
} from '../../electron/services/volumes/volumeModel';
import { containerPathFor, normalizeVolumePath } from '../../electron/services/volumes/volumePath';

const HEX = 'a'.repeat(64);

function container(
  partial: Partial<Dockerode.ContainerInfo> & { mounts?: Array<{ Type: string; Name?: string; Destination: string }> },
): Dockerode.ContainerInfo {
  return {
    Id: partial.Id ?? 'c'.repeat(64),
    Names: partial.Names ?? ['/box'],
    Image: partial.Image ?? 'busybox',
    ImageID: '',
    Command: '',
    Created: 0,
    Ports: [],
    Labels: partial.Labels ?? {},
    State: partial.State ?? 'exited',
    Status: '',
    HostConfig: { NetworkMode: 'none' },
    NetworkSettings: { Networks: {} },
    Mounts: (partial.mounts ?? []).map((m) => ({ ...m, Source: '', Mode: '', RW: true, Propagation: '' })),
  } as unknown as Dockerode.ContainerInfo;
}

describe('volume model', () => {
  it('recognises anonymous volumes by their 64-hex name or the newer engines label', () => {
    expect(isAnonymousVolume(HEX, {})).toBe(true);
    expect(isAnonymousVolume('A'.repeat(64), {})).toBe(false);
    expect(isAnonymousVolume('a'.repeat(63), {})).toBe(false);
    expect(isAnonymousVolume('notebooks', { 'com.docker.volume.anonymous': '' })).toBe(true);
  });

  it('maps containers to the volumes they mount, marks AI-Lab ones and hides our file helpers', () => {
    const map = containersByVolume([
      container({
        Id: '1'.repeat(64),
        Names: ['/lab'],
        Image: 'exasol/ai-lab:6.1.0',
        State: 'running',
        mounts: [{ Type: 'volume', Name: 'nb', Destination: '/home/jupyter/notebooks' }],
      }),
      container({
        Id: '2'.repeat(64),
        Names: ['/old'],
        Image: 'busybox',
        State: 'exited',
        mounts: [
          { Type: 'volume', Name: 'nb', Destination: '/data' },
          { Type: 'bind', Destination: '/x' },
        ],
      }),
      container({
        Id: '3'.repeat(64),
        Names: ['/mine'],
        Image: 'ailab-fixture/ai-lab:6.1.0',
        Labels: { [LABELS.launched]: '1' },
        mounts: [{ Type: 'volume', Name: 'other', Destination: '/n' }],
      }),
      container({
        Id: '4'.repeat(64),
        Labels: { [FILES_HELPER_ROLE_LABEL]: FILES_HELPER_ROLE },
        mounts: [{ Type: 'volume', Name: 'nb', Destination: '/volume' }],
      }),
    ]);
    expect(map.get('nb')?.map((c) => [c.name, c.running, c.aiLab, c.mountPath])).toEqual([
      ['lab', true, true, '/home/jupyter/notebooks'],
      ['old', false, false, '/data'],
    ]);
    expect(map.get('other')?.[0]?.aiLab).toBe(true);
    expect([...map.keys()].sort()).toEqual(['nb', 'other']);
  });

  it('builds a summary with the Compose pair and the creator of an anonymous volume', () => {
    const users = containersByVolume([container({ Names: ['/jupyter'], mounts: [{ Type: 'volume', Name: HEX, Destination: '/n' }] })]);
    const anon = toVolumeSummary({ Name: HEX, Driver: 'local', Mountpoint: '/m', CreatedAt: '2024-01-01T00:00:00Z' }, users.get(HEX) ?? [], null);
    expect(anon.anonymous).toBe(true);
    expect(anon.createdBy?.name).toBe('jupyter');
    const compose = toVolumeSummary(
      { Name: 'proj_data', Driver: 'local', Mountpoint: '/m', Labels: { 'com.docker.compose.project': 'proj', 'com.docker.compose.volume': 'data' } },
      [],
      { size: 5, refCount: 0 },
    );
    expect(compose.compose).toEqual({ project: 'proj', volume: 'data' });
    expect(compose.anonymous).toBe(false);
    expect(compose.createdBy).toBeNull();
    expect(compose.size).toEqual({ size: 5, refCount: 0 });
  });
});

describe('paths inside a volume', () => {
  it('normalises and refuses to leave the volume', () => {
    expect(normalizeVolumePath(undefined)).toBe('');
    expect(normalizeVolumePath('/')).toBe('');
    expect(normalizeVolumePath('./a//b/')).toBe('a/b');
    expect(normalizeVolumePath('a\\b')).toBe('a\\b');
    expect(containerPathFor('')).toBe('/volume');
    expect(containerPathFor('a/b')).toBe('/volume/a/b');
    expect(() => normalizeVolumePath('a/../../etc')).toThrow(AppError);
    expect(() => normalizeVolumePath('..')).toThrow(/above the volume's root/);
    expect(() => normalizeVolumePath('a\0b')).toThrow(/NUL/);
  });
});

describe('find output', () => {
  const rec = (...f: string[]) => f.map((x) => `${x}\0`).join('');

  it('parses NUL-separated records, names with newlines and tabs included', () => {
    const out = Buffer.from(
      rec('0', 'd', '4096', '755', '0', '0', '1700000000.5', '', '') +
        rec('1', 'd', '4096', '700', '1234', '1234', '1700000001.0000000000', '', 'secret') +
        rec('1', 'f', '12', '644', '1001', '100', '1700000002.25', '', 'odd\nname\twith tab') +
        rec('1', 'l', '6', '777', '0', '0', '1700000003', 'target', 'link') +
        '1\0f\0', // cut off mid-record
    );
    const r = parseFindOutput(out);
    expect(r).toHaveLength(4);
    expect(r[0]).toMatchObject({ depth: 0, type: 'dir', permissions: 'drwxr-xr-x' });
    expect(r[1]).toMatchObject({ name: 'secret', uid: 1234, gid: 1234, mode: '700', permissions: 'drwx------', modifiedAt: '2023-11-14T22:13:21.000Z' });
    expect(r[2]).toMatchObject({ name: 'odd\nname\twith tab', type: 'file', size: 12, linkTarget: null });
    expect(r[3]).toMatchObject({ type: 'symlink', linkTarget: 'target', permissions: 'lrwxrwxrwx' });
  });

  it('writes setuid, setgid and sticky bits like ls', () => {
    expect(permissionString('f', '4755')).toBe('-rwsr-xr-x');
    expect(permissionString('d', '1777')).toBe('drwxrwxrwt');
    expect(permissionString('f', '2640')).toBe('-rw-r-S---');
  });
});
