// profile.validate: every problem in a profile file, each located by file and key; then the
// whole chain (extends, groups, variables) resolved as a run would resolve it.
import { resolve } from 'node:path';
import { NonoError } from '@nono/shared';
import { readJsonc } from '../policy/jsonc-file.js';
import { profileProblems } from '../policy/schema-validator.js';
import { compilePlan } from '../policy/compile-plan.js';
import type { MethodHandler } from './method-table.js';

export const profileValidate: MethodHandler<'profile.validate'> = async (params, ctx) => {
  const file = resolve(params.cwd, params.file);
  const located = (error: unknown) => {
    const e = error instanceof NonoError ? error : new NonoError('INTERNAL', String(error));
    return { file: String(e.details.file ?? file), key: String(e.details.key ?? ''), message: e.message };
  };
  let document: unknown;
  try {
    document = readJsonc(file, 'the profile');
  } catch (error) {
    return { file, valid: false, problems: [located(error)] };
  }
  const problems = profileProblems(document).map((p) => ({ file, key: p.key, message: `${file}: ${p.key}: ${p.message}` }));
  if (problems.length === 0) {
    try {
      compilePlan({ cwd: params.cwd, env: { HOME: ctx.services.policy.daemonHome }, profile: file }, ctx.services.policy);
    } catch (error) {
      problems.push(located(error));
    }
  }
  return { file, valid: problems.length === 0, problems };
};
