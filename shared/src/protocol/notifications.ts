// Notifications the daemon sends to attached clients (no reply expected).
import { Type, type Static } from '@sinclair/typebox';
import { OutputStream } from './schemas.js';

export const NOTIFICATIONS = {
  'session.output': {
    summary: 'Bytes the session wrote. seq counts chunks per session so a client can detect gaps.',
    params: Type.Object({
      session: Type.String(),
      seq: Type.Integer(),
      stream: OutputStream,
      data: Type.String({ contentEncoding: 'base64' }),
    }),
  },
  'session.exit': {
    summary: "The session's command ended. exitCode follows `nono run`'s rules (128+N for signal N).",
    params: Type.Object({
      session: Type.String(),
      exitCode: Type.Integer(),
      code: Type.Union([Type.Integer(), Type.Null()]),
      signal: Type.Union([Type.Integer(), Type.Null()]),
    }),
  },
  'session.resize': {
    summary: "The session's terminal took a new size (it follows the most recently active writer).",
    params: Type.Object({ session: Type.String(), rows: Type.Integer(), cols: Type.Integer() }),
  },
  'session.detached': {
    summary: 'This client was detached from the session from outside (nono detach); the session goes on.',
    params: Type.Object({ session: Type.String(), reason: Type.String() }),
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
  },
} as const;

export type Progress = Static<(typeof NOTIFICATIONS)['progress']['params']>;
export type SessionOutput = Static<(typeof NOTIFICATIONS)['session.output']['params']>;
export type SessionExit = Static<(typeof NOTIFICATIONS)['session.exit']['params']>;
export type SessionResize = Static<(typeof NOTIFICATIONS)['session.resize']['params']>;
export type SessionDetached = Static<(typeof NOTIFICATIONS)['session.detached']['params']>;
export const PROTOCOL_VERSION = 1;
