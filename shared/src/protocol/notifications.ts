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
} as const;

export type SessionOutput = Static<(typeof NOTIFICATIONS)['session.output']['params']>;
export type SessionExit = Static<(typeof NOTIFICATIONS)['session.exit']['params']>;
export const PROTOCOL_VERSION = 1;
