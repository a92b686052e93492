import { TarStage } from './tarStage';
import { TarParser, type ParsedEntry } from './tarParser';
import type { TarEntryInfo } from './types';

/**
 * tar in, tar out, without the entries `drop` names (with their content): every other entry passes
 * byte for byte, its own extension records included, so nothing about it changes. A restore that keeps
 * the volume's Secure Configuration Storage drops the archive's this way. Runs after the restore guard.
 */
export class TarDrop extends TarStage {
  protected readonly parser: TarParser;
  private keeping = false;
  /** Entries dropped so far (the restore's count check expects that many fewer in the volume). */
  dropped = 0;

  constructor(private readonly opts: { drop: (e: ParsedEntry) => boolean; onEntry?: (e: TarEntryInfo) => void }) {
    super();
    this.parser = new TarParser({
      onEntry: (e) => this.onEntry(e),
      onData: (chunk) => {
        if (this.keeping) this.push(chunk);
      },
      onGlobalHeader: (header, content) => {
        this.push(header);
        this.push(content);
      },
    });
  }

  private onEntry(e: ParsedEntry): void {
    this.keeping = !this.opts.drop(e);
    if (!this.keeping) {
      this.dropped++;
      return;
    }
    for (const b of e.meta) this.push(b);
    this.push(e.header);
    this.opts.onEntry?.(e.info);
  }
}
