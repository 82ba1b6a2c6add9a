// Named host lists (daemon/data/network-profiles.json) a profile selects with
// network.network_profile; the filtering proxy enforces them.
import { NonoError } from '@nono/shared';
import { readJsonc } from './jsonc-file.js';
import { NETWORK_PROFILES_FILE } from './policy-data.js';

export interface NetworkProfile {
  description: string;
  hosts: string[];
}

export class NetworkProfileCatalog {
  private constructor(private readonly profiles: Map<string, NetworkProfile>) {}

  static load(file = NETWORK_PROFILES_FILE): NetworkProfileCatalog {
    const document = readJsonc(file, 'the network profiles') as { profiles?: Record<string, NetworkProfile> };
    const entries = Object.entries(document.profiles ?? {});
    for (const [name, profile] of entries) {
      if (!Array.isArray(profile?.hosts) || profile.hosts.some((h) => typeof h !== 'string')) {
        throw new NonoError('PROFILE_INVALID', `${file}: profiles.${name}.hosts: must be a list of host names`, { file, key: `profiles.${name}.hosts` });
      }
    }
    return new NetworkProfileCatalog(new Map(entries));
  }

  names(): string[] {
    return [...this.profiles.keys()].sort();
  }

  get(name: string, where: string): NetworkProfile {
    const profile = this.profiles.get(name);
    if (!profile) {
      throw new NonoError('PROFILE_INVALID', `${where}: unknown network profile ${name}; known: ${this.names().join(', ')}`, { key: 'network.network_profile' });
    }
    return profile;
  }
}

/** Whether host matches a pattern: exact, or "*.domain" for any subdomain of domain. */
export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const p = pattern.toLowerCase().replace(/\.$/, '');
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  return h === p;
}
