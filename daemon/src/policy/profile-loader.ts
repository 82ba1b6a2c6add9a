// Finds profiles (user dir first, then built-ins, then installed packs, or a file path; JSON, TOML or YAML), follows
// `extends` across formats, and merges the chain into one profile. Merge rules: lists append without duplicates, maps merge
// with the child winning, scalars are the child's when set, network.block is OR'ed so no child
// can unblock what a parent blocked (nor drop require_full_isolation), and `security.groups` is read as `groups.include`.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { NonoError, type Profile } from '@nono/shared';
import { didYouMean } from '@nono/shared/did-you-mean';
import { assertValidProfileDocument, hasProfileExtension, PROFILE_EXTENSIONS, profileNameOf, readProfileDocument } from './profile-formats.js';
import { BUILTIN_PROFILES_DIR } from './policy-data.js';
import { locatePackProfile } from '../packs/pack-profiles.js';
import { parsePackReference } from '../packs/pack-reference.js';

const MAX_DEPTH = 10;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PACK_REF = /^[a-z0-9][a-z0-9_-]*\/[a-z0-9][a-z0-9_-]*(@[0-9A-Za-z.+-]+)?$/;

export interface ResolvedProfile {
  name: string;
  /** The files merged, base first, this profile last. */
  chain: ProfileLocation[];
  profile: Profile;
}

export interface ProfileLocation {
  name: string;
  file: string;
  builtin: boolean;
  /** `ns/name@version` when the profile comes from an installed pack. */
  pack?: string;
  /** The installed pack version's directory, whose manifest names its hooks and skills. */
  packDir?: string;
  /** A pack's declared dependencies: the only packs its profile may extend, at these versions. */
  dependencies?: Record<string, string>;
}

export class ProfileLoader {
  constructor(
    private readonly userDir: string,
    private readonly builtinDir: string = BUILTIN_PROFILES_DIR,
    private readonly packagesDir?: string,
    /** Where the daemon stamps each packs.json it writes (installed-packs.ts says why). */
    private readonly packsLockStamp?: string,
  ) {}

  /**
   * A name (user dir, then built-in, then an installed pack of that name), a pack reference
   * `ns/name[@version]`, or a path to a .json, .toml, .yaml or .yml file. `from` is the profile
   * whose `extends` names `ref`: a pack may extend only the packs it declares, at their versions.
   */
  locate(ref: string, cwd: string, from?: ProfileLocation): ProfileLocation {
    if (PACK_REF.test(ref) && !hasProfileExtension(ref)) {
      const pack = this.locatePack(ref, from);
      if (pack) return pack;
      // Never a file of that name in cwd: the working directory is often a repository an agent
      // or a stranger wrote, and it would stand in for a pack the user has not pulled yet.
      const file = existsSync(resolve(cwd, ref)) ? `; for the file ${ref} here, write ./${ref}` : '';
      throw new NonoError('PACK_NOT_FOUND', `pack ${ref} is not installed; get it with nono pull ${ref}${file}`, { profile: ref, pack: ref });
    }
    if (from?.pack && !(NAME.test(ref) && !hasProfileExtension(ref))) {
      throw new NonoError('PROFILE_INVALID', `${from.file}: extends: a pack's profile may extend built-ins, user profiles and the packs it declares, not the file ${ref}`, { file: from.file, key: 'extends' });
    }
    if (ref.includes('/') || hasProfileExtension(ref)) {
      const file = resolve(cwd, ref);
      if (!existsSync(file)) throw new NonoError('PROFILE_NOT_FOUND', `profile file ${file} does not exist; check the path`, { profile: ref });
      return { name: profileNameOf(file), file, builtin: false };
    }
    if (!NAME.test(ref)) {
      throw new NonoError('PROFILE_NOT_FOUND', `"${ref}" is not a profile name (letters, digits, . _ -) nor a path to a profile file`, { profile: ref });
    }
    for (const [dir, builtin] of [
      [this.userDir, false],
      [this.builtinDir, true],
    ] as const) {
      const files = PROFILE_EXTENSIONS.map((ext) => join(dir, `${ref}${ext}`)).filter((file) => existsSync(file));
      // Picking one silently would run a policy the user may not be looking at.
      if (files.length > 1) {
        throw new NonoError('PROFILE_INVALID', `profile ${ref} is defined twice, in ${files[0]} and ${files[1]}; remove or rename one of them`, {
          file: files[0],
          key: null,
          profile: ref,
        });
      }
      if (files[0]) return { name: ref, file: files[0], builtin };
    }
    // After the built-ins: a pack named `x/default` must not silently replace `default`. Not
    // from a pack's profile: it reaches other packs only by the full names it declares.
    const pack = from?.pack ? undefined : this.packNamed(ref);
    if (pack) return pack;
    throw new NonoError(
      'PROFILE_NOT_FOUND',
      `no profile named ${ref}${didYouMean(ref, this.list().map((p) => p.name))} in ${this.userDir} or the built-ins; \`nono profile list\` shows them`,
      { profile: ref },
    );
  }

