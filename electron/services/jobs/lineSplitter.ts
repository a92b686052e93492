import { StringDecoder } from 'node:string_decoder';

/**
 * Turns chunks (which Docker cuts anywhere, even inside a UTF-8 character) into whole lines. A line
 * longer than `maxLine` is cut, so a stream without newlines cannot grow memory without bound.
 */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly maxLine = 64 * 1024,
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.rest + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.emit(text.slice(start, nl));
      start = nl + 1;
    }
    this.rest = text.slice(start);
    while (this.rest.length > this.maxLine) {
      this.emit(this.rest.slice(0, this.maxLine));
      this.rest = this.rest.slice(this.maxLine);
    }
  }

  /** Emits what is left after the last newline. */
  end(): void {
    const tail = this.rest + this.decoder.end();
    this.rest = '';
    if (tail.length > 0) this.emit(tail);
  }

  private emit(line: string): void {
    this.onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}
