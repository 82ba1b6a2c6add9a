// snapshot.list: the records, newest first, optionally of one directory or one session.
import { resolve } from 'node:path';
import type { MethodHandler } from '../rpc/method-handler.js';

export const snapshotList: MethodHandler<'snapshot.list'> = async (params, ctx) => {
  const session = params.session === undefined ? undefined : ctx.services.sessions.lookup(params.session).row.id;
  // Asked right after a session ends (nono run does), its final snapshot is waited for, as diff and rollback wait.
  if (session !== undefined) await ctx.services.sessions.snapshotSettled(session);
  const snapshots = await ctx.services.snapshots.list({
    ...(params.path !== undefined ? { tree: resolve(params.path) } : {}),
    ...(session !== undefined ? { session } : {}),
  });
  return { snapshots };
};
