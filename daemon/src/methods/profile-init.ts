// profile.init: start a user profile that extends a base and includes groups, written
// atomically so an existing profile is never left half-replaced.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NonoError } from '@nono/shared';
import { profileProblems } from '../policy/schema-validator.js';
import type { MethodHandler } from './method-table.js';

/** --full: every section a profile can have, empty, so the file is the guide to what can go in it. */
const FULL_TEMPLATE = {
  filesystem: { allow: [], read: [], write: [], allow_file: [], read_file: [], write_file: [], deny: [], no_delete: [], unix_socket: [], allow_host_exec_paths: [] },
  network: { block: false, allow_domain: [], deny_domain: [], credentials: [], custom_credentials: {}, endpoint_rules: {} },
  environment: { allow_vars: [], deny_vars: [], set_vars: {} },
  workdir: { access: 'readwrite' },
  commands: { allow: [], deny: [] },
  policy: { exclude_groups: [], add_deny_access: [], override_deny: [] },
  rollback: { enabled: false, exclude_patterns: [], exclude_globs: [] },
  allow_gpu: false,
  interactive: false,
  require_full_isolation: false,
};

export const profileInit: MethodHandler<'profile.init'> = async (params, ctx) => {
  const { policy, paths } = ctx.services;
  const base = params.extends ?? 'default';
  policy.profiles.locate(base, paths.configDir);
  for (const group of params.groups ?? []) policy.groups.get(group);
  const file = params.output ?? join(paths.configDir, 'profiles', `${params.name}.json`);
  if (existsSync(file) && !params.force) {
    throw new NonoError('PROFILE_EXISTS', `${file} already exists; edit it, or pass --force to replace it`, { file });
  }
  const learned = params.fromLearn?.fragment ?? {};
  const description = params.description ?? (params.fromLearn ? `${params.name}: learned from ${params.fromLearn.file}` : `${params.name}: extends ${base}`);
  const profile = {
    extends: base,
    meta: { name: params.name, version: '1', description },
    groups: { include: params.groups ?? [] },
    ...(params.full ? FULL_TEMPLATE : { filesystem: { read: [], allow: [] }, workdir: { access: 'readwrite' } }),
    ...Object.fromEntries(Object.entries(learned).filter(([key]) => key !== 'meta' && key !== 'extends')),
  };
  const problem = profileProblems(profile)[0];
  if (problem && params.fromLearn) {
    throw new NonoError('PROFILE_INVALID', `${params.fromLearn.file}: ${problem.key} ${problem.message}; pass the output of nono learn --json unchanged`, { file: params.fromLearn.file, key: problem.key });
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(temp, file);
  return { file };
};
