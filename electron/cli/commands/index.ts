import type { CliCommand } from '../command';
import { diffCommands } from './archiveFiles';
import { backupCommands } from './backups';
import { contextCommands } from './contexts';
import { doctorCommands } from './doctor';
import { jobCommands } from './jobs';
import { launcherCommands } from './launcher';
import { planCommands } from './plans';
import { upgradeCommands } from './upgrade';
import { tutorialCommands } from './tutorials';
import { volumeCommands } from './volumes';

export const allCommands: CliCommand[] = [
  ...doctorCommands,
  ...contextCommands,
  ...volumeCommands,
  ...jobCommands,
  ...backupCommands,
  ...diffCommands,
  ...planCommands,
  ...launcherCommands,
  ...upgradeCommands,
  ...tutorialCommands,
];
