// Validates profiles and groups against the shared JSON Schema with ajv, and turns ajv's
// findings into one line that names the file, the key and what to do.
import { createRequire } from 'node:module';
import type { Ajv as AjvClass, ErrorObject, ValidateFunction } from 'ajv';
import { GroupSchema, NonoError, ProfileSchema } from '@nono/shared';

// ajv and the validators it generates are loaded by the first profile or group read, not at
// start: a daemon that only lists sessions never validates anything.
const lazyRequire = createRequire(import.meta.url);
let validators: { profile: ValidateFunction; group: ValidateFunction } | undefined;
function compiled(): { profile: ValidateFunction; group: ValidateFunction } {
  if (!validators) {
    const { Ajv } = lazyRequire('ajv') as { Ajv: typeof AjvClass };
    const ajv = new Ajv({ allErrors: true, strict: false });
    validators = { profile: ajv.compile(ProfileSchema), group: ajv.compile(GroupSchema) };
  }
  return validators;
}

export interface SchemaProblem {
  key: string;
  message: string;
}

function describe(error: ErrorObject): SchemaProblem {
  const base = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty: string }).additionalProperty);
    const key = base ? `${base}.${extra}` : extra;
    return { key, message: `unknown key "${extra}"; remove it or check its spelling (nono profile schema lists the keys)` };
  }
  if (error.keyword === 'type') {
    return { key: base || '(top level)', message: `must be ${(error.params as { type: string }).type}` };
  }
  if (error.keyword === 'enum' || error.keyword === 'const' || error.keyword === 'anyOf') {
    return { key: base || '(top level)', message: `has a value that is not allowed${error.keyword === 'anyOf' ? ' (see nono profile schema)' : ''}` };
  }
  return { key: base || '(top level)', message: error.message ?? 'is invalid' };
}

/** Every problem in the document, most specific first (anyOf noise after the real cause). */
export function profileProblems(document: unknown): SchemaProblem[] {
  const validateProfile = compiled().profile;
  if (validateProfile(document)) return [];
  const problems = (validateProfile.errors ?? []).map(describe);
  const seen = new Set<string>();
  return problems
    .sort((a, b) => Number(a.message.startsWith('has a value')) - Number(b.message.startsWith('has a value')))
    .filter((p) => !seen.has(p.key) && seen.add(p.key));
}

export function assertValidGroup(name: string, document: unknown, file: string): void {
  const validateGroup = compiled().group;
  if (validateGroup(document)) return;
  const problem = describe(validateGroup.errors![0]!);
  throw new NonoError('PROFILE_INVALID', `${file}: groups.${name}.${problem.key}: ${problem.message}`, {
    file,
    key: `groups.${name}.${problem.key}`,
  });
}
