// Which words of argv nono judges as commands, and what an installed command belongs to, by
// the layouts real installers leave on disk.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandWords, installOf, interpreterOf } from '../../src/policy/launch-command.js';

const root = mkdtempSync(join(tmpdir(), 'nono-launch-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const file = (path: string, text = ''): string => {
  const full = join(root, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, text);
  return full;
};

describe('commandWords', () => {
  it('looks through env, nice, timeout and the like to the command they run', () => {
    expect(commandWords(['rm', '-rf', '/'])).toEqual(['rm']);
    expect(commandWords(['env', '-i', 'A=1', '-u', 'B', 'rm', 'x'])).toEqual(['env', 'rm']);
    expect(commandWords(['env', '-S', 'rm -rf /'])).toEqual(['env', 'rm']);
    expect(commandWords(['nice', '-n', '5', 'timeout', '-s', 'KILL', '10', 'nohup', 'rm', 'x'])).toEqual(['nice', 'timeout', 'nohup', 'rm']);
    expect(commandWords(['/usr/bin/env', '--', 'chmod', '+x', 'y'])).toEqual(['/usr/bin/env', 'chmod']);
  });

  it("leaves a shell's script alone: rm in it is the agent's work", () => {
    expect(commandWords(['sh', '-c', 'rm -rf build'])).toEqual(['sh']);
    expect(commandWords(['env'])).toEqual(['env']);
  });
});

describe('installOf', () => {
  const home = join(root, 'home');

  it('finds the version directory, the venv, the node package, ~/.bun; else the file', () => {
    expect(installOf(file('home/.local/share/claude/versions/1.2.3/claude'), home)).toBe(join(home, '.local/share/claude/versions/1.2.3'));
    expect(installOf(file('home/.nvm/versions/node/v20.1.0/bin/node'), home)).toBe(join(home, '.nvm/versions/node/v20.1.0'));
    file('home/.local/share/pipx/venvs/black/pyvenv.cfg', 'home = /usr/bin\n');
    expect(installOf(file('home/.local/share/pipx/venvs/black/bin/black'), home)).toBe(join(home, '.local/share/pipx/venvs/black'));
    expect(installOf(file('prefix/lib/node_modules/@anthropic-ai/claude-code/cli.js'), home)).toBe(join(root, 'prefix/lib/node_modules/@anthropic-ai/claude-code'));
    expect(installOf(file('prefix/lib/node_modules/tsx/dist/cli.mjs'), home)).toBe(join(root, 'prefix/lib/node_modules/tsx'));
    expect(installOf(file('home/.bun/install/global/node_modules/x/cli.js'), home)).toBe(join(home, '.bun'));
    const cargo = file('home/.cargo/bin/ripgrep');
    expect(installOf(cargo, home)).toBe(cargo);
  });
});

describe('interpreterOf', () => {
  it('reads the #! line, through env', () => {
    expect(interpreterOf(file('s1', '#!/usr/bin/env node\n'))).toBe('node');
    expect(interpreterOf(file('s2', '#!/usr/bin/env -S node --no-warnings\n'))).toBe('node');
    expect(interpreterOf(file('s3', '#! /bin/bash -e\n'))).toBe('/bin/bash');
    expect(interpreterOf(file('s4', '\x7fELF...'))).toBeUndefined();
  });
});
