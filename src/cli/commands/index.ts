/**
 * The list of sub-commands, in the order `--help` shows them. Each module exports a function that
 * registers its command on the program.
 */
import type { Command } from 'commander';

export type RegisterCommand = (program: Command) => void;

export const commands: RegisterCommand[] = [];
