// Starting the sandbox helper on pipes, as Node's spawn with `detached: true` and 'pipe' stdio
// does, but through posix_spawn (native-helper/addon/process-spawn.c): Node forks the whole
// daemon for each child, about 3 ms of its thread per session start. glibc's posix_spawn leaves
// its two internal signals ignored in the child, so only a program that resets them (the helper
// does, first thing) is started this way. Without the module (not built, not Linux, no pidfds)
// Node's spawn does it, behind the same events.
import { spawn as spawnChild } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { loadNativeModule } from './native-module.js';

interface ProcessSpawn {
  spawn?(
    file: string,
    argv: string[],
    env: string[],
    cwd: string,
    pipes: number,
    onExit: (code: number | null, signal: number | null) => void,
  ): { pid: number; fds: number[] };
}

export interface DetachedOptions {
  cwd: string;
  env: Record<string, string>;
  /** How many socketpairs: stdin, stdout, stderr, then duplex ones as fd 3, 4, ... */
  pipes: number;
}

/**
 * A started child. Events, as ChildProcess has them but with signal numbers: 'error' (it could
 * not start; a 'close' may follow), and 'close' (code, signal) once it has exited and every
 * readable stream has closed.
 */
export interface DetachedChild extends EventEmitter {
  /** -1 when it could not start. */
  readonly pid: number;
  /** Our end of each pipe: fd 0 writable, 1 and 2 readable, 3 onwards both; empty when it could not start. */
  readonly stdio: Socket[];
}

/**
 * Starts file (argv[0] included in argv) as the leader of a new session. Throws, as Node's
 * spawn does, for arguments it cannot pass (a NUL inside one).
 */
export function spawnDetached(file: string, argv: string[], options: DetachedOptions): DetachedChild {
  const native = loadNativeModule<ProcessSpawn>('process-spawn.node');
  return native?.spawn ? new NativeChild(native.spawn, file, argv, options) : nodeChild(file, argv, options);
}

class NativeChild extends EventEmitter implements DetachedChild {
  readonly pid: number;
  readonly stdio: Socket[];
  private exited: [number | null, number | null] | undefined;
  private openReadable = 0;

  constructor(spawn: NonNullable<ProcessSpawn['spawn']>, file: string, argv: string[], options: DetachedOptions) {
    super();
    const env = Object.entries(options.env).map(([name, value]) => `${name}=${value}`);
    let started: { pid: number; fds: number[] } | undefined;
    try {
      started = spawn(file, argv, env, options.cwd, options.pipes, (code, signal) => {
        this.exited = [code, signal];
        this.maybeClose();
      });
    } catch (error) {
      if (error instanceof TypeError) throw error;
      process.nextTick(() => this.emit('error', error));
    }
    this.pid = started?.pid ?? -1;
    this.stdio = (started?.fds ?? []).map((fd, index) => {
      const readable = index !== 0;
      const socket = new Socket({ fd, readable, writable: index === 0 || index > 2 });
      if (readable) {
        this.openReadable++;
        socket.once('close', () => {
          this.openReadable--;
          this.maybeClose();
        });
      }
      return socket;
    });
  }

  private maybeClose(): void {
    if (this.exited && this.openReadable === 0) this.emit('close', ...this.exited);
  }
}

function nodeChild(file: string, argv: string[], options: DetachedOptions): DetachedChild {
  const child = spawnChild(file, argv.slice(1), { argv0: argv[0], cwd: options.cwd, env: options.env, stdio: Array.from({ length: options.pipes }, () => 'pipe'), detached: true });
  const events = new EventEmitter();
  const number = (signal: NodeJS.Signals | null): number | null => (signal ? osConstants.signals[signal] : null);
  child.on('error', (error) => events.emit('error', error));
  child.on('close', (code, signal) => events.emit('close', code, number(signal)));
  return Object.assign(events, { pid: child.pid ?? -1, stdio: child.pid === undefined ? [] : (child.stdio as unknown as Socket[]) });
}
