// session.resize: a client's terminal changed size; the session follows its writers.
import type { MethodHandler } from './method-handler.js';

export const sessionResize: MethodHandler<'session.resize'> = async (params, ctx) => {
  ctx.services.sessions.find(params.session).clientResized(ctx.client, { rows: params.rows, cols: params.cols });
  return { ok: true as const };
};
