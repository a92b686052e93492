import { describe, expect, it } from 'vitest';
import { checkVolumeName, VOLUME_NAME_PATTERN } from '../../shared/contract/validation';
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
