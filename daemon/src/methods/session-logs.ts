// session.logs: the recorded output of a session, live or long gone.
import { join } from 'node:path';
import { readLog } from '../sessions/output-log.js';
import type { MethodHandler } from './method-handler.js';

/** A reply stays well under the 16 MiB frame limit once base64 grows it by a third. */
const MAX_REPLY_BYTES = 8 * 1024 * 1024;

export const sessionLogs: MethodHandler<'session.logs'> = async (params, ctx) => {
  const { sessions } = ctx.services;
  const { row, session } = sessions.lookup(params.session);
  const data = readLog(join(sessions.logDir, `${row.id}${params.net ? '.net' : ''}.log`), params.tail);
  const live = session?.live === true;
  return { data: data.subarray(Math.max(0, data.length - MAX_REPLY_BYTES)).toString('base64'), live, nextSeq: live ? session!.nextSeq : null };
};
