// Named host lists (daemon/data/network-profiles.json) a profile selects with
// network.network_profile; the filtering proxy enforces them. A list may include others, so
// each agent's list is its own API hosts on top of the shared developer hosts.
import { NonoError } from '@nono/shared';
import { didYouMean } from '@nono/shared/did-you-mean';
import { readJsonc } from './jsonc-file.js';
import { NETWORK_PROFILES_FILE } from './policy-data.js';
import { BUILTIN_ROUTES, routeNamed } from '../credentials/credential-routes.js';

export interface NetworkProfile {
  description: string;
  /** Every host, the included lists' first. */
  hosts: string[];
  /**
   * The credential routes of this list's own API (not its includes'): served with a phantom
   * when the caller's shell holds the route's key variable, which is withheld anyway.
   */
  credentials: string[];
}

interface NetworkProfileEntry {
  description?: unknown;
  include?: unknown;
  hosts?: unknown;
  credentials?: unknown;
}

const isStringList = (value: unknown): value is string[] => Array.isArray(value) && value.every((v) => typeof v === 'string');

export class NetworkProfileCatalog {
  private constructor(private readonly profiles: Map<string, NetworkProfile>) {}

  static load(file = NETWORK_PROFILES_FILE): NetworkProfileCatalog {
    const document = readJsonc(file, 'the network profiles') as { profiles?: Record<string, NetworkProfileEntry> };
    const entries = new Map(Object.entries(document.profiles ?? {}));
    const invalid = (key: string, what: string): NonoError => new NonoError('PROFILE_INVALID', `${file}: ${key}: ${what}`, { file, key });
    for (const [name, entry] of entries) {
      if (!isStringList(entry?.hosts)) throw invalid(`profiles.${name}.hosts`, 'must be a list of host names');
      if (entry.include !== undefined && !isStringList(entry.include)) throw invalid(`profiles.${name}.include`, 'must be a list of network profile names');
      if (entry.credentials !== undefined && (!isStringList(entry.credentials) || !entry.credentials.every((route) => routeNamed(route)))) {
        throw invalid(`profiles.${name}.credentials`, `must be a list of built-in credential route names (${BUILTIN_ROUTES.map((r) => r.name).join(', ')})`);
      }
    }
    const resolved = new Map<string, NetworkProfile>();
    const resolve = (name: string, trail: string[]): NetworkProfile => {
      const done = resolved.get(name);
      if (done) return done;
      if (trail.includes(name)) throw invalid(`profiles.${name}.include`, `cycle ${[...trail, name].join(' → ')}`);
      const entry = entries.get(name)!;
      const hosts: string[] = [];
      for (const included of (entry.include as string[] | undefined) ?? []) {
        if (!entries.has(included)) throw invalid(`profiles.${name}.include`, `unknown network profile ${included}`);
        hosts.push(...resolve(included, [...trail, name]).hosts);
      }
      hosts.push(...(entry.hosts as string[]));
      const profile = {
        description: typeof entry.description === 'string' ? entry.description : '',
        hosts: [...new Set(hosts)],
        credentials: (entry.credentials as string[] | undefined) ?? [],
      };
      resolved.set(name, profile);
      return profile;
    };
    for (const name of entries.keys()) resolve(name, []);
    return new NetworkProfileCatalog(resolved);
  }

  names(): string[] {
    return [...this.profiles.keys()].sort();
  }

  get(name: string, where: string): NetworkProfile {
    const profile = this.profiles.get(name);
    if (!profile) {
      throw new NonoError('PROFILE_INVALID', `${where}: unknown network profile ${name}${didYouMean(name, this.names())}; known: ${this.names().join(', ')}`, { key: 'network.network_profile' });
    }
    return profile;
  }
}
