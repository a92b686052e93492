import { describe, expect, it } from 'vitest';
import {
  checkContainerName,
  checkImageReference,
  checkVolumeName,
  CONTAINER_NAME_RULE,
  containerNameSchema,
  VOLUME_NAME_PATTERN,
} from '../../shared/contract/validation';
import { settingsPatchSchema, settingsSchema } from '../../shared/contract/settings';
import { isAiLabImage, layoutFromTable, splitImageRef } from '../../shared/ailab';

describe('checkVolumeName', () => {
  it.each(['my-vol', 'ab', 'A1_b.c-d', 'a'.repeat(255)])('accepts %s', (n) => {
    expect(checkVolumeName(n)).toBeNull();
    expect(VOLUME_NAME_PATTERN.test(n)).toBe(true);
  });

  it.each([
    ['', /Enter a volume name/],
    ['a', /at least 2/],
    ['-vol', /cannot start/],
    ['.vol', /cannot start/],
    ['my vol', /" " is not allowed/],
    ['my/vol', /"\/" is not allowed/],
    ['vol$', /"\$" is not allowed/],
    ['ä-vol', /cannot start/],
    ['a'.repeat(256), /at most 255/],
  ])('rejects %j with a message that says why', (n, why) => {
    expect(checkVolumeName(n)).toMatch(why);
  });
});

describe('checkImageReference (what the Engine would parse as an image)', () => {
  it.each([
    'ubuntu',
    'ubuntu:24.04',
    'exasol/ai-lab:latest',
    'exasol/data-science-sandbox:0.1.0',
    'ailab-fixture/gnu-tar',
    'docker.io/library/ubuntu:22.04',
    'localhost:5000/team/tools_v2__x:1.0-rc.1',
    '127.0.0.1:49153/ailab:6.1.0',
    'Registry.Example.com/a/b',
    '[::1]:5000/img',
    `ubuntu@sha256:${'a'.repeat(64)}`,
    `ubuntu:24.04@sha256:${'0'.repeat(64)}`,
  ])('accepts %s', (ref) => {
    expect(checkImageReference(ref)).toBeNull();
  });

  it.each([
    ['', /Enter an image/],
    ['ubuntu --privileged', /" " is not allowed/],
    ['ubuntu&fromSrc=http://evil.example', /"&" is not allowed/],
    ['../ubuntu', /not an image reference/],
    ['Ubuntu', /capital letters/],
    ['exasol/AI-Lab:latest', /capital letters/],
    ['ubuntu:', /not an image reference/],
    ['ubuntu::1', /not an image reference/],
    [':latest', /not an image reference/],
    ['-ubuntu', /not an image reference/],
    ['a//b', /not an image reference/],
    ['ubuntu@sha256:abc', /not an image reference/],
    [`ubuntu:${'x'.repeat(129)}`, /not an image reference/],
    [`${'a'.repeat(256)}:tag`, /at most 255/],
    ['ubuntu\n', /not allowed/],
  ])('refuses %j with a message that says why', (ref, why) => {
    expect(checkImageReference(ref)).toMatch(why);
  });

  it('guards the helper image setting: a bad one is never stored', () => {
    expect(settingsPatchSchema.safeParse({ helperImage: 'ubuntu:24.04' }).success).toBe(true);
    const bad = settingsPatchSchema.safeParse({ helperImage: 'ubuntu&fromImage=evil' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toMatch(/"&" is not allowed in an image reference/);
    expect(settingsSchema.parse({}).helperImage).toBe('ubuntu');
  });
});

describe('AI-Lab image facts', () => {
  it('splits references with registries, ports and digests', () => {
    expect(splitImageRef('exasol/ai-lab:6.1.0')).toEqual({ repository: 'exasol/ai-lab', tag: '6.1.0' });
    expect(splitImageRef('exasol/ai-lab')).toEqual({ repository: 'exasol/ai-lab', tag: 'latest' });
    expect(splitImageRef('localhost:5000/exasol/ai-lab:2.0.0')).toEqual({ repository: 'localhost:5000/exasol/ai-lab', tag: '2.0.0' });
  });

  it('recognises AI-Lab repositories, also with docker.io prefix', () => {
    expect(isAiLabImage('exasol/ai-lab:latest')).toBe(true);
    expect(isAiLabImage('docker.io/exasol/data-science-sandbox:0.1.0')).toBe(true);
    expect(isAiLabImage('ubuntu:latest')).toBe(false);
    expect(isAiLabImage('someone/exasol-ai-lab:1')).toBe(false);
  });

  it('falls back to the version table', () => {
    expect(layoutFromTable('exasol/data-science-sandbox:0.1.0')).toMatchObject({ notebooksPath: '/root/notebooks', containerPort: 8888 });
    expect(layoutFromTable('exasol/ai-lab:1.0.0')).toMatchObject({ notebooksPath: '/root/notebooks', containerPort: 49494, defaultPassword: 'ai-lab' });
    expect(layoutFromTable('exasol/ai-lab:2.0.0')).toMatchObject({ notebooksPath: '/home/jupyter/notebooks', supportsPasswordEnv: false });
    expect(layoutFromTable('exasol/ai-lab:5.0.0')).toMatchObject({ supportsPasswordEnv: true, defaultPassword: 'ailab' });
    expect(layoutFromTable('exasol/ai-lab:latest')).toMatchObject({ notebooksPath: '/home/jupyter/notebooks', supportsPasswordEnv: true });
  });
});

describe('container names', () => {
  it("follow Docker's name rule, with the same messages the contract, the launcher and the form give", () => {
    expect(checkContainerName('ai-lab')).toBeNull();
    expect(checkContainerName('ai_lab.2')).toBeNull();
    expect(checkContainerName('')).toBe('Enter a container name.');
    expect(checkContainerName('a')).toBe(CONTAINER_NAME_RULE);
    expect(checkContainerName('-x')).toMatch(/^"-" cannot start a container name/);
    expect(checkContainerName('ai lab')).toMatch(/^" " is not allowed in a container name/);
    expect(checkContainerName('x'.repeat(129))).toBe('A container name is at most 128 characters.');
    expect(containerNameSchema.safeParse('ai lab').success).toBe(false);
    expect(containerNameSchema.safeParse('ai-lab').success).toBe(true);
  });
});
