// Profiles come as JSON (comments allowed), TOML or YAML, told apart by extension, and all meet
// the one schema. This reads any of them into a plain document (TOML and YAML through the
// shorthand mapping) and locates a key's line, so every error names the file, line and key.
import { basename, extname } from 'node:path';
import { createRequire } from 'node:module';
import type * as Toml from 'smol-toml';
import type * as Yaml from 'yaml';
import type { Document, LineCounter, Node as YamlNode } from 'yaml';
import { NonoError } from '@nono/shared';
import { readJsonc, readPolicyText } from './jsonc-file.js';
import { expandShorthand } from './profile-shorthand.js';
import { profileProblems, type SchemaProblem } from './schema-validator.js';

// The parsers load with the first TOML or YAML profile: most users have none, and together
// they are ~10 MB of an idle daemon. Profile loading is synchronous, hence require.
const lazyRequire = createRequire(import.meta.url);
let tomlModule: typeof Toml | undefined;
let yamlModule: typeof Yaml | undefined;
const toml = (): typeof Toml => (tomlModule ??= lazyRequire('smol-toml') as typeof Toml);
const yaml = (): typeof Yaml => (yamlModule ??= lazyRequire('yaml') as typeof Yaml);

/** In the order `nono profile list` shows a name's files; a name with two of them is refused. */
export const PROFILE_EXTENSIONS = ['.json', '.toml', '.yaml', '.yml'] as const;

type Format = 'json' | 'toml' | 'yaml';

function formatOf(file: string): Format {
  const ext = extname(file).toLowerCase();
  return ext === '.toml' ? 'toml' : ext === '.yaml' || ext === '.yml' ? 'yaml' : 'json';
}

export function hasProfileExtension(ref: string): boolean {
  return (PROFILE_EXTENSIONS as readonly string[]).includes(extname(ref).toLowerCase());
}

/** The profile's name: its file name without a profile extension. */
export function profileNameOf(file: string): string {
  return hasProfileExtension(file) ? basename(file, extname(file)) : basename(file);
}

export interface ProfileDocument {
  file: string;
  /** The document with shorthand mapped, ready for the schema. */
  value: unknown;
  /** Problems with the shorthand keys themselves, named as the user wrote them. */
  shorthandProblems: SchemaProblem[];
  /** The line a dotted key (or its nearest written parent) is on, when the format keeps positions. */
  lineOf(key: string): number | undefined;
}

export function readProfileDocument(file: string): ProfileDocument {
  const format = formatOf(file);
  if (format === 'json') return { file, value: readJsonc(file, 'the profile'), shorthandProblems: [], lineOf: () => undefined };
  const text = readPolicyText(file, 'the profile');
  const { value, lineOf } = format === 'toml' ? parseTomlProfile(file, text) : parseYamlProfile(file, text);
  const expanded = expandShorthand(value);
  return { file, value: expanded.profile, shorthandProblems: expanded.problems, lineOf };
}

/** Every problem, each message one line: `FILE[:LINE]: KEY: what is wrong; what to do`. */
export function profileDocumentProblems(document: ProfileDocument): { file: string; key: string; message: string }[] {
  return [...document.shorthandProblems, ...profileProblems(document.value)].map((p) => {
    const line = document.lineOf(p.key);
    return { file: document.file, key: p.key, message: `${document.file}${line === undefined ? '' : `:${line}`}: ${p.key}: ${p.message}` };
  });
}

export function assertValidProfileDocument(document: ProfileDocument): void {
  const [first] = profileDocumentProblems(document);
  if (first) throw new NonoError('PROFILE_INVALID', first.message, { file: first.file, key: first.key });
}

function syntaxError(file: string, line: number, column: number, what: string, format: string): NonoError {
  const reason = what.split('\n')[0]!.replace(/^Invalid TOML document: /, '').replace(/\.$/, '');
  return new NonoError('PROFILE_INVALID', `${file}:${line}:${column}: ${reason} in the profile; fix the ${format} syntax there`, { file, key: null });
}

