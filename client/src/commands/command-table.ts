// Every CLI command, registered from one list (tmux's cmd_table[]).
import type { Command } from 'commander';
import { registerRun } from './run.js';
import { registerDaemon } from './daemon.js';

export const COMMANDS: ((program: Command) => void)[] = [registerRun, registerDaemon];
