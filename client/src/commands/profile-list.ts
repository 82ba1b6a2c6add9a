// `nono profile list`: built-in and user profiles.
import type { Command } from 'commander';
import { bold, dim } from '../output/style.js';
import { defineCommand } from './define-command.js';

/** Also `nono policy profiles`, the Rust nono's spelling. */
export function registerProfileList(parent: Command, name = 'list'): void {
  defineCommand({
    declare: (command) => command.command(name).description('List built-in and user profiles'),
    method: 'profile.list',
    params: () => ({}),
    jsonOf: ({ profiles }) => profiles,
    render: ({ profiles }) => {
      const out = process.stdout;
      for (const p of profiles) {
        out.write(`${bold(out, p.name.padEnd(14))} ${dim(out, p.builtin ? 'built-in' : 'user    ')}  ${p.description}\n`);
      }
    },
  })(parent);
}
