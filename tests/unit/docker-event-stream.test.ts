import { describe, expect, it } from 'vitest';
import { JsonObjectSplitter, toEngineEvent } from '../../electron/services/docker/eventStream';

const e1 = { Type: 'volume', Action: 'create', Actor: { ID: 'v1', Attributes: { driver: 'local' } }, time: 1, timeNano: 1000 };
const e2 = { Type: 'container', Action: 'start', Actor: { ID: 'c1', Attributes: { name: 'odd "}{" name\\' } }, time: 2 };
const e3 = { Type: 'volume', Action: 'destroy', Actor: { ID: 'ünïcødé-✓' } };

function feed(chunks: Array<string | Buffer>): unknown[] {
  const s = new JsonObjectSplitter();
  const out: unknown[] = [];
  for (const c of chunks) out.push(...s.push(c));
  out.push(...s.end());
  return out;
}

describe('JsonObjectSplitter', () => {
  it('splits newline-delimited objects', () => {
    expect(feed([`${JSON.stringify(e1)}\n${JSON.stringify(e2)}\n`])).toEqual([e1, e2]);
  });

  it('reassembles objects split at every possible byte, including inside multi-byte characters', () => {
    const body = Buffer.from(`${JSON.stringify(e1)}\n${JSON.stringify(e3)}\n${JSON.stringify(e2)}\n`);
    for (let cut = 1; cut < body.length; cut++) {
      expect(feed([body.subarray(0, cut), body.subarray(cut)]), `cut at ${cut}`).toEqual([e1, e3, e2]);
    }
  });

  it('copes with one byte per chunk', () => {
    const body = Buffer.from(`${JSON.stringify(e3)}\n${JSON.stringify(e2)}\n`);
    expect(feed([...body].map((b) => Buffer.from([b])))).toEqual([e3, e2]);
  });

  it('emits an object as soon as it is complete, before the newline arrives', () => {
    const s = new JsonObjectSplitter();
    const text = JSON.stringify(e1);
    expect(s.push(text.slice(0, 10))).toEqual([]);
    expect(s.push(text.slice(10))).toEqual([e1]);
    expect(s.push('\n')).toEqual([]);
  });

  it('separates objects written back to back without a newline, and CRLF lines', () => {
    expect(feed([`${JSON.stringify(e1)}${JSON.stringify(e2)}\r\n${JSON.stringify(e3)}`])).toEqual([e1, e2, e3]);
  });

  it('is not fooled by braces and escaped quotes inside strings', () => {
    const tricky = { Type: 'x', Action: 'y', Actor: { ID: '}}}"{{{', Attributes: { a: 'back\\slash "quoted" {' } } };
    expect(feed([JSON.stringify(tricky).slice(0, 17), JSON.stringify(tricky).slice(17)])).toEqual([tricky]);
  });

  it('skips noise and broken objects and keeps going', () => {
    const out = feed(['garbage\n{"broken": }\n', `${JSON.stringify(e1)}\n`, 'more noise ', JSON.stringify(e2)]);
    expect(out).toEqual([e1, e2]);
  });

  it('drops an unfinished object at the end of the stream', () => {
    expect(feed([`${JSON.stringify(e1)}\n{"Type":"vol`])).toEqual([e1]);
  });

  it('does not rescan or keep what it has already emitted (bounded buffer)', () => {
    const s = new JsonObjectSplitter();
    const line = `${JSON.stringify(e1)}\n`;
    let count = 0;
    for (let i = 0; i < 5000; i++) count += s.push(line).length;
    expect(count).toBe(5000);
    // The internal buffer only ever holds the unfinished tail.
    expect((s as unknown as { buffer: string }).buffer.length).toBeLessThan(line.length);
  });
});

describe('toEngineEvent', () => {
  it('accepts engine events and keeps only string attributes', () => {
    expect(toEngineEvent({ ...e1, Actor: { ID: 'v1', Attributes: { driver: 'local', n: 5 } } })).toEqual(e1);
  });

  it('rejects values that are not events', () => {
    expect(toEngineEvent(null)).toBeNull();
    expect(toEngineEvent([1, 2])).toBeNull();
    expect(toEngineEvent({ Type: 'volume', Action: 'create' })).toBeNull();
    expect(toEngineEvent({ status: 'pull', id: 'x' })).toBeNull();
  });
});
