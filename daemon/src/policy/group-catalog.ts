// The security groups (daemon/data/groups.json): named sets of grants and denies that
// profiles include by name. Loaded once per daemon and validated like profiles.
import { NonoError, type Group } from '@nono/shared';
import { didYouMean } from '@nono/shared/did-you-mean';
import { readJsonc } from './jsonc-file.js';
import { assertValidGroup } from './schema-validator.js';
import { GROUPS_FILE } from './policy-data.js';

export type Platform = 'linux' | 'macos';

export function currentPlatform(): Platform {
  return process.platform === 'darwin' ? 'macos' : 'linux';
}

export class GroupCatalog {
  private constructor(private readonly groups: Map<string, Group>, readonly file: string) {}

  static load(file = GROUPS_FILE): GroupCatalog {
    const document = readJsonc(file, 'the security groups') as { groups?: Record<string, unknown> };
    if (!document.groups || typeof document.groups !== 'object') {
      throw new NonoError('PROFILE_INVALID', `${file}: groups: missing; the file must hold {"groups": {...}}`, { file, key: 'groups' });
    }
    const groups = new Map<string, Group>();
    for (const [name, group] of Object.entries(document.groups)) {
      assertValidGroup(name, group, file);
      groups.set(name, group as Group);
    }
    return new GroupCatalog(groups, file);
  }

  names(): string[] {
    return [...this.groups.keys()].sort();
  }

  has(name: string): boolean {
    return this.groups.has(name);
  }

  get(name: string): Group {
    const group = this.groups.get(name);
    if (!group) throw new NonoError('GROUP_NOT_FOUND', `unknown security group ${name}${didYouMean(name, this.groups.keys())}; \`nono policy groups\` lists them`, { group: name });
    return group;
  }

  required(): string[] {
    return this.names().filter((n) => this.groups.get(n)!.required === true);
  }

  appliesHere(name: string, platform: Platform = currentPlatform()): boolean {
    const p = this.get(name).platform;
    return p === 'all' || p === platform;
  }
}
