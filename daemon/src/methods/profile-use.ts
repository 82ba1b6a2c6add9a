// profile.use: make a profile the default for runs that name none, after checking it loads.
import { readUserConfig, writeUserConfig } from '../user-config.js';
import type { MethodHandler } from './method-handler.js';

export const profileUse: MethodHandler<'profile.use'> = async (params, ctx) => {
  const { policy, paths } = ctx.services;
  // Names are looked up in the profile dirs; a file path arrives absolute from the client.
  policy.profiles.load(params.name, '/');
  const file = await writeUserConfig(paths.configDir, { ...readUserConfig(paths.configDir, 'PROFILE_INVALID'), default_profile: params.name });
  return { profile: params.name, file };
};
