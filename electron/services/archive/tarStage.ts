import { Transform, type TransformCallback } from 'node:stream';
import { tarStreamError } from './errors';
import { END_OF_ARCHIVE } from './tarHeader';
import type { TarParser } from './tarParser';

/**
 * A tar-in, tar-out stage (the restore guard's stream, a top-folder strip, a selection, a drop): the
 * bytes go through the stage's TarParser, whose callbacks push what passes; at the end the stage may
 * finish its work (`beforeEnd`) and the end-of-archive marker follows. A parse error becomes the
 * stage's error (`toError`, ARCHIVE_INVALID by default).
 */
export abstract class TarStage extends Transform {
  protected abstract readonly parser: TarParser;

  get tarBytes(): number {
    return this.parser.offset;
  }

  /** Runs once the input has ended, before the end-of-archive marker; may throw. */
  protected beforeEnd(): void {}

  protected toError(err: unknown): Error {
    return tarStreamError(err);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    try {
      this.parser.write(chunk);
      callback();
    } catch (err) {
      callback(this.toError(err));
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.parser.end();
      this.beforeEnd();
      this.push(END_OF_ARCHIVE);
      callback();
    } catch (err) {
      callback(this.toError(err));
    }
  }
}
