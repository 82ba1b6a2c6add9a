// The running helper-then-command of a session, on a PTY (interactive) or on pipes (scripts,
// CI: stdout and stderr stay apart and the spec goes over an inherited fd).
import * as pty from 'node-pty';
import type { Duplex } from 'node:stream';
import type { OutputStream, TerminalSize } from '@nono/shared';
import { PtyInput } from './pty-input.js';
import { drainMaster } from './pty-drain.js';
import { spawnDetached } from '../native/process-spawn.js';
import { groupSignaller } from '../process-group.js';

export interface SandboxProcess {
  readonly pid: number;
  write(data: Buffer): void;
  endInput(): void;
  resize(size: TerminalSize): void;
  kill(signal: NodeJS.Signals): void;
  /** Pipes: stop or go on reading the command's stdout and stderr (a PTY's output is never held). */
  holdOutput(held: boolean): void;
}

export interface ProcessEvents {
  output(stream: OutputStream, data: Buffer): void;
  exit(code: number | null, signal: number | null): void;
}

export interface LaunchOptions {
  helper: string;
  helperArgs: string[];
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  /**
   * File approvals (pipes only): the daemon's end of a socketpair whose other end the helper
   * gets as fd 4 (`--approvals-fd 4`, added by the caller).
   */
  approvals?: (channel: Duplex) => void;
}

export function launchOnPty(options: LaunchOptions, size: TerminalSize, events: ProcessEvents): SandboxProcess {
  const term = pty.spawn(options.helper, [...options.helperArgs, '--', ...options.argv], {
    name: options.env.TERM ?? 'xterm-256color',
    cols: size.cols,
    rows: size.rows,
    cwd: options.cwd,
    env: options.env,
    encoding: null,
  } as pty.IPtyForkOptions);
  // node-pty's UnixTerminal has the master's fd, and the stream that owns (and closes) it, outside
  // its typings; the stream is destroyed before the fd is closed.
  const master = term as unknown as { fd: number; _socket: { destroyed: boolean; once(event: 'end', listener: () => void): void } };
  const input = new PtyInput(master.fd, () => !master._socket.destroyed);
  term.onData((data: string | Buffer) => events.output('pty', Buffer.isBuffer(data) ? data : Buffer.from(data)));
  // Before node-pty's own close handler, which closes the master and reports the exit.
  master._socket.once('end', () => drainMaster(master.fd, (data) => events.output('pty', data)));
  term.onExit(({ exitCode, signal }) => {
    input.close();
    events.exit(signal ? null : exitCode, signal ? signal : null);
  });
  return {
    pid: term.pid,
    write: (data) => input.write(data),
    endInput: () => input.write(Buffer.from('\x04')),
    resize: (s) => term.resize(s.cols, s.rows),
    kill: (signal) => term.kill(signal),
    holdOutput: () => undefined,
  };
}

export function launchOnPipes(options: LaunchOptions, spec: Buffer, events: ProcessEvents): SandboxProcess {
  // Detached: the command leads its own process group, so a forwarded Ctrl-C reaches its
  // children as a terminal's would, and signals aimed at the daemon's group miss it.
  const child = spawnDetached(options.helper, [options.helper, ...options.helperArgs, '--', ...options.argv], {
    cwd: options.cwd,
    env: options.env,
    pipes: options.approvals ? 5 : 4,
  });
  let reported = false;
  const report = (code: number | null, signal: number | null): void => {
    if (reported) return;
    reported = true;
    events.exit(code, signal);
  };
  child.on('error', () => report(125, null));
  child.on('close', report);
  const [stdin, stdout, stderr, specPipe, approvals] = child.stdio;
  if (!stdin || !stdout || !stderr || !specPipe) return { pid: -1, write: () => undefined, endInput: () => undefined, resize: () => undefined, kill: () => undefined, holdOutput: () => undefined };
  specPipe.on('error', () => undefined);
  specPipe.end(spec);
  if (options.approvals && approvals) options.approvals(approvals);
  stdin.on('error', () => undefined);
  stdout.on('data', (data: Buffer) => events.output('stdout', data));
  stderr.on('data', (data: Buffer) => events.output('stderr', data));
  return {
    pid: child.pid,
    write: (data) => stdin.write(data),
    endInput: () => stdin.end(),
    resize: () => undefined,
    kill: groupSignaller(child.pid),
    holdOutput: (held) => {
      for (const stream of [stdout, stderr]) {
        if (held) stream.pause();
        else stream.resume();
      }
    },
  };
}
