import { Transform, type TransformCallback } from 'node:stream';
import { tarStreamError } from './errors';
import { TarParser } from './tarParser';
import type { TarEntryInfo } from './types';

/**
 * A pass-through that watches a tar stream go by and reports each entry as its header passes, for
 * progress ("file N, bytes so far, current file") and counting. Bytes leave exactly as they came;
 * content is never buffered. A stream that is not valid tar fails with ARCHIVE_INVALID, because an
 * archive written from it would be broken too.
 */
export class TarTap extends Transform {
  private readonly parser: TarParser;
  /** Sum of the content sizes of the entries seen so far. */
  contentBytes = 0;

  constructor(onEntry: (e: TarEntryInfo) => void) {
    super();
    this.parser = new TarParser({
      onEntry: (entry) => {
        this.contentBytes += entry.info.size;
        onEntry(entry.info);
      },
    });
  }

  /** Real entries seen so far. */
  get entries(): number {
    return this.parser.entries;
  }

  /** Tar bytes that went through. */
  get tarBytes(): number {
    return this.parser.offset;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    try {
      this.parser.write(chunk);
    } catch (err) {
      callback(tarStreamError(err));
      return;
    }
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.parser.end();
      callback();
    } catch (err) {
      callback(tarStreamError(err));
    }
  }
}

export function createTarTap(onEntry: (e: TarEntryInfo) => void): TarTap {
  return new TarTap(onEntry);
}
