// A real PTY running a shell command, as a user's terminal emulator would, with its output
// fed into a terminal emulator too, so tests can compare what a user would see on screen. Like a
// real terminal it answers a cursor-position query as it shows the output that carried it, so
// anything a test types after seeing that output reaches the program after the answer.
import { chownSync } from 'node:fs';
import * as pty from 'node-pty';
import xtermHeadless from '@xterm/headless';
import type { TestWorld } from './sandbox-env.js';
import { drainMaster } from '../../daemon/src/sessions/pty-drain.js';

const { Terminal } = xtermHeadless;
const POSITION_QUERY = '\x1b[6n';

export interface RealTerminal {
  term: pty.IPty;
  output(): string;
  /** The emulated screen's visible lines, right-trimmed. */
  screen(): Promise<string[]>;
  /** Which buffer the emulated terminal shows and the modes programs set in it, as a user's terminal would be left. */
  modes(): Promise<{ alternate: boolean; mouse: string; applicationCursorKeys: boolean }>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  type(text: string): void;
  exit: Promise<number>;
}

export interface TerminalOptions {
  /** Called with each chunk of output before the terminal shows it: keys typed here were sent before the user could see it. */
  beforeShown?: (data: string) => void;
  /** Run the shell as that user (the world must be theirs: createWorld's owner). */
  as?: { uid: number; gid: number };
}

export function openTerminal(command: string, world: TestWorld, size = { cols: 80, rows: 24 }, options: TerminalOptions = {}): RealTerminal {
  // As a login or a terminal emulator does, the user owns their terminal: chowned just after the
  // spawn, so the user's shell waits for it before it runs the command (a command that reopened
  // its terminal at once was refused, once in a full test run).
  const script = options.as ? `until [ -O /proc/self/fd/0 ]; do sleep 0.01; done; ${command}` : command;
  const term = pty.spawn('/bin/sh', ['-c', script], { ...size, ...options.as, cwd: world.work, env: { ...world.env, TERM: 'xterm-256color' } });
  if (options.as) chownSync((term as unknown as { ptsName: string }).ptsName, options.as.uid, options.as.gid);
  const emulator = new Terminal({ ...size, allowProposedApi: true });
  let out = '';
  /** answer: false once the program is gone, with nothing left to answer to. */
  const shown = (d: string, answer = true): void => {
    options.beforeShown?.(d);
    for (let at = d.indexOf(POSITION_QUERY); answer && at >= 0; at = d.indexOf(POSITION_QUERY, at + 1)) term.write(`\x1b[${size.rows};1R`);
    out += d;
    emulator.write(d);
  };
  term.onData((d) => shown(d));
  // node-pty drops what the master still holds when Linux answers a read with 0 as the program
  // exits; nonod reads it by hand (daemon/src/sessions/pty-drain.ts), and so does this terminal.
  const master = term as unknown as { fd: number; _socket: { once(event: 'end', listener: () => void): void } };
  master._socket.once('end', () => drainMaster(master.fd, (data) => shown(data.toString(), false)));
  const exit = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  return {
    term,
    output: () => out,
    exit,
    type: (text) => term.write(text),
    screen: () =>
      new Promise((resolve) => {
        emulator.write('', () => {
          const buffer = emulator.buffer.active;
          const lines: string[] = [];
          for (let y = 0; y < emulator.rows; y++) lines.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
          resolve(lines);
        });
      }),
    modes: () =>
      new Promise((resolve) => {
        emulator.write('', () => {
          const { modes, buffer } = emulator;
          resolve({ alternate: buffer.active.type === 'alternate', mouse: modes.mouseTrackingMode, applicationCursorKeys: modes.applicationCursorKeysMode });
        });
      }),
    waitFor: async (pattern, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(out)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(out.slice(-2000))}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
