// Reads JSON-with-comments files (profiles, groups) and reports syntax errors by line and
// column, the way an editor would, so a user can find the mistake.
import { readFileSync } from 'node:fs';
import { parse, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { NonoError } from '@nono/shared';

function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `${line}:${column}`;
}

/** The file's text, or PROFILE_NOT_FOUND naming it: shared by every policy file format. */
export function readPolicyText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new NonoError('PROFILE_NOT_FOUND', `${path}: cannot read ${what} (${(error as NodeJS.ErrnoException).code}); check the path`, {
      file: path,
    });
  }
}

export function readJsonc(path: string, what: string): unknown {
  const text = readPolicyText(path, what);
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    throw new NonoError(
      'PROFILE_INVALID',
      `${path}:${lineColumn(text, first.offset)}: ${printParseErrorCode(first.error)} in ${what}; fix the JSON syntax there`,
      { file: path, key: null },
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new NonoError('PROFILE_INVALID', `${path}: ${what} must be a JSON object; wrap its keys in { }`, { file: path, key: null });
  }
  return value;
}
