// The command nono launches, found before the sandbox starts: on the user's PATH (the one the
// client sent), through its symlinks to its file, and the install that file belongs to. A
// command installed in the home (~/.local/bin/claude, an npm-global bin, nvm, bun, pipx,
// cargo) lies outside every grant of a default profile, so without this the helper's own
// PATH lookup inside the sandbox would answer "command not found" with no hint why.
import { accessSync, closeSync, constants, lstatSync, openSync, readlinkSync, readSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { NonoError } from '@nono/shared';
import { canonicalOrLexical, isWithin, statIfVisible } from '@nono/shared/resolve-path';

/** Where execvp looks when PATH is unset (glibc). */
const DEFAULT_PATH = '/bin:/usr/bin';

/**
 * Commands that run the rest of their arguments as a command, so `env rm -rf /` is judged as
 * rm: the options that take a value, and the positional arguments before the command.
 */
const WRAPPERS: Record<string, { values: string[]; positional: number }> = {
  env: { values: ['-u', '--unset', '-C', '--chdir', '-S', '--split-string'], positional: 0 },
  nice: { values: ['-n', '--adjustment'], positional: 0 },
  nohup: { values: [], positional: 0 },
  setsid: { values: [], positional: 0 },
  timeout: { values: ['-s', '--signal', '-k', '--kill-after'], positional: 1 },
  stdbuf: { values: ['-i', '--input', '-o', '--output', '-e', '--error'], positional: 0 },
  ionice: { values: ['-c', '--class', '-n', '--classdata'], positional: 0 },
};

/**
 * The words of argv that name commands to run: argv[0], then whatever each wrapper runs.
 * A shell's script (`sh -c '…'`) is not looked into: it is the agent's work, where rm and
 * chmod are ordinary, and no parser short of the shell itself could read it faithfully.
 */
export function commandWords(argv: string[]): string[] {
  const words: string[] = [];
  let rest = argv;
  while (rest.length > 0) {
    const [word, ...args] = rest;
    words.push(word!);
    const wrapper = WRAPPERS[basename(word!)];
    if (!wrapper) break;
    let i = 0;
    let split: string[] = [];
    while (i < args.length) {
      const arg = args[i]!;
      if (arg === '--') {
        i++;
        break;
      }
      const isEnv = basename(word!) === 'env';
      // env's `-` (an empty environment) and NAME=value come before its command.
      const envWord = isEnv && (arg === '-' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(arg));
      if (!envWord && (!arg.startsWith('-') || arg === '-')) break;
      if (wrapper.values.includes(arg)) {
        if (arg === '-S' || arg === '--split-string') split = (args[i + 1] ?? '').split(/\s+/).filter(Boolean);
        i += 2;
      } else {
        if (arg.startsWith('--split-string=')) split = arg.slice('--split-string='.length).split(/\s+/).filter(Boolean);
        else if (arg.startsWith('-S') && isEnv) split = arg.slice(2).split(/\s+/).filter(Boolean);
        i++;
      }
    }
    rest = [...split, ...args.slice(i + wrapper.positional)];
  }
  return words;
}

export interface FoundCommand {
  /** The path the lookup found, then each symlink's target in turn, the last being the file. */
  chain: string[];
  /** The file itself, every symlink resolved. */
  file: string;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The PATH entries a lookup searches, as absolute directories (an empty entry is the cwd, as for execvp). */
export function pathEntries(pathVariable: string | undefined, cwd: string): string[] {
  return (pathVariable ?? DEFAULT_PATH).split(':').map((entry) => resolve(cwd, entry || '.'));
}

/** Every symlink from path to its file, each target made absolute. */
function symlinkChain(path: string): string[] {
  const chain = [path];
  for (let hops = 0; hops < 40; hops++) {
    const last = chain.at(-1)!;
    const stats = statIfVisible(last, false);
    if (!stats?.isSymbolicLink()) break;
    const target = readlinkSync(last);
    chain.push(isAbsolute(target) ? target : resolve(dirname(last), target));
  }
  return chain;
}

/** The command a word names, as execvp would find it: a path when it has a slash, else the first PATH entry holding it. */
export function findCommand(word: string, cwd: string, pathVariable: string | undefined, what = word): FoundCommand {
  const candidates = word.includes('/') ? [resolve(cwd, word)] : pathEntries(pathVariable, cwd).map((dir) => join(dir, word));
  // A path that exists but cannot run is the helper's to report, with the errno (exit 126).
  const found = word.includes('/') && statIfVisible(candidates[0]!) ? candidates[0] : candidates.find(isExecutableFile);
  if (!found) {
    if (word.includes('/')) throw new NonoError('COMMAND_NOT_FOUND', `command not found: ${what} (${candidates[0]} does not exist)`, { command: word });
    const searched = pathEntries(pathVariable, cwd);
    throw new NonoError(
      'COMMAND_NOT_FOUND',
      `command not found: ${what}; nono looked in the PATH it was given: ${searched.join(':')}${pathVariable === undefined ? ' (PATH is unset: the default)' : ''}; install it, fix PATH, or give its path`,
      { command: word, searched },
    );
  }
  return { chain: symlinkChain(found), file: canonicalOrLexical(found) };
}

const VERSION_NAME = /^v?\d+(\.\d+)+([-+._][0-9A-Za-z.+-]*)?$/;

/**
 * What a program's file belongs to and needs beside it, found by the layouts installers use:
 * ~/.bun; a version directory (~/.local/share/claude/versions/1.2.3, nvm's
 * ~/.nvm/versions/node/v20.1.0, asdf and mise installs); a Python venv (pipx); a node package
 * under node_modules (npm-global). Else the file alone (cargo, a single binary).
 */
export function installOf(file: string, home: string): string {
  const bun = join(home, '.bun');
  if (isWithin(file, bun)) return bun;
  const stop = isWithin(file, home) ? home : '/';
  for (let dir = dirname(file); dir !== stop && dir !== '/' && isWithin(dir, stop); dir = dirname(dir)) {
    const name = basename(dir);
    const parent = basename(dirname(dir));
    if (VERSION_NAME.test(name) && dir.split('/').length > 3) return dir;
    if (statIfVisible(join(dir, 'pyvenv.cfg'))) return dir;
    if (parent === 'node_modules' || (parent.startsWith('@') && basename(dirname(dirname(dir))) === 'node_modules')) return dir;
  }
  return file;
}

/** The program a `#!` line runs (the interpreter, or for `#!/usr/bin/env node` node), if the file starts with one. */
export function interpreterOf(file: string): string | undefined {
  const head = Buffer.alloc(256);
  let length: number;
  try {
    if (lstatSync(file).size < 3) return undefined;
    const fd = openSync(file, 'r');
    try {
      length = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const text = head.subarray(0, length).toString('latin1');
  if (!text.startsWith('#!')) return undefined;
  const words = text.slice(2).split('\n')[0]!.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  if (basename(words[0]!) !== 'env') return words[0];
  return words.slice(1).find((word) => !word.startsWith('-') && !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
}

export interface LaunchNeed {
  /** A file or directory to make readable and executable. */
  path: string;
  /** The command word it is for, and what it is to it. */
  why: string;
}

export interface LaunchPlan {
  /** Every path met on the way to the files (as found on PATH, each symlink), for the view to recreate. */
  chains: string[];
  /** The file the last command word runs. */
  file: string;
  needs: LaunchNeed[];
}

/** Interpreters of interpreters (a script run by a script) are followed this far. */
const MAX_INTERPRETERS = 3;

/**
 * Finds each command word of argv and what it needs that `readable` does not already give:
 * its install, and its interpreter's for a `#!` script. `judge` sees each word with every name
 * it goes by (typed, each symlink, the file) before anything is granted.
 */
export function planLaunch(
  argv: string[],
  context: { cwd: string; pathVariable: string | undefined; home: string },
  readable: (path: string) => boolean,
  judge: (word: string, names: string[]) => void,
): LaunchPlan {
  const words = commandWords(argv);
  for (const word of words) judge(word, [basename(word)]);
  const chains: string[] = [];
  const needs: LaunchNeed[] = [];
  let file = '';
  for (const word of words) {
    const found = findCommand(word, context.cwd, context.pathVariable);
    judge(word, [...found.chain, found.file].map((path) => basename(path)));
    chains.push(...found.chain);
    file = found.file;
    if (!readable(found.file)) needs.push({ path: installOf(found.file, context.home), why: word });
    let script = found.file;
    for (let depth = 0; depth < MAX_INTERPRETERS; depth++) {
      const interpreter = interpreterOf(script);
      if (interpreter === undefined) break;
      const runs = findCommand(interpreter, context.cwd, context.pathVariable, `${interpreter} (the interpreter of ${word})`);
      chains.push(...runs.chain);
      if (!readable(runs.file)) needs.push({ path: installOf(runs.file, context.home), why: `${word}'s interpreter ${basename(interpreter)}` });
      script = runs.file;
    }
  }
  return { chains, file, needs };
}
