// The command table's names are the commands each entry adds, so a command line that registers
// only the command it names gets exactly the command the full table would have given it.
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandsFor } from '../../src/commands/command-table.js';

const program = () => new Command('nono').enablePositionalOptions();

describe('the command table', () => {
  it('names each entry by the command it adds and that command aliases', () => {
    for (const entry of COMMANDS) {
      const alone = program();
      entry.register(alone);
      expect(alone.commands.map((c) => [c.name(), ...c.aliases()])).toEqual([entry.names]);
    }
  });

  it('adds one command for a command line that names it, by name or alias', () => {
    expect(commandsFor('run').map((c) => c.names[0])).toEqual(['run']);
    expect(commandsFor('packs').map((c) => c.names[0])).toEqual(['pack']);
  });

  it('adds every command for help, a flag, no word, a word no command has, and completion scripts', () => {
    for (const word of [undefined, 'help', '--help', '-V', 'rnu', 'completion']) expect(commandsFor(word)).toBe(COMMANDS);
  });
});