  private locatePack(ref: string, from: ProfileLocation | undefined): ProfileLocation | undefined {
    if (!this.packagesDir) return undefined;
    const parsed = parsePackReference(ref);
    const id = `${parsed.namespace}/${parsed.name}`;
    if (from?.pack) {
      const version = from.dependencies?.[id];
      if (version === undefined) {
        throw new NonoError('PROFILE_INVALID', `${from.file}: extends: ${ref} is not among the pack's dependencies; declare it in nono-pack.json`, { file: from.file, key: 'extends' });
      }
      parsed.version = version;
    }
    const found = locatePackProfile(this.packagesDir, parsed, this.packsLockStamp);
    return found && { name: found.name, file: found.file, builtin: false, pack: found.name, packDir: found.dir, dependencies: found.dependencies };
  }

  /** A bare name that is the NAME of exactly one installed pack; two are ambiguous, and say so. */
  private packNamed(name: string): ProfileLocation | undefined {
    if (!this.packagesDir || !/^[a-z0-9][a-z0-9_-]*$/.test(name) || !existsSync(this.packagesDir)) return undefined;
    const owners = readdirSync(this.packagesDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.') && existsSync(join(this.packagesDir!, entry.name, name)))
      .map((entry) => `${entry.name}/${name}`);
    if (owners.length > 1) {
      throw new NonoError('PROFILE_NOT_FOUND', `profile ${name} is the name of several installed packs (${owners.join(', ')}); name one in full`, { profile: name });
    }
    return owners[0] === undefined ? undefined : this.locatePack(owners[0], undefined);
  }

  /** A user profile hides the built-in of its name; a name with two files in one dir lists both, so the clash shows. */
  list(): ProfileLocation[] {
    const found = new Map<string, ProfileLocation[]>();
    for (const [dir, builtin] of [
      [this.builtinDir, true],
      [this.userDir, false],
    ] as const) {
      if (!existsSync(dir)) continue;
      const here = new Map<string, ProfileLocation[]>();
      for (const entry of readdirSync(dir).sort()) {
        if (!hasProfileExtension(entry)) continue;
        const name = profileNameOf(entry);
        here.set(name, [...(here.get(name) ?? []), { name, file: join(dir, entry), builtin }]);
      }
      for (const [name, locations] of here) found.set(name, locations);
    }
    return [...found.values()].flat().sort((a, b) => a.name.localeCompare(b.name));
  }

  load(ref: string, cwd: string): ResolvedProfile {
    const top = this.locate(ref, cwd);
    const chain: ProfileLocation[] = [];
    const profile = this.loadChain(top, cwd, [], chain);
    return { name: top.name, chain, profile };
  }

  private loadChain(location: ProfileLocation, cwd: string, stack: string[], chain: ProfileLocation[]): Profile {
    if (stack.includes(location.file)) {
      const cycle = [...stack.slice(stack.indexOf(location.file)), location.file].map((f) => profileNameOf(f)).join(' → ');
      throw new NonoError('PROFILE_INVALID', `${location.file}: extends: cycle ${cycle}; remove one of these extends`, {
        file: location.file,
        key: 'extends',
      });
    }
    if (stack.length >= MAX_DEPTH) {
      throw new NonoError('PROFILE_INVALID', `${location.file}: extends: chain deeper than ${MAX_DEPTH} profiles; flatten it`, {
        file: location.file,
        key: 'extends',
      });
    }
    const document = readProfileDocument(location.file);
    assertValidProfileDocument(document);
    const own = document.value as Profile;
    const parents = own.extends === undefined ? [] : Array.isArray(own.extends) ? own.extends : [own.extends];
    let merged: Profile = {};
    for (const parent of parents) {
      let parentLocation: ProfileLocation;
      try {
        parentLocation = this.locate(parent, cwd, location);
      } catch (error) {
        throw new NonoError('PROFILE_INVALID', `${location.file}: extends: ${(error as Error).message}`, { file: location.file, key: 'extends' });
      }
      merged = mergeProfiles(merged, this.loadChain(parentLocation, cwd, [...stack, location.file], chain));
    }
    chain.push(location);
    return mergeProfiles(merged, own);
  }
}

type ListKeys<T> = { [K in keyof T]-?: NonNullable<T[K]> extends string[] ? K : never }[keyof T];

function union(a: string[] | undefined, b: string[] | undefined): string[] | undefined {
  if (!a && !b) return undefined;
  return [...new Set([...(a ?? []), ...(b ?? [])])];
}

function mergeLists<T extends object>(a: T | undefined, b: T | undefined, keys: ListKeys<T>[]): T | undefined {
  if (!a && !b) return undefined;
  const out = { ...a, ...b } as T;
  for (const key of keys) {
    const merged = union(a?.[key] as string[] | undefined, b?.[key] as string[] | undefined);
    if (merged) (out as Record<string, unknown>)[key as string] = merged;
  }
  return out;
}

export function mergeProfiles(base: Profile, child: Profile): Profile {
  const childGroups = child.security?.groups ? { ...child.groups, include: union(child.groups?.include, child.security.groups) } : child.groups;
  const baseGroups = base.security?.groups ? { ...base.groups, include: union(base.groups?.include, base.security.groups) } : base.groups;
  const network = mergeLists(base.network, child.network, ['allow_domain', 'deny_domain', 'credentials', 'allow_endpoints']);
  if (network && (base.network?.endpoint_rules || child.network?.endpoint_rules)) {
    network.endpoint_rules = { ...base.network?.endpoint_rules, ...child.network?.endpoint_rules };
  }
  if (network && (base.network?.custom_credentials || child.network?.custom_credentials)) {
    network.custom_credentials = { ...base.network?.custom_credentials, ...child.network?.custom_credentials };
  }
  if (network && (base.network?.block || child.network?.block)) network.block = true;
  const environment = mergeLists(base.environment, child.environment, ['allow_vars', 'deny_vars']);
  if (environment && (base.environment?.set_vars || child.environment?.set_vars)) {
    environment.set_vars = { ...base.environment?.set_vars, ...child.environment?.set_vars };
  }
  const merged: Profile = {
    ...base,
    ...child,
    meta: base.meta || child.meta ? { ...base.meta, ...child.meta } : undefined,
    groups: mergeLists(baseGroups, childGroups, ['include', 'exclude']),
    filesystem: mergeLists(base.filesystem, child.filesystem, ['allow', 'read', 'write', 'allow_file', 'read_file', 'write_file', 'deny', 'no_delete', 'unix_socket', 'allow_host_exec_paths', 'state', 'state_file']),
    commands: mergeLists(base.commands, child.commands, ['allow', 'deny']),
    network,
    environment,
    workdir: child.workdir?.access !== undefined ? child.workdir : base.workdir,
    policy: mergeLists(base.policy, child.policy, ['exclude_groups', 'add_deny_access', 'override_deny']),
  };
  // Like network.block, a stricter parent cannot be relaxed by a child.
  if (base.require_full_isolation || child.require_full_isolation) merged.require_full_isolation = true;
  delete merged.extends;
  delete merged.security;
  // The groups of security are folded in above; approvals is a switch the child may set either way.
  const approvals = child.security?.approvals ?? base.security?.approvals;
  if (approvals !== undefined) merged.security = { approvals };
  for (const key of Object.keys(merged) as (keyof Profile)[]) if (merged[key] === undefined) delete merged[key];
  return merged;
}
