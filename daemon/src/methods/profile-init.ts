// profile.init: start a user profile that extends a base and includes groups, written
// atomically so an existing profile is never left half-replaced.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { NonoError } from '@nono/shared';
import { profileProblems } from '../policy/schema-validator.js';
import type { MethodHandler } from './method-handler.js';

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

/** A home directory or a directory above one, as a profile may spell it. */
function isWholeHome(path: string, daemonHome: string): boolean {
  const trimmed = path.replace(/\/+$/, '') || '/';
  if (['~', '$HOME', '${HOME}', '/', '/home', '/root'].includes(trimmed) || /^\/home\/[^/]+$/.test(trimmed)) return true;
  return trimmed.startsWith('/') && (daemonHome === trimmed || daemonHome.startsWith(`${trimmed}/`));
}

/**
 * A draft (from learn, or from a session's denials) never grants a whole home directory: one
 * listing of ~ would otherwise hand the agent every secret in it.
 */
function refuseWholeHome(fragment: Record<string, unknown>, file: string, daemonHome: string): void {
  const filesystem = fragment.filesystem;
  if (filesystem === null || typeof filesystem !== 'object') return;
  for (const [key, value] of Object.entries(filesystem)) {
    const home = Array.isArray(value) ? value.find((path): path is string => typeof path === 'string' && isWholeHome(path, daemonHome)) : undefined;
    if (home !== undefined && key !== 'deny') {
      throw new NonoError('PROFILE_INVALID', `${file}: filesystem.${key} grants ${home}, a whole home directory, which a draft never does; list the entries under it that are needed`, {
        file,
        key: `filesystem.${key}`,
      });
    }
  }
}

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
  if (params.fromLearn) refuseWholeHome(learned, params.fromLearn.file, policy.daemonHome);
  const description = params.description ?? (params.fromLearn ? `${params.name}: learned from ${params.fromLearn.file}` : `${params.name}: extends ${base}`);
  const profile = {
    extends: base,
    meta: { name: params.name, version: '1', description },
    groups: { include: params.groups ?? [] },
    ...(params.full ? FULL_TEMPLATE : { filesystem: { read: [], allow: [] }, workdir: { access: 'readwrite' } }),
    // `learned` is learn's report, printed as text; the profile takes only the grants.
    ...Object.fromEntries(Object.entries(learned).filter(([key]) => key !== 'meta' && key !== 'extends' && key !== 'learned')),
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
