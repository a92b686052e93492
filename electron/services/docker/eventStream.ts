import { StringDecoder } from 'node:string_decoder';
import type { EngineEvent } from './types';

/** An object bigger than this is not an engine event; dropping it keeps a broken stream from eating memory. */
const MAX_OBJECT_CHARS = 1024 * 1024;

/**
 * Splits the Engine's `GET /events` body into JSON values. The engine writes one object per line,
 * but chunks end anywhere (mid-object, mid-UTF-8 character), proxies may merge lines, and older
 * engines have written objects back to back without a newline. So this scans for balanced top-level
 * objects, honouring strings and escapes, instead of trusting line breaks. Text that is not JSON is
 * skipped up to the next object.
 */
export class JsonObjectSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private buffer = '';
  /** Scan state, kept across chunks so each character is looked at once. */
  private pos = 0;
  private start = -1;
  private depth = 0;
  private inString = false;
  private escaped = false;

  push(chunk: Buffer | string): unknown[] {
    this.buffer += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    return this.scan();
  }

  /** Whatever is complete once the stream has ended (a trailing partial object is dropped). */
  end(): unknown[] {
    this.buffer += this.decoder.end();
    const out = this.scan();
    this.reset('');
    return out;
  }

  private reset(rest: string): void {
    this.buffer = rest;
    this.pos = 0;
    this.start = -1;
    this.depth = 0;
    this.inString = false;
    this.escaped = false;
  }

  private scan(): unknown[] {
    const out: unknown[] = [];
    const buf = this.buffer;
    let i = this.pos;
    let consumed = 0;
    for (; i < buf.length; i++) {
      const c = buf[i];
      if (this.start < 0) {
        if (c === '{') {
          this.start = i;
          this.depth = 1;
        }
        // Anything else between objects (newlines, stray text) is skipped.
        consumed = this.start < 0 ? i + 1 : this.start;
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
        continue;
      }
      if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        this.depth--;
        if (this.depth === 0) {
          const text = buf.slice(this.start, i + 1);
          try {
            out.push(JSON.parse(text));
          } catch {
            // Balanced but not JSON: skip it like any other noise.
          }
          this.start = -1;
          consumed = i + 1;
        }
      }
    }
    if (this.start >= 0 && i - this.start > MAX_OBJECT_CHARS) {
      this.reset('');
      return out;
    }
    // Keep only the unfinished object (if any); rebase the scan state onto the shorter buffer.
    const keepFrom = this.start >= 0 ? this.start : consumed;
    this.buffer = buf.slice(keepFrom);
    this.pos = i - keepFrom;
    if (this.start >= 0) this.start -= keepFrom;
    return out;
  }
}

/** The engine event in a parsed value, or null when it is not one (the stream is not trusted blindly). */
export function toEngineEvent(value: unknown): EngineEvent | null {
  if (typeof value !== 'object' || value === null) return null;
  const v = value as Record<string, unknown>;
  const actor = v.Actor as Record<string, unknown> | undefined;
  if (typeof v.Type !== 'string' || typeof v.Action !== 'string' || typeof actor !== 'object' || actor === null) return null;
  const attributes: Record<string, string> = {};
  if (typeof actor.Attributes === 'object' && actor.Attributes !== null) {
    for (const [k, val] of Object.entries(actor.Attributes as Record<string, unknown>)) {
      if (typeof val === 'string') attributes[k] = val;
    }
  }
  const event: EngineEvent = { Type: v.Type, Action: v.Action, Actor: { ID: typeof actor.ID === 'string' ? actor.ID : '', Attributes: attributes } };
  if (typeof v.time === 'number') event.time = v.time;
  if (typeof v.timeNano === 'number') event.timeNano = v.timeNano;
  return event;
}
