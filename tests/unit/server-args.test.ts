import { describe, expect, it } from 'vitest';
import { DEFAULT_PORT, parseServeArgs, ServeUsageError } from '../../electron/server/args';

describe('parseServeArgs', () => {
  it('defaults to port 49500 and no browser', () => {
    expect(parseServeArgs([])).toEqual({ port: DEFAULT_PORT, open: false, help: false });
    expect(DEFAULT_PORT).toBe(49500);
  });

  it('reads --port N, --port=N, --open, --no-open and --help', () => {
    expect(parseServeArgs(['--port', '0']).port).toBe(0);
    expect(parseServeArgs(['--port=8123']).port).toBe(8123);
    expect(parseServeArgs(['--open']).open).toBe(true);
    expect(parseServeArgs(['--open', '--no-open']).open).toBe(false);
    expect(parseServeArgs(['-h']).help).toBe(true);
    expect(parseServeArgs(['--help']).help).toBe(true);
  });

  it('refuses bad ports and unknown options with a usage error', () => {
    for (const argv of [['--port'], ['--port', 'abc'], ['--port', '70000'], ['--port', '-1'], ['--port=1.5'], ['--bogus']]) {
      expect(() => parseServeArgs(argv), argv.join(' ')).toThrow(ServeUsageError);
    }
  });
});
