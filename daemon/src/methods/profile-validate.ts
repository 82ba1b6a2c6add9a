// profile.validate: every problem in a profile file (JSON, TOML or YAML), each located by file,
// line where the format keeps one, and key; then the whole chain (extends, groups, variables)
// resolved as a run would resolve it.
import { resolve } from 'node:path';
import { NonoError } from '@nono/shared';
import { profileDocumentProblems, readProfileDocument, type ProfileDocument } from '../policy/profile-formats.js';
import { compilePlan } from '../policy/compile-plan.js';
import type { MethodHandler } from './method-handler.js';

export const profileValidate: MethodHandler<'profile.validate'> = async (params, ctx) => {
  const file = resolve(params.cwd, params.file);
  const located = (error: unknown) => {
    const e = error instanceof NonoError ? error : new NonoError('INTERNAL', String(error));
    return { file: String(e.details.file ?? file), key: String(e.details.key ?? ''), message: e.message };
  };
  let document: ProfileDocument;
  try {
    document = readProfileDocument(file);
  } catch (error) {
    return { file, valid: false, problems: [located(error)] };
  }
  const problems = profileDocumentProblems(document);
  if (problems.length === 0) {
    try {
      // The plan a run here would compile, less the command: protected paths, credential
      // names, groups and platform are refused by the same code that refuses them at run time.
      compilePlan({ cwd: params.cwd, env: params.env ?? { HOME: ctx.services.policy.daemonHome }, profile: file }, ctx.services.policy);
    } catch (error) {
      problems.push(withLine(located(error), document));
    }
  }
  return { file, valid: problems.length === 0, problems };
};

/** A plan error about a key of this very file gets the key's line, as schema problems have. */
function withLine(problem: { file: string; key: string; message: string }, document: ProfileDocument) {
  const line = problem.file === document.file && problem.key !== '' ? document.lineOf(problem.key) : undefined;
  if (line === undefined || !problem.message.startsWith(`${problem.file}: `)) return problem;
  return { ...problem, message: `${problem.file}:${line}: ${problem.message.slice(problem.file.length + 2)}` };
}
