// snapshot.show: one snapshot's record, its rules, and on request its entries.
import type { MethodHandler } from './method-table.js';

export const snapshotShow: MethodHandler<'snapshot.show'> = async (params, ctx) => {
  const { info, manifest } = await ctx.services.snapshots.resolve(params.id);
  return {
    snapshot: info,
    exclude: manifest.exclude,
    include: manifest.include,
    ...(params.entries
      ? {
          entries: manifest.entries.map((entry) =>
            entry.type === 'file'
              ? { path: entry.path, type: entry.type, size: entry.size, mode: entry.mode }
              : entry.type === 'dir'
                ? { path: entry.path, type: entry.type, mode: entry.mode }
                : { path: entry.path, type: entry.type, target: entry.target },
          ),
        }
      : {}),
  };
};
