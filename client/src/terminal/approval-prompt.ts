// The one-line approval prompt an attached terminal draws over the session's bottom row: what a
// program asks for and the keys that answer it. The cursor is saved and restored around each
// draw so the agent's screen stays as it was; when the question goes (answered here or anywhere,
// withdrawn, timed out) the row is cleared and the session is asked to redraw (a resize nudge).
// Threat: typing meant for the agent must not answer a question the user never saw, nor an
// answer key reach the agent. Keys belong to the prompt from the moment a question arrives; the
// draw ends with a cursor-position query, and only keys the terminal sends after its reply (so
// after it showed the line) can answer; keys are held a moment after the last question goes.
import type { ApprovalAnswer } from '@nono/shared/protocol/schemas';
import type { ApprovalRequested } from '@nono/shared/protocol/notifications';
import { printable } from '@nono/shared/printable';

/** How long keys stay held after the last question went: a key pressed as it was answered elsewhere. */
export const HOLD_MS = 300;
/** A terminal that has not answered the position query by then never will: the line counts as shown. */
export const NO_REPLY_MS = 1000;

/** Device status report 6: the terminal answers ESC [ row ; col R once it has processed all before it. */
const POSITION_QUERY = '\x1b[6n';
const POSITION_REPLY = /\x1b\[\d{1,4};\d{1,4}R/;

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
  /** Position queries the terminal has not answered yet; the shown question is armed when none is left. */
  private queries = 0;
  private queriedAt = 0;
  /** Keys typed before this are held back after the last question went. */
  private heldUntil = 0;
  /** Why the daemon refused this terminal's answer to the shown question (it stays open for another). */
  private note: { id: string; text: string } | undefined;

  constructor(
    private readonly size: () => { rows: number; cols: number },
    private readonly write: (text: string) => void,
    private readonly redraw: () => void,
    private readonly now: () => number = Date.now,
  ) {}

  get active(): boolean {
    return this.open.length > 0;
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
      this.heldUntil = this.now() + HOLD_MS;
      this.clear();
      this.redraw();
    }
  }

  /** The daemon refused the answer given here (a lasting grant of a directory, say): shown on the line until the question goes. */
  refused(id: string, reason: string): void {
    if (this.open[0]?.id !== id) return;
    this.note = { id, text: reason };
    this.draw(false);
  }

  /** After the session's output: its repaint may have covered the prompt. */
  afterOutput(): void {
    if (this.active) this.draw(false);
  }

  /**
   * Typed bytes: the answer to the shown question, if one was typed once the terminal showed it,
   * and what goes on to the session (nothing while the prompt takes keys). The terminal's reply
   * to a position query is never passed on. A client that may not answer (attached read-only)
   * passes every key on.
   */
  input(data: Buffer, answering = true): { answer?: PromptAnswer; forward: Buffer } {
    let text = data.toString('latin1');
    let armedAt = -1;
    if (this.queries > 0 && this.now() - this.queriedAt >= NO_REPLY_MS) this.queries = 0;
    for (let reply = POSITION_REPLY.exec(text); reply && this.queries > 0; reply = POSITION_REPLY.exec(text)) {
      text = text.slice(0, reply.index) + text.slice(reply.index + reply[0].length);
      if (--this.queries === 0) armedAt = reply.index;
    }
    if (!answering) return { forward: Buffer.from(text, 'latin1') };
    if (!this.active) {
      if (this.now() < this.heldUntil) return { forward: Buffer.alloc(0) };
      return { forward: Buffer.from(text, 'latin1') };
    }
    if (this.queries > 0) return { forward: Buffer.alloc(0) };
    const answer = this.answerIn(armedAt < 0 ? text : text.slice(armedAt));
    return { ...(answer ? { answer } : {}), forward: Buffer.alloc(0) };
  }

  private answerIn(keys: string): PromptAnswer | undefined {
    const first = this.open[0]!;
    const writing = first.kind === 'file' && first.access === 'write';
    for (const char of keys.toLowerCase()) {
      if (char === READ_ONLY_KEY && writing) return { id: first.id, answer: 'allow-session', readOnly: true };
      const chosen = KEYS[char];
      if (chosen) return { id: first.id, ...chosen };
    }
    return undefined;
  }

  /** A new first question is armed anew, by the reply to a query sent right after its line. */
  private draw(fresh: boolean): void {
    const request = this.open[0]!;
    const what = request.kind === 'network' ? `connect to ${request.subject}` : `${request.access} ${request.subject}`;
    const more = this.open.length > 1 ? ` (+${this.open.length - 1})` : '';
    const readOnly = request.kind === 'file' && request.access === 'write' ? ' [r] read only (session)' : '';
    const note = this.note?.id === request.id ? `  refused: ${this.note.text}` : '';
    const { rows, cols } = this.size();
    // Threat: the subject is the sandbox's own text; escaped, it cannot forge or hide the prompt.
    const text = fitted(printable(`nono: ${request.sessionName} asks to ${what}${more}`), printable(`  [y] once [s] session [a] always [n] deny${readOnly}${note}`), cols - 1);
    this.write(`\x1b7\x1b[${rows};1H\x1b[2K\x1b[7m${text}\x1b[0m\x1b8${fresh ? POSITION_QUERY : ''}`);
    if (fresh) {
      this.queries++;
      this.queriedAt = this.now();
    }
  }

  private clear(): void {
    this.write(`\x1b7\x1b[${this.size().rows};1H\x1b[2K\x1b8`);
  }
}

/**
 * The question and its keys in one row: a line that reached the last column would wrap and
 * scroll the agent's screen, so a long question loses its middle (the keys stay whole) and
 * whatever still does not fit is cut.
 */
function fitted(question: string, keys: string, width: number): string {
  const room = width - keys.length;
  if (question.length > room && room >= 9) {
    const head = Math.ceil((room - 1) / 2);
    question = `${question.slice(0, head)}…${question.slice(question.length - (room - 1 - head))}`;
  }
  return `${question}${keys}`.slice(0, Math.max(0, width));
}
