// snapshot.create: a snapshot taken by hand, outside any session.
import { progressNotifier } from '../rpc/progress-notifier.js';
import type { MethodHandler } from '../rpc/method-handler.js';

export const snapshotCreate: MethodHandler<'snapshot.create'> = async (params, ctx) => {
  const { info, filesHashed, filesCached } = await ctx.services.snapshots.create(
    params.path,
    { exclude: params.exclude ?? [], include: params.include ?? [] },
    {
      ...(params.label !== undefined ? { label: params.label } : {}),
      ...(params.name !== undefined ? { name: params.name } : {}),
      ...(params.tags !== undefined ? { tags: params.tags } : {}),
      origin: { manual: true },
    },
    progressNotifier(ctx, params.progressToken),
  );
  return { snapshot: info, filesHashed, filesCached };
};
