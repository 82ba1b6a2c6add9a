// The one-line approval prompt an attached terminal draws over the session's bottom row: what a
// program asks for and the keys that answer it (y once, s session, a always, n deny). The cursor
// is saved and restored around each draw, so the agent's own cursor and screen stay where they
// were; the line is drawn again after the session's output while a question is open (the agent
// may repaint that row), and when the question is answered, here or anywhere else, the session
// is asked to redraw (a resize nudge) so the row holds the agent's text again.
import type { ApprovalAnswer } from '@nono/shared/protocol/schemas';
import type { ApprovalRequested } from '@nono/shared/protocol/notifications';
import { printable } from '../output/printable.js';

const KEYS: Record<string, ApprovalAnswer> = { y: 'allow-once', s: 'allow-session', a: 'always', n: 'deny' };

export class ApprovalPrompt {
  /** Open questions, oldest first; the prompt shows the first. */
  private readonly open: ApprovalRequested[] = [];

  constructor(
    private readonly rows: () => number,
    private readonly write: (text: string) => void,
    private readonly redraw: () => void,
  ) {}

  get active(): boolean {
    return this.open.length > 0;
  }

  requested(request: ApprovalRequested): void {
    this.open.push(request);
    this.draw();
  }

  /** Someone answered (or it timed out): the question goes, and the row is given back when none is left. */
  resolved(id: string): void {
    const index = this.open.findIndex((r) => r.id === id);
    if (index < 0) return;
    this.open.splice(index, 1);
    if (this.open.length > 0) this.draw();
    else {
      this.clear();
      this.redraw();
    }
  }

  /** After the session's output: its repaint may have covered the prompt. */
  afterOutput(): void {
    if (this.active) this.draw();
  }

  /** Typed bytes while a question is open: the answer key for it, if one was typed; other keys are kept from the session. */
  answerFor(data: Buffer): { id: string; answer: ApprovalAnswer } | undefined {
    const first = this.open[0];
    if (!first) return undefined;
    for (const byte of data) {
      const answer = KEYS[String.fromCharCode(byte).toLowerCase()];
      if (answer) return { id: first.id, answer };
    }
    return undefined;
  }

  private draw(): void {
    const request = this.open[0]!;
    const what = request.kind === 'network' ? `connect to ${request.subject}` : `${request.access} ${request.subject}`;
    const more = this.open.length > 1 ? ` (+${this.open.length - 1})` : '';
    // Threat: the subject is the sandbox's own text; escaped, it cannot forge or hide the prompt.
    const text = printable(`nono: ${request.sessionName} asks to ${what}${more}  [y] once [s] session [a] always [n] deny`);
    this.write(`\x1b7\x1b[${this.rows()};1H\x1b[2K\x1b[7m${text}\x1b[0m\x1b8`);
  }

  private clear(): void {
    this.write(`\x1b7\x1b[${this.rows()};1H\x1b[2K\x1b8`);
  }
}
