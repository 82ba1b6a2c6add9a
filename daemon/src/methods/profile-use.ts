// profile.use: make a profile the default for runs that name none, after checking it loads.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readConfig } from '../policy/default-profile.js';
import { writeFileDurably } from '../snapshots/durable-files.js';
import type { MethodHandler } from './method-table.js';

export const profileUse: MethodHandler<'profile.use'> = async (params, ctx) => {
  const { policy, paths } = ctx.services;
  // Names are looked up in the profile dirs; a file path arrives absolute from the client.
  policy.profiles.load(params.name, '/');
  const config = { ...readConfig(paths.configDir), default_profile: params.name };
  await mkdir(paths.configDir, { recursive: true, mode: 0o700 });
  const file = join(paths.configDir, 'config.json');
  await writeFileDurably(file, `${JSON.stringify(config, null, 2)}\n`);
  return { profile: params.name, file };
};
