// The user's terminal joined to a session: raw mode, keys to the session (minus the detach
// key), output to the screen, resizes to the daemon, and a clean way out on exit, on the detach
// key, or when someone runs `nono detach`. Shared by `nono run` and `nono attach`.
//
// It listens from construction, before the run or attach call is even sent: output and the
// exit can arrive ahead of that call's reply, and are held until start() has drawn the screen.
import { dieOfHangup } from './hang-up.js';
import { EXIT_SETUP_FAILED, exitCodeFor } from '@nono/shared/exit-codes';
import type { NonoClient } from '../index.js';
import { RawTerminal } from './raw-terminal.js';
import { configuredDetachKey, DetachKeyFilter } from './detach-key.js';

export class TerminalRelay {
  private readonly terminal = new RawTerminal();
  private readonly held: Buffer[] = [];
  private heldExit: number | undefined;
  private session: string | undefined;
  private finish: ((code: number, message?: string) => void) | undefined;

  constructor(
    private readonly client: NonoClient,
    private readonly readOnly: boolean,
  ) {
    client.on('session.output', (out) => {
      const data = Buffer.from(out.data, 'base64');
      if (this.session === undefined) this.held.push(data);
      else if (out.session === this.session) process.stdout.write(data);
    });
    client.on('session.exit', (exit) => {
      const code = exitCodeFor(exit.code, exit.signal);
      if (this.session === undefined) this.heldExit = code;
      else if (exit.session === this.session) this.finish?.(code);
    });
    client.on('session.detached', (event) => {
      if (event.session === this.session) this.finish?.(0, `[detached: ${event.reason}]`);
    });
  }

  size(): { rows: number; cols: number } {
    return this.terminal.size();
  }

  /** Draws the screen, then relays until the session exits or the user detaches. */
  start(session: string, name: string, screen: Buffer | null): Promise<number> {
    const { client, terminal } = this;
    const filter = new DetachKeyFilter(configuredDetachKey(client.paths.configDir).byte);
    this.session = session;
    return new Promise<number>((resolve) => {
      let done = false;
      this.finish = (code, message) => {
        if (done) return;
        done = true;
        terminal.restore();
        if (message) process.stderr.write(`\r\n${message}\r\n`);
        resolve(code);
      };
      const finish = this.finish;
      client.onClose(() => finish(EXIT_SETUP_FAILED, 'nono: the daemon went away; the session is gone with it (see `nono daemon status`)'));
      terminal.enter();
      if (screen) process.stdout.write(screen);
      for (const chunk of this.held.splice(0)) process.stdout.write(chunk);
      if (this.heldExit !== undefined) {
        finish(this.heldExit);
        return;
      }
      process.stdout.on('resize', () => {
        client.call('session.resize', { session, ...terminal.size() }).catch(() => undefined);
      });
      let toldReadOnly = false;
      process.stdin.on('data', (data: Buffer) => {
        const { forward, detach } = filter.feed(data);
        if (forward.length > 0 && !this.readOnly) {
          client.call('session.input', { session, data: forward.toString('base64') }).catch(() => undefined);
        }
        // Keys that vanish look like a hung session: say why, once, not once per keystroke.
        if (forward.length > 0 && this.readOnly && !toldReadOnly) {
          toldReadOnly = true;
          process.stderr.write(`\r\nnono: attached read-only: your keys are not sent to ${name} (Ctrl-] d detaches; attach without --read-only to type)\r\n`);
        }
        if (detach) {
          client
            .call('session.detach', { session })
            .catch(() => undefined)
            .finally(() => finish(0, `[detached from ${name}; \`nono attach ${name}\` to return]`));
        }
      });
      // Someone killed nono: put the terminal back; the session goes on. The terminal closed:
      // nothing to put back or tell; the session goes on too.
      process.on('SIGTERM', () => finish(128 + 15));
      process.on('SIGHUP', () => dieOfHangup());
    });
  }
}
