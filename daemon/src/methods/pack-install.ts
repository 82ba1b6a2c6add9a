// pack.pull and pack.update: every install goes through the pack service's pull procedure;
// progress is reported in bytes to a caller that passed a progressToken.
import type { ByteProgress } from '../packs/pack-service.js';
import type { CallContext } from '../rpc/call-context.js';
import type { MethodHandler } from '../rpc/method-handler.js';

const INTERVAL_MS = 100;

function byteProgress(ctx: CallContext, token: string | undefined): ByteProgress | undefined {
  if (token === undefined) return undefined;
  let last = 0;
  return (pack, done, total) => {
    const now = Date.now();
    if (now - last < INTERVAL_MS && done < total) return;
    last = now;
    ctx.client.notify('progress', { token, phase: `downloading ${pack}`, files: done < total ? 0 : 1, bytes: done, totalFiles: 1, totalBytes: total });
  };
}

export const packPull: MethodHandler<'pack.pull'> = async (params, ctx) => (await ctx.services.packs()).pull(params.pack, params.registry, params.acceptPublisher, byteProgress(ctx, params.progressToken));

export const packUpdate: MethodHandler<'pack.update'> = async (params, ctx) => (await ctx.services.packs()).update(params.pack, byteProgress(ctx, params.progressToken));
