import { AppError } from './contract/errors';
import { sftpTargetSchema, type SftpTarget } from './contract/plans';

/**
 * `user@host[:port]/absolute/folder` (or the same behind `sftp://`) into an SftpTarget, and back.
 * IPv6 addresses go in brackets: `user@[::1]:2222/srv/backups`. The port defaults to 22. Pure: the
 * CLI parses `--sftp` with it, and the page can too.
 */
export function parseSftpTarget(text: string, keyFile: string | null = null): SftpTarget {
  const bad = (why: string) =>
    new AppError('INVALID_ARGUMENT', `--sftp ${JSON.stringify(text)}: ${why}.`, {
      hint: 'Write it as user@host:port/folder, e.g. backup@nas.local:22/srv/ailab-backups (the folder absolute, the port optional).',
    });
  const raw = text.trim().replace(/^sftp:\/\//i, '');
  const at = raw.indexOf('@');
  if (at <= 0) throw bad('name the user (user@host…)');
  const user = raw.slice(0, at);
  const rest = raw.slice(at + 1);
  let host: string;
  let after: string;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw bad('an IPv6 address needs its closing ]');
    host = rest.slice(1, close);
    after = rest.slice(close + 1);
  } else {
    const end = rest.search(/[:/]/);
    host = end < 0 ? rest : rest.slice(0, end);
    after = end < 0 ? '' : rest.slice(end);
  }
  if (host === '') throw bad('name the host');
  let port = 22;
  const portMatch = /^:(\d*)/.exec(after);
  if (portMatch) {
    if (portMatch[1] !== '') {
      port = Number(portMatch[1]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`the port must be 1-65535, not ${portMatch[1]}`);
    }
    after = after.slice(portMatch[0].length);
  }
  if (!after.startsWith('/')) throw bad('give the remote folder as an absolute path after the host (…:22/srv/backups)');
  // One trailing slash is how people write folders; the stored path has none (but "/" stays "/").
  const folder = after.length > 1 ? after.replace(/\/+$/, '') : after;
  const parsed = sftpTargetSchema.safeParse({ host, port, user, path: folder, keyFile });
  if (!parsed.success) throw bad(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

/** host or [v6]:port as people and known_hosts write it (port 22 left out for a bare host). */
export function sftpHostPort(t: Pick<SftpTarget, 'host' | 'port'>): string {
  const host = t.host.includes(':') ? `[${t.host}]` : t.host;
  return `${host}:${t.port}`;
}

/** `user@host:port/folder`, the form --sftp takes. */
export function formatSftpTarget(t: Pick<SftpTarget, 'host' | 'port' | 'user' | 'path'>): string {
  return `${t.user}@${sftpHostPort(t)}${t.path}`;
}

/** `sftp://user@host:port/folder/file`, how a run names what it uploaded. */
export function sftpUrl(t: Pick<SftpTarget, 'host' | 'port' | 'user' | 'path'>, fileName?: string): string {
  const folder = t.path === '/' ? '' : t.path;
  return `sftp://${formatSftpTarget({ ...t, path: folder })}${fileName === undefined ? '' : `/${fileName}`}`;
}
