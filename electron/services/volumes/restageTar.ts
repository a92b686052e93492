import { PassThrough, type Readable } from 'node:stream';
import { extract, pack, type Header } from 'tar-stream';
import { AppError } from '../../../shared/contract/errors';
import { memberPath } from './hostExtract';

function refused(name: string, why: string): AppError {
  return new AppError('ARCHIVE_UNSAFE', `The tar stream's member "${name}" was refused: ${why}. Nothing was copied.`, {
    hint: 'Give a tar stream of files, folders and symbolic links with relative names (as `tar -c` or `docker cp … -` write them).',
    details: { member: name },
  });
}

/**
 * Re-packs a tar stream under `prefix/`, owned by `owner`, as it passes (never held in memory):
 * `./` prefixes dropped, `..` and absolute names refused, only files, folders, symlinks and hard links
 * within the stream allowed, setuid and setgid dropped from files (they would follow a file to its
 * new owner). `tops` fills with the top-level names as they pass, in order.
 */
export function restageTar(
  input: Readable,
  prefix: string,
  owner: { uid: number; gid: number },
  leadingDirs: string[],
): { stream: Readable; tops: Set<string> } {
  const tops = new Set<string>();
  const ex = extract();
  const p = pack();
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  p.pipe(out);
  const fail = (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    out.destroy(e);
    ex.destroy(e);
    input.unpipe?.(ex);
  };
  input.once('error', fail);
  input.pipe(ex);
  const run = async () => {
    const now = new Date();
    for (const d of leadingDirs) p.entry({ name: d, type: 'directory', mode: 0o700, uid: 0, gid: 0, mtime: now });
    for await (const entry of ex) {
      const h: Header = entry.header;
      let rel: string | null;
      try {
        rel = memberPath(h.name, '');
      } catch {
        throw refused(h.name, 'it points outside the folder (".." or an absolute name)');
      }
      if (rel === null || rel === '') {
        entry.resume();
        continue;
      }
      tops.add(rel.split('/')[0] as string);
      const mode = (h.mode ?? 0o644) & (h.type === 'directory' ? 0o7777 : 0o1777);
      const header = { name: `${prefix}/${rel}`, mode, uid: owner.uid, gid: owner.gid, mtime: h.mtime ?? now };
      if (h.type === 'directory') {
        p.entry({ ...header, type: 'directory' });
        entry.resume();
      } else if (h.type === 'symlink') {
        p.entry({ ...header, type: 'symlink', linkname: h.linkname ?? '' });
        entry.resume();
      } else if (h.type === 'link') {
        let target: string | null;
        try {
          target = memberPath(h.linkname ?? '', '');
        } catch {
          throw refused(h.name, 'a hard link to outside the stream');
        }
        if (!target) throw refused(h.name, 'a hard link to nothing');
        p.entry({ ...header, type: 'link', linkname: `${prefix}/${target}` });
        entry.resume();
      } else if (h.type === 'file' || h.type === 'contiguous-file' || h.type === undefined || h.type === null) {
        await new Promise<void>((resolve, reject) => {
          const sink = p.entry({ ...header, type: 'file', size: h.size ?? 0 }, (err) => (err ? reject(err) : resolve()));
          entry.pipe(sink);
        });
      } else {
        throw refused(h.name, `it is a ${h.type}, not a file, folder or link`);
      }
    }
    p.finalize();
  };
  run().catch(fail);
  return { stream: out, tops };
}
