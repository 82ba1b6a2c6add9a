// Starting a detached child, as Node's spawn with `detached: true` does, but through posix_spawn
// (native-helper/addon/process-spawn.c): Node forks the whole daemon for each child, about 3 ms
// of its thread per session start and per warm client. Without the module (not built, not
// Linux) Node's spawn does it, behind the same events.
import { spawn as spawnChild } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { dirname, join } from 'node:path';
import { helperPath } from '../sandbox/helper-binary.js';

interface ProcessSpawn {
  spawn(
    file: string,
    argv: string[],
    env: string[],
    cwd: string,
    stdio: number[],
    keepAlive: boolean,
    onExit: (code: number | null, signal: number | null) => void,
  ): { pid: number; fds: number[] };
}

/** What the child gets as fd i: a new socketpair (Node's 'pipe'), /dev/null, or an fd of ours. */
export type StdioSlot = 'pipe' | 'ignore' | number;

export interface DetachedOptions {
  cwd?: string;
  env: Record<string, string>;
  stdio: StdioSlot[];
  /** false: the daemon may exit while the child runs (default true). */
  keepAlive?: boolean;
}

/**
 * A started child. Events, as ChildProcess has them but with signal numbers: 'error' (it could
 * not start; nothing else follows), 'exit' (code, signal), and 'close' (code, signal) once it
 * has exited and every readable stream has closed.
 */
export interface DetachedChild extends EventEmitter {
  /** -1 when it could not start. */
  readonly pid: number;
  /** Our end of each 'pipe' slot: fd 0 writable, 1 and 2 readable, 3 onwards both. */
  readonly stdio: (Socket | null)[];
  /** Signals the child itself (not its group); false once it is gone. */
  kill(signal: NodeJS.Signals): boolean;
}

const PIPE = -1;
let processSpawn: ProcessSpawn | null | undefined;

function loadProcessSpawn(): ProcessSpawn | null {
  if (processSpawn === undefined) {
    try {
      processSpawn = createRequire(import.meta.url)(join(dirname(helperPath()), 'process-spawn.node')) as ProcessSpawn;
    } catch {
      processSpawn = null;
    }
  }
  return processSpawn;
}

/** Starts file (argv[0] included in argv) as the leader of a new session. */
export function spawnDetached(file: string, argv: string[], options: DetachedOptions): DetachedChild {
  const native = loadProcessSpawn();
  return native ? new NativeChild(native, file, argv, options) : nodeChild(file, argv, options);
}

class NativeChild extends EventEmitter implements DetachedChild {
  readonly pid: number;
  readonly stdio: (Socket | null)[];
  private exited: [number | null, number | null] | undefined;
  private openReadable = 0;
  private readonly started: boolean;

  constructor(native: ProcessSpawn, file: string, argv: string[], options: DetachedOptions) {
    super();
    const env = Object.entries(options.env).map(([name, value]) => `${name}=${value}`);
    const devNull = options.stdio.includes('ignore') ? openSync('/dev/null', 'r+') : undefined;
    let started: { pid: number; fds: number[] } | undefined;
    try {
      started = native.spawn(
        file,
        argv,
        env,
        options.cwd ?? process.cwd(),
        options.stdio.map((slot) => (slot === 'pipe' ? PIPE : slot === 'ignore' ? devNull! : slot)),
        options.keepAlive !== false,
        (code, signal) => {
          this.exited = [code, signal];
          this.emit('exit', code, signal);
          this.maybeClose();
        },
      );
    } catch (error) {
      process.nextTick(() => this.emit('error', error));
    } finally {
      if (devNull !== undefined) closeSync(devNull);
    }
    this.started = started !== undefined;
    this.pid = started?.pid ?? -1;
    this.stdio = options.stdio.map((slot, index) => {
      if (slot !== 'pipe' || !started) return null;
      const readable = index !== 0;
      const socket = new Socket({ fd: started.fds[index]!, readable, writable: index === 0 || index > 2 });
      if (options.keepAlive === false) socket.unref();
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

  kill(signal: NodeJS.Signals): boolean {
    if (!this.started || this.exited) return false;
    try {
      process.kill(this.pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  private maybeClose(): void {
    if (this.exited && this.openReadable === 0) this.emit('close', ...this.exited);
  }
}

function nodeChild(file: string, argv: string[], options: DetachedOptions): DetachedChild {
  const child = spawnChild(file, argv.slice(1), { argv0: argv[0], cwd: options.cwd, env: options.env, stdio: options.stdio, detached: true });
  const events = new EventEmitter() as DetachedChild;
  const number = (signal: NodeJS.Signals | null): number | null => (signal ? osConstants.signals[signal] : null);
  child.on('error', (error) => events.emit('error', error));
  child.on('exit', (code, signal) => events.emit('exit', code, number(signal)));
  child.on('close', (code, signal) => events.emit('close', code, number(signal)));
  if (options.keepAlive === false) {
    child.unref();
    for (const stream of child.stdio) (stream as Socket | null)?.unref();
  }
  return Object.assign(events, {
    pid: child.pid ?? -1,
    stdio: child.stdio.map((stream) => (stream as Socket | null) ?? null),
    kill: (signal: NodeJS.Signals) => child.kill(signal),
  });
}
