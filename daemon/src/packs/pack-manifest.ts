// `nono-pack.json`, the manifest at the root of every pack: who it is, which file is its profile,
// what it depends on, and which hooks and skills it carries. Checked field by field so a bad
// manifest is refused with one line before anything of the pack is installed.
import { NonoError } from '@nono/shared';
import { isPackPart, isPackVersion, parsePackReference } from './pack-reference.js';
import { isSkillInstall, SKILL_INSTALL_HINT } from './skill-destinations.js';

export const MANIFEST_FILE = 'nono-pack.json';
export const MANIFEST_SCHEMA = 'nono-pack/1';

export interface PackHook {
  /** Pack-relative path of an executable run before the sandboxed command starts. */
  path: string;
  event: 'pre-run';
}

export interface PackSkill {
  /** Pack-relative path of an instruction template. */
  path: string;
  /** `AGENT:NAME` (skill-destinations.ts): where runs under the pack find it, read-only. */
  install?: string;
}

export interface PackManifest {
  schema: typeof MANIFEST_SCHEMA;
  namespace: string;
  name: string;
  version: string;
  description: string;
  /** Pack-relative path of the profile (JSON or JSONC, the user-profile format). */
  profile: string;
  /** Other packs this one's profile extends, each at an exact version: resolved and pinned together. */
  dependencies: Record<string, string>;
  hooks: PackHook[];
  skills: PackSkill[];
}

/**
 * Characters a terminal acts on (C0/C1 controls, escape sequences) or that reorder what it shows
 * (bidi overrides): descriptions come from publishers and registries and are printed as is.
 */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A relative path of plain components, printable (names are shown by verify and in refusals):
 * the same rule the archive reader applies to entries.
 */
export function isPackPath(path: string): boolean {
  if (path === '' || path.startsWith('/') || path.includes('\\') || path.search(CONTROL_CHARACTERS) !== -1) return false;
  return path.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
}

export function parseManifest(text: string, where: string): PackManifest {
  const invalid = (why: string): NonoError => new NonoError('PACK_INVALID', `${where}: ${MANIFEST_FILE} ${why}; fix the manifest and publish again`, { where });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid(`is not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) throw invalid('is not a JSON object');
  if (value.schema !== MANIFEST_SCHEMA) throw invalid(`must have "schema": "${MANIFEST_SCHEMA}"`);
  for (const key of Object.keys(value)) {
    if (!['schema', 'namespace', 'name', 'version', 'description', 'profile', 'dependencies', 'hooks', 'skills'].includes(key)) throw invalid(`has an unknown key "${key}"`);
  }
  const { namespace, name, version, description = '', profile, dependencies = {}, hooks = [], skills = [] } = value;
  if (typeof namespace !== 'string' || !isPackPart(namespace)) throw invalid('needs a "namespace" of lower-case letters, digits, - and _');
  if (typeof name !== 'string' || !isPackPart(name)) throw invalid('needs a "name" of lower-case letters, digits, - and _');
  if (typeof version !== 'string' || !isPackVersion(version)) throw invalid('needs a semantic "version" such as 1.0.0');
  if (typeof description !== 'string') throw invalid('has a "description" that is not a string');
  if (description.search(CONTROL_CHARACTERS) !== -1) throw invalid('has a "description" with control characters; use plain text');
  if (typeof profile !== 'string' || !isPackPath(profile)) throw invalid('needs a "profile": the pack-relative path of its profile file');
  if (!isObject(dependencies)) throw invalid('has "dependencies" that are not an object of "ns/name": "version"');
  for (const [dep, depVersion] of Object.entries(dependencies)) {
    if (typeof depVersion !== 'string' || !isPackVersion(depVersion)) throw invalid(`names dependency ${dep} without an exact version`);
    try {
      parsePackReference(dep);
    } catch {
      throw invalid(`names a dependency "${dep}" that is not NS/NAME`);
    }
    if (dep === `${namespace}/${name}`) throw invalid('lists itself as a dependency');
  }
  const paths = (list: unknown, what: string): Record<string, unknown>[] => {
    if (!Array.isArray(list) || !list.every((item) => isObject(item) && typeof item.path === 'string' && isPackPath(item.path))) {
      throw invalid(`has "${what}" that are not a list of {"path": "pack-relative path"}`);
    }
    return list as Record<string, unknown>[];
  };
  const hookList = paths(hooks, 'hooks').map((hook) => {
    if (hook.event !== 'pre-run') throw invalid(`has a hook ${String(hook.path)} with an event other than "pre-run"`);
    return { path: hook.path as string, event: 'pre-run' as const };
  });
  const skillList = paths(skills, 'skills').map((skill) => {
    if (skill.install === undefined) return { path: skill.path as string };
    if (typeof skill.install !== 'string' || !isSkillInstall(skill.install)) throw invalid(`has a skill ${String(skill.path)} whose "install" is not ${SKILL_INSTALL_HINT}`);
    return { path: skill.path as string, install: skill.install };
  });
  return { schema: MANIFEST_SCHEMA, namespace, name, version, description, profile, dependencies: dependencies as Record<string, string>, hooks: hookList, skills: skillList };
}
