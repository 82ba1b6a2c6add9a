// The daemon's one approval broker: a sandboxed program's request outside its grants (a host the
// proxy would refuse, a file the helper forwards) is held here while every place the user might
// be is asked (attached terminals, subscribed editors, `nono approve`, a webhook); the first
// answer wins. Threat: the sandbox makes the requests, so policy is decided before anyone is
// asked (protected paths are refused, never offered), floods are cut off by a per-session rate
// limit, and an unanswered request is denied.
import { randomBytes } from 'node:crypto';
import { NonoError, type ApprovalAnswer, type ApprovalOutcome, type ApprovalRequestView } from '@nono/shared';
import type { AuditInput } from '../audit/event-kinds.js';
import type { SessionClient } from '../sessions/session.js';
import { RateWindow } from './rate-window.js';
import type { WebhookTarget } from './approval-webhook.js';
import { askWebhook } from './approval-webhook.js';

export type ApprovalRequest =
  | { session: string; kind: 'network'; host: string; port: number; method?: string }
  | { session: string; kind: 'file'; path: string; access: 'read' | 'write'; pid: number; command?: string };

export interface ApprovalDecision {
  answer: ApprovalAnswer;
  /** Who decided: the answering client's kind and user, or policy, timeout, rate-limit, nobody. */
  by: string;
  readOnly?: boolean;
}

/** Why a lasting answer (allow-session, always) cannot be given for a request; the request stays open. */
export interface GrantRefusal {
  kind: 'PATH_DENIED' | 'PATH_INVALID';
  message: string;
}

/** What the broker needs of the rest of the daemon, looked up at each request. */
export interface BrokerServices {
  record(event: AuditInput): void;
  /** The session's name and attached clients; undefined once it is gone. */
  session(id: string): { name: string; clients: SessionClient[] } | undefined;
  /** Policy before asking: a reason to refuse without a question (protected path, required deny group). */
  refusal(request: ApprovalRequest): string | undefined;
  /** For always: make the grant lasting (the profile's draft); returns the change as a diff. */
  persist(request: ApprovalRequest, readOnly: boolean): string;
  /** Policy at answer time for a lasting answer: a directory holding a protected path is never granted for longer than one open. */
  grantRefusal(request: ApprovalRequest, answer: ApprovalAnswer): GrantRefusal | undefined;
  /** config.json's approvals section, read at each request so an edit applies at once. */
  settings(): { timeoutMs: number; webhook: WebhookTarget | undefined };
}

interface Pending {
  view: ApprovalRequestView;
  request: ApprovalRequest;
  told: Set<SessionClient>;
  /** The same request made again while this one waits (parallel connections, threads): one question for all. */
  followers: ((decision: ApprovalDecision) => void)[];
  /** Askers still waiting (the first and its followers): the question is withdrawn when the last one leaves. */
  live: number;
  leave(): void;
  settle(decision: ApprovalDecision, outcome?: ApprovalOutcome): void;
}

/** Answered requests kept for `nono approvals` (newest last). */
const HISTORY = 200;

export class ApprovalBroker {
  private readonly pending = new Map<string, Pending>();
  private readonly history: ApprovalRequestView[] = [];
  private readonly subscribers = new Set<SessionClient>();
  /** Session id → subjects allowed for the rest of the session (allow-session, always). */
  private readonly grants = new Map<string, Set<string>>();
  private readonly rates = new Map<string, RateWindow>();
  /** Policy refusals recorded per session and window: a program hammering ~/.ssh is not an audit flood. */
  private readonly refusalRecords = new Map<string, RateWindow>();

  constructor(private readonly services: BrokerServices) {}

  subscribe(client: SessionClient, on: boolean): ApprovalRequestView[] {
    if (on) this.subscribers.add(client);
    else this.subscribers.delete(client);
    return on ? this.list() : [];
  }

  /** A client attached to a session: it is asked what the session already waits for, and told when it goes. */
  attached(session: string, client: SessionClient): void {
    for (const p of this.pending.values()) {
      if (p.request.session !== session || p.told.has(client)) continue;
      p.told.add(client);
      // The client draws the question over the session's output, so it relays that output again.
      client.endDirectOutput(session);
      client.notify('approval.requested', { ...p.view });
    }
  }

