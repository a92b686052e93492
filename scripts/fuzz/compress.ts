// How a case reaches the readers: plain tar, one gzip member, or several members (GNU gzip -c a b,
// pigz, our parallel gzip) with zero padding, junk between or after them, or a cut-off last member.
import zlib from 'node:zlib';
import type { Rng } from './rng';

export interface Packed {
  bytes: Buffer;
  ext: 'tar' | 'tgz';
  how: string;
}

export function pack(rng: Rng, tar: Buffer): Packed {
  const r = rng.next();
  if (r < 0.5) return { bytes: tar, ext: 'tar', how: 'plain' };
  if (r < 0.7) return { bytes: zlib.gzipSync(tar, { level: 1 }), ext: 'tgz', how: 'gzip' };
  const members: Buffer[] = [];
  let pos = 0;
  while (pos < tar.length) {
    const len = rng.chance(0.5) ? 512 * (1 + rng.int(4)) : 1 + rng.int(2000);
    members.push(zlib.gzipSync(tar.subarray(pos, pos + len), { level: 1 }));
    pos += len;
  }
  if (members.length === 0) members.push(zlib.gzipSync(Buffer.alloc(0)));
  let how = `gzip x${members.length}`;
  const t = rng.next();
  if (t < 0.1) {
    members.push(Buffer.alloc(rng.pick([1, 512, 4096])));
    how += ' + zero padding';
  } else if (t < 0.2) {
    members.push(Buffer.from('junk after the members'));
    how += ' + junk';
  } else if (t < 0.25 && members.length > 1) {
    members.splice(1, 0, Buffer.from('junk between'));
    how += ' + junk between';
  } else if (t < 0.3) {
    const last = members.pop() as Buffer;
    members.push(last.subarray(0, rng.int(last.length)));
    how += ' cut short';
  } else if (t < 0.35) {
    members.push(zlib.gzipSync(Buffer.alloc(0)));
    how += ' + empty member';
  }
  return { bytes: Buffer.concat(members), ext: 'tgz', how };
}
