import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../electron/cli/args';
import { PASSWORD_ENV, resolveJupyterPassword, type StdinLike } from '../../electron/cli/password';

/** A pipe or a terminal on standard input, fed by the test. */
class FakeStdin extends EventEmitter {
  rawModes: boolean[] = [];
  constructor(readonly isTTY: boolean) {
    super();
  }
  setRawMode(mode: boolean) {
    this.rawModes.push(mode);
  }
  setEncoding() {}
  resume() {}
  pause() {}
  feed(...chunks: string[]) {
    setImmediate(() => {
      for (const c of chunks) this.emit('data', c);
      if (!this.isTTY) this.emit('end');
    });
  }
}

function sources(over: { flag?: string; fromStdin?: boolean; env?: NodeJS.ProcessEnv; stdin?: FakeStdin } = {}) {
  const said: string[] = [];
  const stdin = over.stdin ?? new FakeStdin(false);
  return {
    said,
    stdin,
    s: {
      flag: over.flag,
      fromStdin: over.fromStdin ?? false,
      env: over.env ?? {},
      stdin: stdin as unknown as StdinLike,
      say: (t: string) => void said.push(t),
    },
  };
}

describe('the Jupyter password of ailab launch', () => {
  it('is read from a pipe with --password-stdin: the first line, without its line end', async () => {
    const a = sources({ fromStdin: true });
    a.stdin.feed('s3cr', 'et pw\r\nignored\n');
    await expect(resolveJupyterPassword(a.s)).resolves.toBe('s3cret pw');
    const b = sources({ fromStdin: true });
    b.stdin.feed('no-newline');
    await expect(resolveJupyterPassword(b.s)).resolves.toBe('no-newline');
    expect([...a.said, ...b.said]).toEqual([]);
  });

  it('is typed without echo at a terminal', async () => {
    const t = sources({ fromStdin: true, stdin: new FakeStdin(true) });
    t.stdin.feed('pa', 'sx\u007fs', '\r');
    await expect(resolveJupyterPassword(t.s)).resolves.toBe('pass');
    expect(t.stdin.rawModes).toEqual([true, false]);
    expect(t.said.join('')).toBe('Jupyter password: \n');
    const c = sources({ fromStdin: true, stdin: new FakeStdin(true) });
    c.stdin.feed('ab\u0003');
    await expect(resolveJupyterPassword(c.s)).rejects.toThrow(UsageError);
  });

  it('comes from AILAB_JUPYTER_PASSWORD, and is absent when nothing gives one', async () => {
    await expect(resolveJupyterPassword(sources({ env: { [PASSWORD_ENV]: 'from-env' } }).s)).resolves.toBe('from-env');
    await expect(resolveJupyterPassword(sources().s)).resolves.toBeUndefined();
    await expect(resolveJupyterPassword(sources({ env: { [PASSWORD_ENV]: '' } }).s)).resolves.toBeUndefined();
  });

  it('still works with --password, with a warning that every user can read it', async () => {
    const w = sources({ flag: 'argv-pw', env: { [PASSWORD_ENV]: 'from-env' } });
    await expect(resolveJupyterPassword(w.s)).resolves.toBe('argv-pw');
    expect(w.said.join('')).toMatch(
      /^Warning: --password puts the password in the command line, which every user of this computer can read \(ps\)\. Use AILAB_JUPYTER_PASSWORD=… or --password-stdin instead\.\n$/,
    );
  });

  it('is refused when given twice, empty, or longer than a password', async () => {
    await expect(resolveJupyterPassword(sources({ flag: 'x', fromStdin: true }).s)).rejects.toThrow('give the password one way');
    const empty = sources({ fromStdin: true });
    empty.stdin.feed('\n');
    await expect(resolveJupyterPassword(empty.s)).rejects.toThrow('--password-stdin read an empty password.');
    const long = sources({ fromStdin: true });
    long.stdin.feed('x'.repeat(300));
    await expect(resolveJupyterPassword(long.s)).rejects.toThrow('longer than 256 characters');
  });
});
