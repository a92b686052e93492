import { execFileSync } from 'node:child_process';

/**
 * The 238-byte .tgz of issue 11 (item 1): one entry whose pax path is 64 KiB long, more than any
 * Linux path may be. Made by Python's tarfile, as the reporter made it.
 */
export function writeLongPathTgz(file: string): void {
  execFileSync('python3', [
    '-c',
    `import tarfile,io;t=tarfile.open(${JSON.stringify(file)},'w:gz',format=tarfile.PAX_FORMAT);i=tarfile.TarInfo('p');i.size=1;i.pax_headers={'path':'a/'*32768+'f'};t.addfile(i,io.BytesIO(b'x'));t.close()`,
  ]);
}
