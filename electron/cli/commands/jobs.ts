import type { CliCommand } from '../command';

export const jobCommands: CliCommand[] = [];
