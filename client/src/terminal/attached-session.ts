// The user's terminal joined to a session the library attached: raw mode, keys to the session
// (minus the detach key), its events to the screen, resizes to the daemon, and a clean way out on
// exit, on the detach key, or when someone runs `nono detach`. When nonod writes the output and
// reads the keys on this terminal itself (directOutput, directInput), this client only sets the
// terminal up, answers questions and says goodbye. Shared by `nono run` and `nono
// attach`; output that came before the screen is drawn waits in the library's session stream.
import { EXIT_SETUP_FAILED } from '@nono/shared/exit-codes';
import type { QuarantineFinding } from '@nono/shared';
import type { SessionHandle } from '../library/session-stream.js';
import { dieOfHangup } from './hang-up.js';
import { RawTerminal } from './raw-terminal.js';
import { DETACH_KEY_REASON, DetachKeyFilter } from '@nono/shared/detach-key';
import { configuredDetachKey } from './detach-key.js';
import { ApprovalPrompt } from './approval-prompt.js';
import { describeError } from '../output/report-error.js';

/** How a relayed session ended for this client: its exit code (or ours), and what it left behind. */
export interface RelayEnd {
  code: number;
  quarantined: QuarantineFinding[];
}

export class TerminalRelay {
  private readonly terminal = new RawTerminal();

  constructor(
    private readonly configDir: string,
    private readonly readOnly: boolean,
  ) {}

  size(): { rows: number; cols: number } {
    return this.terminal.size();
  }

  /** The detach prefix byte, for nonod when it reads the keys itself (directInput). */
  detachKey(): number {
    return configuredDetachKey(this.configDir).byte;
  }

  /** Draws the screen, then relays until the session exits or the user detaches. */
  start(session: SessionHandle, screen: Buffer | null): Promise<RelayEnd> {
    const { terminal, readOnly } = this;
    const { name } = session;
    const filter = new DetachKeyFilter(this.detachKey());
    const detachedMessage = `[detached from ${name}; \`nono attach ${name}\` to return]`;
    return new Promise<RelayEnd>((resolve) => {
      let done = false;
      // Set once this client leaves on purpose, so the stream ending then is no lost daemon.
      let leaving = false;
      const finish = (code: number, message?: string, quarantined: QuarantineFinding[] = []): void => {
        if (done) return;
        done = true;
        terminal.restore();
        if (message) process.stderr.write(`\r\n${message}\r\n`);
        resolve({ code, quarantined });
      };
      // After a stop, raw mode is set again, and nonod told so: it sets its output mode again too.
      terminal.enter(() => session.ready());
      if (screen) process.stdout.write(screen);
      session.ready();
      process.stdout.on('resize', () => {
        session.resize(terminal.size()).catch(() => undefined);
      });
      let toldReadOnly = false;
      // A size change makes the agent repaint, over the row the prompt used.
      const nudge = (): void => {
        const size = terminal.size();
        void session
          .resize({ rows: Math.max(1, size.rows - 1), cols: size.cols })
          .then(() => session.resize(size))
          .catch(() => undefined);
      };
      const prompt = new ApprovalPrompt(() => terminal.size(), (text) => process.stdout.write(text), nudge);
      const onKeys = (typed: Buffer): void => {
        // An open question takes the keys: an answer key answers it, the rest go nowhere.
        const { answer, forward: data } = prompt.input(typed, !readOnly);
        // A refused answer (no lasting grant for a directory holding a protected path) leaves the question open: say why on its line.
        if (answer) session.answerApproval(answer.id, answer.answer, answer.readOnly).catch((error: unknown) => prompt.refused(answer.id, describeError(error).message));
        if (data.length === 0) return;
        const { forward, detach } = filter.feed(data);
        if (forward.length > 0 && !readOnly) session.write(forward);
        // Keys that vanish look like a hung session: say why, once, not once per keystroke.
        if (forward.length > 0 && readOnly && !toldReadOnly) {
          toldReadOnly = true;
          process.stderr.write(`\r\nnono: attached read-only: your keys are not sent to ${name} (Ctrl-] d detaches; attach without --read-only to type)\r\n`);
        }
        if (detach) {
          leaving = true;
          session
            .detach()
            .catch(() => undefined)
            .finally(() => finish(0, detachedMessage));
        }
      };
      // While nonod reads the keys from this terminal itself, this client must not: until a question comes.
      let readingKeys = false;
      const readKeys = (): void => {
        if (readingKeys) return;
        readingKeys = true;
        process.stdin.on('data', onKeys);
      };
      if (!session.directInput) readKeys();
      // Someone killed nono: put the terminal back; the session goes on. The terminal closed:
      // nothing to put back or tell; the session goes on too.
      process.on('SIGTERM', () => finish(128 + 15));
      process.on('SIGHUP', () => dieOfHangup());
      void (async () => {
        try {
          for await (const event of session) {
            if (event.type === 'output') {
              process.stdout.write(event.data);
              prompt.afterOutput();
            } else if (event.type === 'approval') {
              readKeys();
              prompt.requested(event.request);
            }
            else if (event.type === 'approval-resolved') prompt.resolved(event.id);
            else if (event.type === 'exit') return finish(event.exitCode, undefined, event.quarantined);
            else if (event.type === 'detached') return finish(0, event.reason === DETACH_KEY_REASON ? detachedMessage : `[detached: ${event.reason}]`);
          }
        } catch {
          // The connection was lost: said below, as when it closed.
        }
        if (!leaving) finish(EXIT_SETUP_FAILED, 'nono: the daemon went away; the session is gone with it (see `nono daemon status`)');
      })();
    });
  }
}
