// A session's approval rate limit: a few questions at once and a few per window. A sandbox that
// floods (1,000 opens in a second) gets one "too many requests" denial recorded and silent
// denials after it, never a storm of prompts; the window reopens once the flood stops.

/** Questions one session may have open at once. */
const MAX_PENDING = 4;
/** Questions one session may ask per window. */
const MAX_PER_WINDOW = 20;
const WINDOW_MS = 10_000;

export type RateVerdict = 'ok' | 'first-refusal' | 'refused';

export class RateWindow {
  private startedAt = 0;
  private asked = 0;
  private refusing = false;

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether one more question may be asked, given how many the session has open now. */
  admit(pendingNow: number): RateVerdict {
    const now = this.now();
    if (now - this.startedAt >= WINDOW_MS) {
      this.startedAt = now;
      this.asked = 0;
      // A window that saw refusals starts refused again if the flood goes on: say it once more only then.
      this.refusing = false;
    }
    if (pendingNow < MAX_PENDING && this.asked < MAX_PER_WINDOW) {
      this.asked++;
      return 'ok';
    }
    if (this.refusing) return 'refused';
    this.refusing = true;
    return 'first-refusal';
  }
}
