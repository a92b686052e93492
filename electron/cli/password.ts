import { UsageError } from './args';

/** Where scripts put the Jupyter password instead of argv, which every user can read (ps, /proc/<pid>/cmdline). */
export const PASSWORD_ENV = 'AILAB_JUPYTER_PASSWORD';
/** The launch contract's limit; more than this from stdin is not a password. */
const MAX_PASSWORD_CHARS = 256;

/** The part of process.stdin the password reader uses (a fake in unit tests). */
export interface StdinLike {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
  setEncoding(encoding: BufferEncoding): unknown;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  off(event: 'data', listener: (chunk: string) => void): unknown;
  off(event: 'end' | 'close', listener: () => void): unknown;
  off(event: 'error', listener: (err: Error) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

export interface PasswordSources {
  /** `--password PW`: still works, with a warning. */
  flag: string | undefined;
  /** `--password-stdin`. */
  fromStdin: boolean;
  env: NodeJS.ProcessEnv;
  stdin: StdinLike;
  /** A line for the user, on stderr. */
  say: (text: string) => void;
}

/**
 * The Jupyter password for `ailab launch`, from (in this order) --password-stdin, --password (with a
 * warning that ps shows it), or AILAB_JUPYTER_PASSWORD; undefined when none is given.
 */
export async function resolveJupyterPassword(s: PasswordSources): Promise<string | undefined> {
  if (s.fromStdin && s.flag !== undefined) throw new UsageError('give the password one way: --password-stdin or --password, not both.');
  if (s.fromStdin) {
    const password = s.stdin.isTTY ? await promptHidden(s.stdin, s.say) : await firstLine(s.stdin);
    return checked(password, '--password-stdin read');
  }
  if (s.flag !== undefined) {
    s.say(
      `Warning: --password puts the password in the command line, which every user of this computer can read (ps). Use ${PASSWORD_ENV}=… or --password-stdin instead.\n`,
    );
    return checked(s.flag, '--password is');
  }
  const fromEnv = s.env[PASSWORD_ENV];
  return fromEnv ? checked(fromEnv, `${PASSWORD_ENV} is`) : undefined;
}

function checked(password: string, what: string): string {
  if (password === '') throw new UsageError(`${what} an empty password.`);
  if (password.length > MAX_PASSWORD_CHARS) throw new UsageError(`${what} longer than ${MAX_PASSWORD_CHARS} characters; that is not a password.`);
  return password;
}

/** The first line of a pipe (`printf %s "$PW" | ailab launch --password-stdin`), without its line end. */
function firstLine(stdin: StdinLike): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (value: string) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      stdin.pause();
      resolve(value);
    };
    const onData = (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl >= 0) finish(text.slice(0, nl).replace(/\r$/, ''));
      else if (text.length > MAX_PASSWORD_CHARS * 4) finish(text);
    };
    const onEnd = () => finish(text.replace(/\r$/, ''));
    const onError = (err: Error) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      reject(new UsageError(`--password-stdin could not read standard input: ${err.message}`));
    };
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onError);
    stdin.resume();
  });
}

/** At a terminal: a prompt that does not echo what is typed. */
function promptHidden(stdin: StdinLike, say: (text: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let value = '';
    const done = () => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      say('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          done();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          done();
          reject(new UsageError('no password entered (Ctrl+C).'));
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    say('Jupyter password: ');
    stdin.setEncoding('utf8');
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}
