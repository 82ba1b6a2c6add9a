// snapshot.list: the records, newest first, optionally of one directory or one session.
import { resolve } from 'node:path';
import type { MethodHandler } from '../rpc/method-handler.js';

export const snapshotList: MethodHandler<'snapshot.list'> = async (params, ctx) => {
  const session = params.session === undefined ? undefined : ctx.services.sessions.lookup(params.session).row.id;
  const snapshots = await ctx.services.snapshots.list({
    ...(params.path !== undefined ? { tree: resolve(params.path) } : {}),
    ...(session !== undefined ? { session } : {}),
  });
  return { snapshots };
};
