import type { CliCommand } from '../command';
import { backupCommands } from './backups';
import { doctorCommands } from './doctor';
import { jobCommands } from './jobs';
import { launcherCommands } from './launcher';
import { planCommands } from './plans';
import { volumeCommands } from './volumes';

export const allCommands: CliCommand[] = [...doctorCommands, ...volumeCommands, ...jobCommands, ...backupCommands, ...planCommands, ...launcherCommands];
