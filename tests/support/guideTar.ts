import { execFileSync } from 'node:child_process';

/**
 * The guide's commands, as the user types them: `docker run --rm -v VOLUME:/volume -v DIR:/dest IMAGE
 * tar -C /volume …`, with the test label so cleanup finds the container. `tar` is the rest of tar's
 * arguments, e.g. ['-czvf', '/dest/backup.tgz', '.'] or ['-xvf', '/dest/backup.tgz'].
 */
export function guideTarArgs(o: { volume: string; dir: string; image?: string; offline?: boolean }, tar: string[]): string[] {
  return [
    'run',
    '--rm',
    ...(o.offline ? ['--network', 'none'] : []),
    '--label',
    'com.exasol.ailab-desktop.test=1',
    '-v',
    `${o.volume}:/volume`,
    '-v',
    `${o.dir}:/dest`,
    o.image ?? 'ubuntu',
    'tar',
    '-C',
    '/volume',
    ...tar,
  ];
}

/** Runs one of the guide's commands and waits for it (throws when docker fails). */
export function runGuideTar(o: Parameters<typeof guideTarArgs>[0] & { env?: NodeJS.ProcessEnv }, tar: string[]): void {
  execFileSync('docker', guideTarArgs(o, tar), { env: o.env ?? process.env, maxBuffer: 64 * 1024 * 1024 });
}
