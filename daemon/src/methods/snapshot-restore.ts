// snapshot.restore: puts a directory back as a snapshot had it. A session still writing into
// that directory would race the restore, so running sessions that can write it refuse it.
import { NonoError } from '@nono/shared';
import { progressNotifier } from '../rpc/progress-notifier.js';
import type { MethodHandler } from './method-table.js';

export const snapshotRestore: MethodHandler<'snapshot.restore'> = async (params, ctx) => {
  const { snapshots, sessions } = ctx.services;
  const { manifest } = await snapshots.resolve(params.id);
  const writer = sessions.liveWriterOf(manifest.tree);
  if (writer && !params.dryRun) {
    throw new NonoError('SESSION_RUNNING', `session ${writer} can still write ${manifest.tree}; nono stop ${writer} first, then restore`, { session: writer, tree: manifest.tree });
  }
  const [result] = await snapshots.restore([{ manifest, paths: params.paths ?? [] }], params.dryRun === true, progressNotifier(ctx, params.progressToken));
  const { changes, resumed } = result!;
  return { tree: manifest.tree, changes, restored: params.dryRun !== true, resumed };
};