/** The longest prefix of key that has a line, so a key the shorthand renamed still points at its section. */
function nearest(key: string, lineOfPath: (path: string[]) => number | undefined): number | undefined {
  const path = key.split('.');
  for (let n = path.length; n > 0; n--) {
    const line = lineOfPath(path.slice(0, n));
    if (line !== undefined) return line;
  }
  return undefined;
}

function parseTomlProfile(file: string, text: string): { value: Record<string, unknown>; lineOf: (key: string) => number | undefined } {
  let value: Record<string, unknown>;
  try {
    value = toml().parse(text);
  } catch (error) {
    if (error instanceof toml().TomlError) throw syntaxError(file, error.line, error.column, error.message, 'TOML');
    throw error;
  }
  const lines = tomlKeyLines(text);
  return { value, lineOf: (key) => nearest(key, (path) => lines.get(path.join('.'))) };
}

const TOML_TABLE = /^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/;
const TOML_KEY = /^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/;

function tomlKeyParts(dotted: string): string[] {
  return (dotted.match(/"[^"]*"|'[^']*'|[^.\s]+/g) ?? []).map((part) => part.replace(/^["']|["']$/g, ''));
}

/**
 * smol-toml keeps no positions, so table headers and `key =` lines are matched by pattern:
 * enough for profiles as people write them (a key inside a multi-line value or inline table
 * points at the line that opens it).
 */
function tomlKeyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let table: string[] = [];
  const record = (path: string[], line: number) => {
    for (let n = 1; n <= path.length; n++) {
      const key = path.slice(0, n).join('.');
      if (!lines.has(key)) lines.set(key, line);
    }
  };
  text.split('\n').forEach((content, index) => {
    const header = TOML_TABLE.exec(content);
    if (header) {
      table = tomlKeyParts(header[1]!);
      record(table, index + 1);
      return;
    }
    const assignment = TOML_KEY.exec(content);
    if (assignment) record([...table, ...tomlKeyParts(assignment[1]!)], index + 1);
  });
  return lines;
}

function parseYamlProfile(file: string, text: string): { value: Record<string, unknown>; lineOf: (key: string) => number | undefined } {
  const counter = new (yaml().LineCounter)();
  const document = yaml().parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const [error] = document.errors;
  if (error) {
    const { line, col } = counter.linePos(error.pos[0]);
    throw syntaxError(file, line, col, error.message, 'YAML');
  }
  let value: unknown;
  try {
    value = document.toJS();
  } catch (error) {
    // An alias to no anchor, or more aliases than yaml's guard against exponential expansion.
    throw new NonoError('PROFILE_INVALID', `${file}: ${(error as Error).message} in the profile; fix the YAML there`, { file, key: null });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new NonoError('PROFILE_INVALID', `${file}: the profile must be a YAML mapping (key: value lines), as a JSON profile is an object`, { file, key: null });
  }
  return { value: value as Record<string, unknown>, lineOf: (key) => nearest(key, (path) => yamlLine(document, counter, path)) };
}

/** The line of the last key (or list item) of path, walking the document's own nodes. */
function yamlLine(document: Document, counter: LineCounter, path: string[]): number | undefined {
  let node: unknown = document.contents;
  let offset: number | undefined;
  for (const segment of path) {
    if (yaml().isMap(node)) {
      const pair = node.items.find((item) => yaml().isScalar(item.key) && String(item.key.value) === segment);
      if (!pair) return undefined;
      offset = (pair.key as YamlNode).range?.[0];
      node = pair.value;
    } else if (yaml().isSeq(node) && /^\d+$/.test(segment)) {
      node = node.items[Number(segment)];
      offset = (node as YamlNode | undefined)?.range?.[0];
    } else {
      return undefined;
    }
  }
  return offset === undefined ? undefined : counter.linePos(offset).line;
}
