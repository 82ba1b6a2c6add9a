// Builds Seatbelt profile text (SBPL, a Scheme dialect) from S-expression values, so no rule
// is ever assembled by pasting strings together.
// Threat: paths come from profiles and flags; a path that closed its string literal could add
// rules of its own. Strings are double-quoted with `\` and `"` escaped, and a value holding a
// control character (NUL, newline, ...) or a lone UTF-16 surrogate is refused outright.
import { NonoError } from '@nono/shared';

export type Sexp = { atom: string } | { str: string } | { regex: string } | { noted: Sexp; note: string } | Sexp[];

/** One line of a profile: a form (with an optional trailing comment), a comment, or a blank. */
export type ProfileLine = { form: Sexp[]; note?: string } | { comment: string } | { blank: true };

const SYMBOL = /^[A-Za-z*][A-Za-z0-9_*.-]*$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /\p{Cs}/u;
/** Forms longer than this, or with commented children, take one child per line. */
const LINE_WIDTH = 100;

export function sym(name: string): Sexp {
  if (!SYMBOL.test(name)) throw new Error(`not an SBPL symbol: ${JSON.stringify(name)}`);
  return { atom: name };
}

export function num(value: number): Sexp {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not an SBPL number: ${value}`);
  return { atom: String(value) };
}

export function str(value: string): Sexp {
  assertQuotable(value);
  return { str: value };
}

/** A regex literal, #"...": the profile's own fixed patterns, never a user's path. */
export function regex(pattern: string): Sexp {
  assertQuotable(pattern);
  return { regex: pattern };
}

export function noted(value: Sexp, note: string): Sexp {
  return { noted: value, note };
}

/** `(OP NAME ...)` with each string argument quoted, the usual shape of a filter. */
export function filter(name: string, ...args: (string | Sexp)[]): Sexp[] {
  return [sym(name), ...args.map((arg) => (typeof arg === 'string' ? str(arg) : arg))];
}

/** Why a value cannot be a string literal, as the clause of an error message. */
function unquotable(value: string): string | undefined {
  if (value.includes('\0')) return 'a NUL byte';
  if (value.includes('\n')) return 'a newline';
  const control = CONTROL.exec(value)?.[0];
  if (control !== undefined) return `the control character U+${control.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`;
  if (LONE_SURROGATE.test(value)) return 'a lone UTF-16 surrogate (not valid Unicode)';
  return undefined;
}

function assertQuotable(value: string): void {
  const problem = unquotable(value);
  if (problem === undefined) return;
  throw new NonoError(
    'PATH_INVALID',
    `${JSON.stringify(value)} cannot go into a Seatbelt profile: it contains ${problem}, which could end a rule early or hide text when the profile is printed; rename it or leave it out of the profile`,
    { path: value },
  );
}

export function quote(value: string): string {
  assertQuotable(value);
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Comment text on one line whatever it holds: control characters are shown as \xHH. */
function commentText(text: string): string {
    return text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).replace(/\p{Cs}/gu, '\uFFFD');
}

function isList(value: Sexp): value is Sexp[] {
  return Array.isArray(value);
}

function hasNotes(value: Sexp): boolean {
  return isList(value) ? value.some((child) => 'noted' in child || hasNotes(child)) : 'noted' in value;
}

function inline(value: Sexp): string {
  if (isList(value)) return `(${value.map(inline).join(' ')})`;
  if ('atom' in value) return value.atom;
  if ('str' in value) return quote(value.str);
  if ('regex' in value) return `#${quote(value.regex)}`;
  return inline(value.noted);
}

/** The form on one line if it fits and holds no comment, else its head then one child per line. */
function render(form: Sexp[], indent: string): string[] {
  const flat = inline(form);
  if (!hasNotes(form) && indent.length + flat.length <= LINE_WIDTH) return [`${indent}${flat}`];
  const head = form.findIndex((child) => !('atom' in child));
  const split = head < 0 ? form.length : head;
  const lines = [`${indent}(${form.slice(0, split).map(inline).join(' ')}`];
  let lastNoted = false;
  for (const child of form.slice(split)) {
    const value = 'noted' in child ? child.noted : child;
    const rendered = isList(value) ? render(value, `${indent}  `) : [`${indent}  ${inline(value)}`];
    lastNoted = 'noted' in child;
    if ('noted' in child) rendered[rendered.length - 1] += ` ; ${commentText(child.note)}`;
    lines.push(...rendered);
  }
  // A closing paren after a comment would be commented out: it gets a line of its own then.
  if (lastNoted) lines.push(`${indent})`);
  else lines[lines.length - 1] += ')';
  return lines;
}

export function renderProfile(lines: ProfileLine[]): string {
  const out: string[] = [];
  for (const line of lines) {
    if ('blank' in line) out.push('');
    else if ('comment' in line) out.push(`; ${commentText(line.comment)}`.trimEnd());
    else {
      const rendered = render(line.form, '');
      if (line.note !== undefined) rendered[rendered.length - 1] += ` ; ${commentText(line.note)}`;
      out.push(...rendered);
    }
  }
  return `${out.join('\n')}\n`;
}
