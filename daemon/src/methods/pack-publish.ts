// pack.publish: signs with a trust key from the keychain, so the private key never leaves the daemon.
import type { MethodHandler } from '../rpc/method-handler.js';
import { trustKeyStore } from './trust-keys.js';

export const packPublish: MethodHandler<'pack.publish'> = async (params, ctx) => (await ctx.services.packs()).publish(params.dir, params.to, await trustKeyStore.load(params.key));
