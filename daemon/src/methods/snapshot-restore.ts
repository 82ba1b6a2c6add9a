// snapshot.restore: puts a directory back as a snapshot had it. A session still writing into
// that directory would race the restore, so running sessions that can write it refuse it. A
// name a --snapshot run gave to the baselines of several directories restores them together.
import { NonoError } from '@nono/shared';
import { progressNotifier } from '../rpc/progress-notifier.js';
import type { MethodHandler } from '../rpc/method-handler.js';

export const snapshotRestore: MethodHandler<'snapshot.restore'> = async (params, ctx) => {
  const { snapshots, sessions } = ctx.services;
  const found = await snapshots.resolveAll(params.id);
  for (const { manifest } of found) {
    const writer = sessions.liveWriterOf(manifest.tree);
    if (writer && !params.dryRun) {
      throw new NonoError('SESSION_RUNNING', `session ${writer} can still write ${manifest.tree}; nono stop ${writer} first, then restore`, { session: writer, tree: manifest.tree });
    }
  }
  const wanted = params.paths ?? [];
  const inside = (path: string, tree: string) => path === tree || path.startsWith(`${tree}/`);
  const requests = found
    .map(({ manifest }) => ({ manifest, paths: wanted.filter((p) => found.length === 1 || inside(p, manifest.tree)) }))
    .filter((request) => wanted.length === 0 || request.paths.length > 0);
  if (requests.length === 0) {
    throw new NonoError('PATH_INVALID', `${wanted[0]} is outside the snapshots named ${params.id} (${found.map((f) => f.manifest.tree).join(', ')}); give a path inside one`, { path: wanted[0] });
  }
  const results = await snapshots.restore(requests, params.dryRun === true, progressNotifier(ctx, params.progressToken));
  const { tree, changes } = results[0]!;
  return {
    tree,
    changes,
    restored: params.dryRun !== true,
    resumed: results.reduce((n, r) => n + r.resumed, 0),
    ...(results.length > 1 ? { trees: results.map((r) => ({ tree: r.tree, changes: r.changes })) } : {}),
  };
};
