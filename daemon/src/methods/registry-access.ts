// registry.login/logout/status (`nono auth ...`) and registry.serve. A served registry belongs to
// the connection that asked for it: when `nono registry serve` exits, the server closes.
import type { MethodHandler } from '../rpc/method-handler.js';

export const registryLogin: MethodHandler<'registry.login'> = async (params, ctx) => (await ctx.services.packs()).logins.login(params.url, params.token);

export const registryLogout: MethodHandler<'registry.logout'> = async (params, ctx) => (await ctx.services.packs()).logins.logout(params.url);

export const registryStatus: MethodHandler<'registry.status'> = async (_params, ctx) => ({ registries: await (await ctx.services.packs()).logins.status() });

export const registryServe: MethodHandler<'registry.serve'> = async (params, ctx) => {
  const { url, close } = await (await ctx.services.packs()).serve(params);
  ctx.whenClosed(close);
  return { url };
};
