// The one-line approval prompt an attached terminal draws over the session's bottom row: what a
// program asks for and the keys that answer it. The cursor is saved and restored around each
// draw so the agent's screen stays as it was; when the question goes (answered here or anywhere,
// withdrawn, timed out) the row is cleared and the session is asked to redraw (a resize nudge).
// Threat: typing meant for the agent must not answer a question the user never saw, and an
// answer key must not reach the agent, so keys belong to the prompt from the moment a question
// arrives, count as answers only once it has been on screen a moment, and a moment after it goes.
import type { ApprovalAnswer } from '@nono/shared/protocol/schemas';
import type { ApprovalRequested } from '@nono/shared/protocol/notifications';
import { printable } from '../output/printable.js';

/** How long a prompt is on screen before a key answers it, and how long keys stay held after it goes. */
export const ARM_MS = 400;

export interface PromptAnswer {
  id: string;
  answer: ApprovalAnswer;
  readOnly?: boolean;
}

const KEYS: Record<string, Omit<PromptAnswer, 'id'>> = {
  y: { answer: 'allow-once' },
  s: { answer: 'allow-session' },
  a: { answer: 'always' },
  n: { answer: 'deny' },
};
/** Only for a file asked for writing: reading it is allowed for the rest of the session, this write is refused. */
const READ_ONLY_KEY = 'r';

export class ApprovalPrompt {
  /** Open questions, oldest first; the prompt shows the first. */
  private readonly open: ApprovalRequested[] = [];
  /** When the first question's line reached the terminal; undefined until it has. */
  private shownAt: number | undefined;
  /** Keys typed before this are held back after the last question went. */
  private heldUntil = 0;

  constructor(
    private readonly rows: () => number,
    private readonly write: (text: string, written?: () => void) => void,
    private readonly redraw: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  get active(): boolean {
    return this.open.length > 0;
  }

  /** Whether typed bytes belong to the prompt rather than the session: while a question is open, and just after. */
  takesKeys(): boolean {
    return this.active || this.now() < this.heldUntil;
  }

  requested(request: ApprovalRequested): void {
    this.open.push(request);
    this.draw(this.open.length === 1);
  }

  /** The question went (answered anywhere, withdrawn, timed out); the row is given back when none is left. */
  resolved(id: string): void {
    const index = this.open.findIndex((r) => r.id === id);
    if (index < 0) return;
    this.open.splice(index, 1);
    if (this.open.length > 0) this.draw(index === 0);
    else {
      this.shownAt = undefined;
      this.heldUntil = this.now() + ARM_MS;
      this.clear();
      this.redraw();
    }
  }

  /** After the session's output: its repaint may have covered the prompt. */
  afterOutput(): void {
    if (this.active) this.draw(false);
  }

  /** Typed bytes while the prompt takes keys: the answer to the shown question, if one was typed once it could be seen. */
  answerFor(data: Buffer): PromptAnswer | undefined {
    const first = this.open[0];
    if (!first || this.shownAt === undefined || this.now() - this.shownAt < ARM_MS) return undefined;
    const writing = first.kind === 'file' && first.access === 'write';
    for (const byte of data) {
      const key = String.fromCharCode(byte).toLowerCase();
      if (key === READ_ONLY_KEY && writing) return { id: first.id, answer: 'allow-session', readOnly: true };
      const chosen = KEYS[key];
      if (chosen) return { id: first.id, ...chosen };
    }
    return undefined;
  }

  /** A new first question is armed anew: its keys count only once its own line is on screen. */
  private draw(fresh: boolean): void {
    const request = this.open[0]!;
    const what = request.kind === 'network' ? `connect to ${request.subject}` : `${request.access} ${request.subject}`;
    const more = this.open.length > 1 ? ` (+${this.open.length - 1})` : '';
    const readOnly = request.kind === 'file' && request.access === 'write' ? ' [r] read only (session)' : '';
    // Threat: the subject is the sandbox's own text; escaped, it cannot forge or hide the prompt.
    const text = printable(`nono: ${request.sessionName} asks to ${what}${more}  [y] once [s] session [a] always [n] deny${readOnly}`);
    if (fresh) this.shownAt = undefined;
    this.write(`\x1b7\x1b[${this.rows()};1H\x1b[2K\x1b[7m${text}\x1b[0m\x1b8`, () => {
      if (this.open[0] === request) this.shownAt ??= this.now();
    });
  }

  private clear(): void {
    this.write(`\x1b7\x1b[${this.rows()};1H\x1b[2K\x1b8`);
  }
}
