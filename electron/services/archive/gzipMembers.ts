/**
 * Sized gzip members: each member createParallelGzip writes carries its own length in the gzip
 * header's FEXTRA field (RFC 1952 §2.3.1.1, subfield "AL", 4 bytes little-endian: the whole member's
 * length), the way BGZF does for bioinformatics files. Every gzip reader skips FEXTRA, so the file
 * stays an ordinary .tgz; a reader that knows the subfield can cut the file into members without
 * decompressing it, and decompress the members in parallel (createParallelGunzip).
 */

export const SIZED_HEADER_BYTES = 20;
const SUBFIELD_ID1 = 0x41; // 'A'
const SUBFIELD_ID2 = 0x4c; // 'L'
const FEXTRA = 0x04;
/** Members are block-sized (1 MiB by default); anything far larger is not ours. */
export const MAX_SIZED_MEMBER = 256 * 1024 * 1024;

/**
 * Rewrites one member from zlib.gzip (10-byte header with no flags) into a sized member: a 20-byte
 * header followed by zlib's deflate data and trailer, returned as two buffers (no copy of the body).
 */
export function sizeMember(gz: Buffer): [Buffer, Buffer] {
  if (gz.length < 18 || gz[0] !== 0x1f || gz[1] !== 0x8b || gz[2] !== 0x08 || gz[3] !== 0) {
    throw new Error('sizeMember: expected a plain gzip member from zlib');
  }
  const body = gz.subarray(10);
  const header = Buffer.alloc(SIZED_HEADER_BYTES);
  header[0] = 0x1f;
  header[1] = 0x8b;
  header[2] = 0x08;
  header[3] = FEXTRA;
  gz.copy(header, 4, 4, 10); // MTIME, XFL, OS as zlib wrote them
  header.writeUInt16LE(8, 10); // XLEN
  header[12] = SUBFIELD_ID1;
  header[13] = SUBFIELD_ID2;
  header.writeUInt16LE(4, 14);
  header.writeUInt32LE(SIZED_HEADER_BYTES + body.length, 16);
  return [header, body];
}

/**
 * The length of the member starting at `buf[off]` when it is a sized member, else null (a foreign
 * member, or not gzip at all). Needs SIZED_HEADER_BYTES bytes from `off`.
 */
export function sizedMemberLength(buf: Buffer, off = 0): number | null {
  if (buf.length - off < SIZED_HEADER_BYTES) return null;
  if (buf[off] !== 0x1f || buf[off + 1] !== 0x8b || buf[off + 2] !== 0x08 || buf[off + 3] !== FEXTRA) return null;
  if (buf.readUInt16LE(off + 10) !== 8 || buf[off + 12] !== SUBFIELD_ID1 || buf[off + 13] !== SUBFIELD_ID2 || buf.readUInt16LE(off + 14) !== 4) return null;
  const size = buf.readUInt32LE(off + 16);
  // Header + an empty deflate block (2 bytes) + trailer is the smallest member there is.
  if (size < SIZED_HEADER_BYTES + 2 + 8 || size > MAX_SIZED_MEMBER) return null;
  return size;
}
