// snapshot.show: one snapshot's record, its rules, and on request its entries.
import { wireName } from '@nono/shared';
import type { MethodHandler } from '../rpc/method-handler.js';

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
              ? { ...wireName(entry.path), type: entry.type, size: entry.size, mode: entry.mode }
              : entry.type === 'dir'
                ? { ...wireName(entry.path), type: entry.type, mode: entry.mode }
                : { ...wireName(entry.path), type: entry.type, ...targetOf(entry.target) },
          ),
        }
      : {}),
  };
};

function targetOf(target: string): { target: string; targetBase64?: string } {
  const { path, pathBase64 } = wireName(target);
  return pathBase64 === undefined ? { target: path } : { target: path, targetBase64: pathBase64 };
}
