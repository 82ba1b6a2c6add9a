// session.resize: the terminal of a client changed size.
import type { MethodHandler } from './method-table.js';

export const sessionResize: MethodHandler<'session.resize'> = async (params, ctx) => {
  ctx.services.sessions.find(params.session).resize({ rows: params.rows, cols: params.cols });
  return { ok: true as const };
};
