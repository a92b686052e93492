import type Dockerode from 'dockerode';

/** Where every helper container (the jobs' tar and find, the file browser's find) mounts the volume. */
export const VOLUME_MOUNT = '/volume';

/**
 * The confinement every short-lived helper container runs in (the jobs' tar and find, the file
 * browser's find). Docker's default set has 14 capabilities (NET_RAW, MKNOD, SETUID, KILL, …); a
 * helper gets back only what its command was measured to need, against a volume with mode-000
 * folders and files of other users, a sticky folder of another user, setgid folders and files of
 * another group, a setuid file of another user and read-only folders (run with each one left out):
 *
 * - reading (backup, measure, listing): DAC_READ_SEARCH, to read files and folders of other users
 *   (`tar -c`: "Cannot open: Permission denied" without it);
 * - writing into a FIFO of the host user (fast engine, local Linux engine): DAC_OVERRIDE, as the FIFO
 *   belongs to the user running the app, not to the container's root;
 * - writing (restore `tar -x --numeric-owner`, clearing with `find -delete`): CHOWN (owners), FOWNER
 *   (modes and times of files it just gave to another user; deleting in another user's sticky folder),
 *   FSETID (setgid bits of another group, which chmod drops silently without it) and DAC_OVERRIDE
 *   (writing into read-only and mode-000 folders). Without any one of them a restore is not exact.
 * - copying one volume into another (clone, rename: `tar -c | tar -x` in one helper): the writing set
 *   alone. Its DAC_OVERRIDE already lets `tar -c` read mode-000 folders and other users' files
 *   (measured), so DAC_READ_SEARCH, which also grants open_by_handle_at, is not added.
 *
 * MKNOD is never needed: the archive check refuses device nodes, and FIFOs need no capability.
 * Docker's own archive API (GET/PUT /archive, the fallback without a runnable image) works on a
 * created, never started container, so none of this applies to it, except that the image's file
 * system stays writable there: the fallback sets the volume folder's own owner and mode with a PUT at
 * `/` (the Engine skips a `./` entry), which a read-only root refuses. A helper that runs writes
 * nothing outside the volume, so its image's file system is read-only.
 */
export type HelperAccess = 'read' | 'read-to-host-fifo' | 'write';

const CAPABILITIES: Readonly<Record<HelperAccess, readonly string[]>> = {
  read: ['DAC_READ_SEARCH'],
  'read-to-host-fifo': ['DAC_READ_SEARCH', 'DAC_OVERRIDE'],
  write: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID'],
};

/** tar and gzip are two processes; this only stops a runaway (or hostile image) from forking without end. */
export const HELPER_PIDS_LIMIT = 64;

export function helperHostConfig(
  access: HelperAccess,
  opts: { runs: boolean } = { runs: true },
): Pick<Dockerode.HostConfig, 'CapDrop' | 'CapAdd' | 'SecurityOpt' | 'PidsLimit' | 'ReadonlyRootfs' | 'NetworkMode'> {
  return {
    NetworkMode: 'none',
    CapDrop: ['ALL'],
    CapAdd: [...CAPABILITIES[access]],
    // A setuid binary in the helper image cannot raise privileges back.
    SecurityOpt: ['no-new-privileges'],
    PidsLimit: HELPER_PIDS_LIMIT,
    ReadonlyRootfs: opts.runs,
  };
}
