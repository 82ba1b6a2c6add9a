// session.prune: forget ended sessions, rows and logs.
import type { MethodHandler } from './method-handler.js';

export const sessionPrune: MethodHandler<'session.prune'> = async (_params, ctx) => ({ removed: ctx.services.sessions.prune() });
