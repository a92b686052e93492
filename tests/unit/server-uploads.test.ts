import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../shared/contract/errors';
import { uploadFailure } from '../../electron/server/uploadRoute';
import { isUploadId, newUploadId, prepareUpload, removeUpload, resolveUpload, sanitiseUploadName, sweepUploads } from '../../electron/services/core/uploads';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ailab-uploads-'));
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('sanitiseUploadName', () => {
  it('keeps ordinary names', () => {
    expect(sanitiseUploadName('backup.tgz')).toBe('backup.tgz');
    expect(sanitiseUploadName('my notebooks (2024).tar.gz')).toBe('my notebooks (2024).tar.gz');
    expect(sanitiseUploadName('Sicherung-äöü.tgz')).toBe('Sicherung-äöü.tgz');
  });

  it('keeps only the base name and removes what could escape or hide', () => {
    expect(sanitiseUploadName('../../etc/passwd')).toBe('passwd');
    expect(sanitiseUploadName('C:\\Users\\me\\backup.tgz')).toBe('backup.tgz');
    expect(sanitiseUploadName('..')).toBe('upload.bin');
    expect(sanitiseUploadName('.hidden.tgz')).toBe('hidden.tgz');
    expect(sanitiseUploadName('a\u0000b\nc.tgz')).toBe('abc.tgz');
    expect(sanitiseUploadName('a<b>:c|d?.tgz')).toBe('a_b__c_d_.tgz');
    expect(sanitiseUploadName('')).toBe('upload.bin');
  });

  it('shortens long names to 200 bytes, keeping the extension', () => {
    const name = sanitiseUploadName(`${'é'.repeat(300)}.tgz`);
    expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
    expect(name.endsWith('.tgz')).toBe(true);
  });
});

describe('upload store', () => {
  it('resolves a finished upload and removes it', async () => {
    const u = await prepareUpload(dataDir, 'b.tgz');
    expect(isUploadId(u.uploadId)).toBe(true);
    expect(u.file).toBe(path.join(dataDir, 'uploads', u.uploadId, 'b.tgz'));
    fs.writeFileSync(u.file, 'data');
    await expect(resolveUpload(dataDir, u.uploadId)).resolves.toBe(u.file);
    await removeUpload(dataDir, u.uploadId);
    expect(fs.existsSync(path.dirname(u.file))).toBe(false);
    await expect(resolveUpload(dataDir, u.uploadId)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('refuses ids that are not upload ids before touching the file system', async () => {
    for (const id of ['../x', '', 'ABCDEF0123456789abcdef0123456789', `${newUploadId()}/..`]) {
      const err = await resolveUpload(dataDir, id).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe('INVALID_ARGUMENT');
      await expect(removeUpload(dataDir, id)).rejects.toBeInstanceOf(AppError);
    }
  });

  it('does not resolve an upload folder without exactly one file', async () => {
    const u = await prepareUpload(dataDir, 'b.tgz');
    await expect(resolveUpload(dataDir, u.uploadId)).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
  });

  it('sweeps old uploads and strays, keeps fresh ones', async () => {
    const fresh = await prepareUpload(dataDir, 'fresh.tgz');
    fs.writeFileSync(fresh.file, 'x');
    const old = await prepareUpload(dataDir, 'old.tgz');
    fs.writeFileSync(old.file, 'x');
    const past = new Date(Date.now() - 3 * 86_400_000);
    fs.utimesSync(old.file, past, past);
    fs.utimesSync(path.dirname(old.file), past, past);
    fs.mkdirSync(path.join(dataDir, 'uploads', 'not-an-upload'));
    const removed = await sweepUploads(dataDir, 86_400_000);
    expect(removed).toBe(2);
    expect(fs.readdirSync(path.join(dataDir, 'uploads'))).toEqual([fresh.uploadId]);
    await expect(sweepUploads(path.join(dataDir, 'missing'), 1)).resolves.toBe(0);
  });
});

describe('uploadFailure', () => {
  it('maps a full disk to 507 DISK_FULL with a hint', () => {
    const [status, body] = uploadFailure(Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    expect(status).toBe(507);
    expect(body.code).toBe('DISK_FULL');
    expect(body.hint).toMatch(/Free some space/);
  });

  it('maps other errors to 500', () => {
    expect(uploadFailure(Object.assign(new Error('x'), { code: 'EACCES' }))[1].code).toBe('PERMISSION_DENIED');
    expect(uploadFailure(new Error('boom'))).toEqual([500, expect.objectContaining({ code: 'INTERNAL' })]);
  });
});
