// The installed packs and what the registry has: list, remove, pin, verify, outdated, search.
import type { MethodHandler } from '../rpc/method-handler.js';

export const packList: MethodHandler<'pack.list'> = async (_params, ctx) => ({ packs: await ctx.services.packs.list() });

export const packRemove: MethodHandler<'pack.remove'> = (params, ctx) => ctx.services.packs.remove(params.pack);

export const packPin: MethodHandler<'pack.pin'> = (params, ctx) => ctx.services.packs.pin(params.pack, params.pinned);

export const packVerify: MethodHandler<'pack.verify'> = (params, ctx) => ctx.services.packs.verify(params.pack);

export const packOutdated: MethodHandler<'pack.outdated'> = async (_params, ctx) => ({ packs: await ctx.services.packs.outdated() });

export const packSearch: MethodHandler<'pack.search'> = (params, ctx) => ctx.services.packs.search(params.query, params.registry);
