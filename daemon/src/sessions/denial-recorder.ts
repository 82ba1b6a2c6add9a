// A session's file denials, recorded in the audit log as they happen, whether anyone is
// attached or not: the output is scanned in the daemon, each candidate confirmed against the
// plan the session runs under (the same decision `nono why` gives) and recorded once.
import { existsSync } from 'node:fs';
import type { SandboxPlan } from '@nono/shared';
import type { AuditInput } from '../audit/event-kinds.js';
import { explainPath } from '../policy/explain.js';
import { DenialScanner, type DenialCandidate } from './denial-scanner.js';

/** A session printing errors on purpose must not flood the audit log nor keep the daemon busy. */
const MAX_RECORDED = 100;
const MAX_CHECKED = 2000;

export class DenialRecorder {
  private readonly scanner = new DenialScanner();
  private readonly recorded = new Set<string>();
  private checked = 0;

  constructor(
    private readonly session: string,
    private readonly plan: SandboxPlan,
    private readonly home: string,
    private readonly record: (event: AuditInput) => void,
  ) {}

  feed(stream: string, data: Buffer): void {
    if (this.full()) return;
    for (const candidate of this.scanner.feed(stream, data)) this.confirm(candidate);
  }

  finish(): void {
    if (this.full()) return;
    for (const candidate of this.scanner.finish()) this.confirm(candidate);
  }

  /** The fs.deny events recorded. */
  get count(): number {
    return this.recorded.size;
  }

  private full(): boolean {
    return this.recorded.size >= MAX_RECORDED || this.checked >= MAX_CHECKED;
  }

  private confirm(candidate: DenialCandidate): void {
    if (this.full()) return;
    this.checked++;
    const verdict = explainPath(this.plan, candidate.path, candidate.op, this.plan.cwd, this.home);
    if (verdict.status !== 'BLOCKED') return;
    // Absent in the view but absent on the host too is a typo, not a denial; a bare word is a
    // path only if there is one.
    if ((candidate.missing || candidate.bare) && !existsSync(verdict.target)) return;
    const key = `${candidate.op} ${verdict.target}`;
    if (this.recorded.has(key)) return;
    this.recorded.add(key);
    this.record({
      kind: 'fs.deny',
      session: this.session,
      payload: {
        path: verdict.target,
        op: candidate.op,
        rule: verdict.rule?.source ?? verdict.group ?? 'not granted',
        reason: verdict.reason,
        protected: verdict.group !== null || /protected|nono's/.test(verdict.reason),
        printed: candidate.path,
      },
    });
  }
}
