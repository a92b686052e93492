import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VOLUME_EXPORT_LABEL } from '../../shared/contract/volumeOps';
import { ailabInProcess, cliHome } from '../support/cli';
import { docker } from '../support/docker';
import { createVolume, inVolume, newVolumeName, removeTestVolumes, treeOf } from './jobs-support';

// `ailab volumes export|import` (issue 16): the texts, --json, the refusal of a non-export and its exit code.
cliHome('vimg-cli', { helperImage: 'ubuntu' });
const ref = `ailab-test-export-cli:${process.pid}`;
let source: string;

beforeAll(async () => {
  source = await createVolume('vimg-cli-src');
  await inVolume(source, 'mkdir -p /volume/d && echo hi > /volume/d/a && ln /volume/d/a /volume/b && chown -R 1001:100 /volume/d && chmod 700 /volume/d');
});

afterAll(async () => {
  await removeTestVolumes();
  await docker
    .getImage(ref)
    .remove({ force: true })
    .catch(() => undefined);
});

describe('ailab volumes export / import', () => {
  it('exports, says what it made, and imports it back (--json) into an equal volume', async () => {
    const exported = await ailabInProcess('volumes', 'export', source, '--image', ref);
    expect(exported.err).toBe('');
    expect(exported.code).toBe(0);
    expect(exported.out).toContain(`Exported ${source} to the image ${ref}.`);
    expect(exported.out).toMatch(/4 entries, 3 B; image/);
    const label = (await docker.getImage(ref).inspect()).Config.Labels?.[VOLUME_EXPORT_LABEL];
    expect(JSON.parse(label ?? '{}')).toMatchObject({ volume: source, entries: 4, totalBytes: 3 });

    const target = newVolumeName('vimg-cli-new');
    const imported = await ailabInProcess('volumes', 'import', ref, target, '--json');
    expect(imported.code).toBe(0);
    const finished = imported.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; ok?: boolean; result?: unknown })
      .find((e) => e.event === 'finished');
    expect(finished).toMatchObject({ ok: true, result: { kind: 'import', image: ref, volume: target, mode: 'new', createdVolume: true, entries: 4 } });
    expect(await treeOf(target)).toEqual(await treeOf(source));
  });

  it('refuses an image that is not a volume export with what it is (exit 6), a missing one with exit 4, a taken tag with exit 5', async () => {
    const target = newVolumeName('vimg-cli-refused');
    const refused = await ailabInProcess('volumes', 'import', 'ubuntu:latest', target);
    expect(refused.code).toBe(6);
    expect(refused.err).toContain('ubuntu:latest is not a volume export: an image with a command (/bin/bash)');
    const json = await ailabInProcess('volumes', 'import', 'ubuntu:latest', target, '--json');
    expect(json.code).toBe(6);
    expect(JSON.parse(json.out.trim().split('\n').pop() ?? '{}')).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
    expect((await ailabInProcess('volumes', 'import', 'ailab-test-missing:none', target)).code).toBe(4);
    const other = await createVolume('vimg-cli-other');
    const taken = await ailabInProcess('volumes', 'export', other, '--image', ref);
    expect(taken.code).toBe(5);
    expect(taken.err).toContain(`is an export of the volume ${source}`);
  });
});
