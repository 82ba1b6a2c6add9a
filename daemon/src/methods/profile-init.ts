// profile.init: start a user profile that extends a base and includes groups, written
// atomically so an existing profile is never left half-replaced.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NonoError } from '@nono/shared';
import type { MethodHandler } from './method-table.js';

export const profileInit: MethodHandler<'profile.init'> = async (params, ctx) => {
  const { policy, paths } = ctx.services;
  const base = params.extends ?? 'default';
  policy.profiles.locate(base, paths.configDir);
  for (const group of params.groups ?? []) policy.groups.get(group);
  const file = join(paths.configDir, 'profiles', `${params.name}.json`);
  if (existsSync(file) && !params.force) {
    throw new NonoError('PROFILE_EXISTS', `${file} already exists; edit it, or pass --force to replace it`, { file });
  }
  const profile = {
    extends: base,
    meta: { name: params.name, version: '1', description: `${params.name}: extends ${base}` },
    groups: { include: params.groups ?? [] },
    filesystem: { read: [], allow: [] },
    workdir: { access: 'readwrite' },
  };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(temp, file);
  return { file };
};
