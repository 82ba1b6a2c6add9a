// The installed packs and what the registry has: list, remove, pin, verify, outdated, search.
import type { MethodHandler } from '../rpc/method-handler.js';

export const packList: MethodHandler<'pack.list'> = async (_params, ctx) => ({ packs: await (await ctx.services.packs()).list() });

export const packRemove: MethodHandler<'pack.remove'> = async (params, ctx) => (await ctx.services.packs()).remove(params.pack);

export const packPin: MethodHandler<'pack.pin'> = async (params, ctx) => (await ctx.services.packs()).pin(params.pack, params.pinned);

export const packVerify: MethodHandler<'pack.verify'> = async (params, ctx) => (await ctx.services.packs()).verify(params.pack);

export const packOutdated: MethodHandler<'pack.outdated'> = async (_params, ctx) => ({ packs: await (await ctx.services.packs()).outdated() });

export const packSearch: MethodHandler<'pack.search'> = async (params, ctx) => (await ctx.services.packs()).search(params.query, params.registry);