  /** Pending first (oldest first), then the answered ones (newest first). */
  list(session?: string): ApprovalRequestView[] {
    const pending = [...this.pending.values()].map((p) => p.view);
    const answered = [...this.history].reverse();
    return [...pending, ...answered].filter((v) => session === undefined || v.session === session).map((v) => ({ ...v }));
  }

  /** The session's lasting grants, for `nono inspect`. */
  grantsOf(session: string): string[] {
    return [...(this.grants.get(session) ?? [])];
  }

  /** The session ended: its grants end with it, and whatever it still waits for is withdrawn. */
  endSession(session: string): void {
    this.grants.delete(session);
    this.rates.delete(session);
    this.refusalRecords.delete(session);
    for (const p of this.pending.values()) if (p.request.session === session) p.settle({ answer: 'deny', by: 'session ended' }, 'withdrawn');
  }

  /**
   * Asks (or decides from policy and grants). `withdrawn` aborts when nobody can need the answer
   * any more (the asking process exited, the connection held for it closed): the question is then
   * withdrawn everywhere it was put.
   */
  async ask(request: ApprovalRequest, withdrawn?: AbortSignal): Promise<ApprovalDecision> {
    const subject = subjectOf(request);
    const refusal = this.services.refusal(request);
    if (refusal !== undefined) return this.refusedByPolicy(request, refusal);
    if (this.granted(request)) return { answer: 'allow-session', by: 'session grant' };
    const key = grantKey(request, false);
    const same = [...this.pending.values()].find((p) => p.request.session === request.session && grantKey(p.request, false) === key);
    if (withdrawn?.aborted) return { answer: 'deny', by: 'withdrawn' };
    if (same) {
      same.live++;
      withdrawn?.addEventListener('abort', () => same.leave(), { once: true });
      return new Promise((resolve) => same.followers.push(resolve));
    }
    const session = this.services.session(request.session);
    if (!session) return { answer: 'deny', by: 'session ended' };
    const rate = this.rateOf(request.session);
    const verdict = rate.admit([...this.pending.values()].filter((p) => p.request.session === request.session).length);
    if (verdict !== 'ok') {
      // A flood is one line in the log, not one per request.
      if (verdict === 'first-refusal') this.record(request, { answer: 'deny', by: 'rate-limit' }, { reason: `too many requests from session ${session.name}; denied without asking until the rate drops` });
      return { answer: 'deny', by: 'rate-limit' };
    }
    const { timeoutMs, webhook } = this.services.settings();
    const recipients = new Set([...this.subscribers, ...session.clients]);
    if (recipients.size === 0 && !webhook) return this.decidedAtOnce(request, { answer: 'deny', by: 'nobody' }, { reason: 'nobody to ask: no attached terminal, no subscribed editor, no webhook' }, session.name);
    const now = Date.now();
    const view: ApprovalRequestView = {
      id: randomBytes(4).toString('hex'),
      session: request.session,
      sessionName: session.name,
      subject,
      ...detailsOf(request),
      requestedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + timeoutMs).toISOString(),
      answer: null,
      by: null,
    };
    return new Promise<ApprovalDecision>((resolve) => {
      const timer = setTimeout(() => pending.settle({ answer: 'deny', by: 'timeout' }, 'timeout'), timeoutMs);
      const pending: Pending = {
        view,
        request,
        told: recipients,
        followers: [],
        live: 1,
        leave: () => {
          if (--pending.live === 0) pending.settle({ answer: 'deny', by: 'withdrawn' }, 'withdrawn');
        },
        settle: (decision, outcome = 'answered') => {
          if (!this.pending.delete(view.id)) return;
          clearTimeout(timer);
          const extra = this.apply(request, decision);
          this.finish(pending, decision, outcome, extra);
          resolve(decision);
          for (const follower of pending.followers) follower(decision);
        },
      };
      this.pending.set(view.id, pending);
      withdrawn?.addEventListener('abort', () => pending.leave(), { once: true });
      // The question is on record before anyone can answer it: an answer line always follows an asked one.
      this.services.record({ kind: 'approval', session: request.session, payload: { request: request.kind, subject, ...detailsOf(request), id: view.id, asked: recipients.size + (webhook ? 1 : 0), grant: 'none', expiresAt: view.expiresAt } });
      for (const client of recipients) {
        client.endDirectOutput(request.session);
        client.notify('approval.requested', { ...view });
      }
      if (webhook) {
        void askWebhook(webhook, view, timeoutMs).then(
          (answer) => answer && pending.settle({ answer, by: 'webhook' }),
          () => undefined,
        );
      }
    });
  }

  /**
   * An answer from a client (editor, terminal, nono approve); the first one wins. `session`, when
   * given, is the session the answerer was asked for: an id of another session is not found.
   * Threat: policy is checked again here (a path may have become protected since it was asked),
   * and a lasting grant is refused for what must never be granted beyond one open.
   */
  answer(id: string, answer: ApprovalAnswer, by: string, readOnly?: boolean, session?: string): { request: ApprovalRequestView; diff?: string } {
    const pending = this.pending.get(id);
    if (!pending || (session !== undefined && pending.request.session !== session)) throw this.notPending(id, session);
    if (answer !== 'deny') {
      const refusal = this.services.refusal(pending.request);
      if (refusal !== undefined) {
        pending.settle({ answer: 'deny', by: 'policy' });
        throw new NonoError('PATH_DENIED', `approval ${id} refused and denied: ${refusal}`, { id });
      }
    }
    if (answer === 'allow-session' || answer === 'always') {
      const refused = this.services.grantRefusal(pending.request, answer);
      if (refused) throw new NonoError(refused.kind, `approval ${id} not answered ${answer}: ${refused.message}; it is still open`, { id });
    }
    pending.settle({ answer, by, ...(readOnly ? { readOnly } : {}) });
    const done = this.history.find((v) => v.id === id)!;
    const diff = this.diffs.get(id);
    return { request: { ...done }, ...(diff ? { diff } : {}) };
  }

  /** Why an id has no open question, in one line: what became of it, when it is still remembered. */
  private notPending(id: string, session: string | undefined): NonoError {
    const done = this.history.find((v) => v.id === id && (session === undefined || v.session === session));
    if (!done) return new NonoError('APPROVAL_NOT_FOUND', `no pending approval request ${id}${session === undefined ? '' : ' in this session'}: never asked, or long gone; \`nono approvals\` lists them`, { id });
    const asker = done.kind === 'file' ? 'the asking process exited' : 'the program closed its connection';
    const what = done.outcome === 'withdrawn' ? `it was withdrawn (${done.by === 'session ended' ? 'the session ended' : asker})` : done.outcome === 'timeout' ? 'it timed out unanswered and was denied' : `it was already answered ${done.answer} by ${done.by}`;
    return new NonoError('APPROVAL_NOT_FOUND', `no pending approval request ${id}: ${what}`, { id, outcome: done.outcome ?? 'answered' });
  }

  /** always: the lasting change's diff, by request id, for the answer and the audit line. */
  private readonly diffs = new Map<string, string>();

  private apply(request: ApprovalRequest, decision: ApprovalDecision): Record<string, unknown> {
    if (decision.answer === 'allow-session' || decision.answer === 'always') {
      const grants = this.grants.get(request.session) ?? new Set<string>();
      grants.add(grantKey(request, decision.readOnly === true));
      this.grants.set(request.session, grants);
    }
    if (decision.answer !== 'always') return {};
    try {
      return { diff: this.services.persist(request, decision.readOnly === true) };
    } catch (error) {
      return { persistError: (error as Error).message };
    }
  }

  private finish(pending: Pending, decision: ApprovalDecision, outcome: ApprovalOutcome, extra: Record<string, unknown>): void {
    const { view } = pending;
    view.answer = decision.answer;
    view.by = decision.by;
    view.outcome = outcome;
    if (decision.readOnly) view.readOnly = true;
    if (typeof extra.diff === 'string') this.diffs.set(view.id, extra.diff);
    this.remember(view);
    const resolved = { id: view.id, session: view.session, answer: decision.answer, by: decision.by, outcome };
    for (const client of new Set([...pending.told, ...this.subscribers])) client.notify('approval.resolved', resolved);
    const gone = pending.request.kind === 'file' ? `process ${pending.request.pid} exited` : 'the program closed its connection';
    const why = decision.by === 'withdrawn' ? { reason: `${gone} before anyone answered` } : {};
    this.record(pending.request, decision, { id: view.id, outcome, ...why, ...extra });
  }

  private refusedByPolicy(request: ApprovalRequest, reason: string): ApprovalDecision {
    const decision: ApprovalDecision = { answer: 'deny', by: 'policy' };
    let window = this.refusalRecords.get(request.session);
    if (!window) this.refusalRecords.set(request.session, (window = new RateWindow()));
    const verdict = window.admit(0);
    if (verdict === 'refused') return decision;
    const more = verdict === 'first-refusal' ? { reason: `${reason}; further policy refusals of this session are not recorded until the rate drops` } : { reason };
    return this.decidedAtOnce(request, decision, more);
  }

  private decidedAtOnce(request: ApprovalRequest, decision: ApprovalDecision, extra: Record<string, unknown>, sessionName?: string): ApprovalDecision {
    const now = new Date().toISOString();
    const id = randomBytes(4).toString('hex');
    this.remember({ id, session: request.session, sessionName: sessionName ?? this.services.session(request.session)?.name ?? request.session, subject: subjectOf(request), ...detailsOf(request), requestedAt: now, expiresAt: now, answer: decision.answer, by: decision.by, outcome: 'answered' });
    this.record(request, decision, { id, ...extra });
    return decision;
  }

  private remember(view: ApprovalRequestView): void {
    this.history.push(view);
    if (this.history.length > HISTORY) this.diffs.delete(this.history.shift()!.id);
  }

  private granted(request: ApprovalRequest): boolean {
    const grants = this.grants.get(request.session);
    if (!grants) return false;
    const keys = [grantKey(request, false)];
    if (request.kind === 'file' && request.access === 'read') keys.push(grantKey({ ...request, access: 'write' }, false));
    return keys.some((key) => grants.has(key));
  }

  private rateOf(session: string): RateWindow {
    let rate = this.rates.get(session);
    if (!rate) this.rates.set(session, (rate = new RateWindow()));
    return rate;
  }

  private record(request: ApprovalRequest, decision: ApprovalDecision, extra: Record<string, unknown>): void {
    const grant = decision.answer === 'allow-session' ? 'session' : decision.answer === 'always' ? 'profile' : decision.answer === 'allow-once' ? 'once' : 'none';
    this.services.record({
      kind: 'approval',
      session: request.session,
      payload: { request: request.kind, subject: subjectOf(request), ...detailsOf(request), answer: decision.answer, by: decision.by, grant, ...(decision.readOnly ? { readOnly: true } : {}), ...extra },
    });
  }
}

/** host:port, or the path: what the user is asked about. */
export function subjectOf(request: ApprovalRequest): string {
  return request.kind === 'network' ? `${request.host}:${request.port}` : request.path;
}

function detailsOf(request: ApprovalRequest): Pick<ApprovalRequestView, 'kind' | 'host' | 'port' | 'method' | 'path' | 'access' | 'pid' | 'command'> {
  if (request.kind === 'network') return { kind: 'network', host: request.host, port: request.port, ...(request.method ? { method: request.method } : {}) };
  return { kind: 'file', path: request.path, access: request.access, pid: request.pid, ...(request.command ? { command: request.command } : {}) };
}

/** A write grant that was answered read-only grants reading only. */
function grantKey(request: ApprovalRequest, readOnly: boolean): string {
  if (request.kind === 'network') return `net ${request.host.toLowerCase()}:${request.port}`;
  return `file ${readOnly ? 'read' : request.access} ${request.path}`;
}
