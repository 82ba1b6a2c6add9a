// Notifications the daemon sends to attached clients (no reply expected). Each says which calls
// start it and how a client stops it, so the OpenRPC document can tell a plugin author how to
// subscribe and unsubscribe without reading the daemon.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ApprovalAnswer, ApprovalOutcome, ApprovalRequestView, OutputStream, QuarantineFinding } from './schemas.js';

export interface NotificationDescriptor {
  summary: string;
  params: TSchema;
  /** The calls after which this connection receives it. */
  startedBy: readonly string[];
  /** How the stream ends: what the client calls to cancel it, and when it ends by itself. */
  endedBy: string;
}

const ATTACHED = ['session.run', 'session.attach'] as const;
const ATTACHMENT_ENDS =
  'session.detach {session} cancels it for this connection; it also ends after session.exit, after session.detached, and when the connection closes.';

export const NOTIFICATIONS = {
  'session.output': {
    summary: 'Bytes the session wrote. seq counts chunks per session so a client can detect gaps.',
    params: Type.Object({
      session: Type.String(),
      seq: Type.Integer(),
      stream: OutputStream,
      data: Type.String({ contentEncoding: 'base64' }),
    }),
    startedBy: ATTACHED,
    endedBy: ATTACHMENT_ENDS,
  },
  'session.exit': {
    summary: "The session's command ended. exitCode follows `nono run`'s rules (128+N for signal N).",
    params: Type.Object({
      session: Type.String(),
      exitCode: Type.Integer(),
      code: Type.Union([Type.Integer(), Type.Null()]),
      signal: Type.Union([Type.Integer(), Type.Null()]),
      quarantined: Type.Optional(
        Type.Array(QuarantineFinding, { description: 'What the session left that the host would run later, moved aside (set-id bits stripped) when it ended' }),
      ),
      denials: Type.Optional(Type.Integer({ description: 'File denials recorded for the session (fs.deny in the audit log), all recorded before this is sent' })),
      snapshots: Type.Optional(Type.Boolean({ description: "Whether the session keeps snapshots (--snapshot or its profile's rollback)" })),
    }),
    startedBy: ATTACHED,
    endedBy: 'Sent once, last, to every client attached when the command ends.',
  },
  'session.resize': {
    summary: "The session's terminal took a new size (it follows the most recently active writer).",
    params: Type.Object({ session: Type.String(), rows: Type.Integer(), cols: Type.Integer() }),
    startedBy: ATTACHED,
    endedBy: ATTACHMENT_ENDS,
  },
  'session.detached': {
    summary: 'This client was detached from the session from outside (nono detach); the session goes on.',
    params: Type.Object({ session: Type.String(), reason: Type.String() }),
    startedBy: ATTACHED,
    endedBy: 'Sent once; no session notifications of that session follow it on this connection.',
  },
  'approval.requested': {
    summary: 'A sandboxed program is held until someone answers (approval.answer) or expiresAt passes; terminal clients draw a one-line prompt.',
    params: ApprovalRequestView,
    startedBy: ['approval.subscribe', 'session.run', 'session.attach'],
    endedBy: 'approval.subscribe {off: true} stops it for a subscriber; attached clients get those of their session until they detach; the connection closing ends both.',
  },
  'approval.resolved': {
    summary: 'A request was answered (first answer wins), timed out, or withdrawn (the asking process exited, the session ended); clear its prompt. answer is what the program got.',
    params: Type.Object({ id: Type.String(), session: Type.String(), answer: ApprovalAnswer, by: Type.String(), outcome: ApprovalOutcome }),
    startedBy: ['approval.subscribe', 'session.run', 'session.attach'],
    endedBy: 'As approval.requested.',
  },
  progress: {
    summary: 'How far a long call (snapshot, restore, verify) has got; sent to the caller that passed progressToken, at most ten times a second.',
    params: Type.Object({
      token: Type.String(),
      phase: Type.String(),
      files: Type.Integer(),
      bytes: Type.Integer(),
      totalFiles: Type.Union([Type.Integer(), Type.Null()]),
      totalBytes: Type.Union([Type.Integer(), Type.Null()]),
    }),
    startedBy: ['snapshot.create', 'snapshot.restore', 'snapshot.verify', 'session.rollback', 'session.verify', 'pack.pull', 'pack.update'],
    endedBy: 'Only for a call given progressToken, tagged with it; the stream ends when that call answers.',
  },
} as const satisfies Record<string, NotificationDescriptor>;

export type NotificationName = keyof typeof NOTIFICATIONS;
export type NotificationParamsOf<N extends NotificationName> = Static<(typeof NOTIFICATIONS)[N]['params']>;

export type Progress = Static<(typeof NOTIFICATIONS)['progress']['params']>;
export type SessionOutput = Static<(typeof NOTIFICATIONS)['session.output']['params']>;
export type SessionExit = Static<(typeof NOTIFICATIONS)['session.exit']['params']>;
export type SessionResize = Static<(typeof NOTIFICATIONS)['session.resize']['params']>;
export type SessionDetached = Static<(typeof NOTIFICATIONS)['session.detached']['params']>;
export const PROTOCOL_VERSION = 1;
export type ApprovalRequested = Static<(typeof NOTIFICATIONS)['approval.requested']['params']>;
export type ApprovalResolved = Static<(typeof NOTIFICATIONS)['approval.resolved']['params']>;
