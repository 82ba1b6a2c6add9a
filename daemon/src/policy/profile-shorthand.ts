// TOML and YAML profiles may use the shorthand other sandboxes' write-ups use ([filesystem]
// execute, [network] allow_hosts and deny_cloud_metadata, [credentials], [audit]); this maps it
// onto nono's own keys so the one strict schema still judges the file. Pure: no I/O, input untouched.

export interface ShorthandProblem {
  key: string;
  message: string;
}

export interface ExpandedProfile {
  profile: Record<string, unknown>;
  problems: ShorthandProblem[];
}

/** What deny_cloud_metadata adds to network.deny_domain (the proxy refuses these anyway). */
export const CLOUD_METADATA_HOSTS = ['169.254.169.254', 'metadata.google.internal'];

const CREDENTIAL_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

type Section = Record<string, unknown>;

function isSection(value: unknown): value is Section {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isNameList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item.length > 0);
}

/** The section's list with more names appended, without duplicates; a non-list is left for the schema to report. */
function appended(existing: unknown, more: string[]): unknown {
  if (existing !== undefined && !Array.isArray(existing)) return existing;
  return [...new Set([...((existing as unknown[] | undefined) ?? []), ...more])];
}

export function expandShorthand(document: Record<string, unknown>): ExpandedProfile {
  const profile: Record<string, unknown> = { ...document };
  const problems: ShorthandProblem[] = [];
  const listOf = (key: string, value: unknown): string[] => {
    if (isNameList(value)) return value;
    problems.push({ key, message: 'must be a list of non-empty strings' });
    return [];
  };

  // Landlock's execute right comes with every read grant here (see encode-spec.ts), so an
  // execute-only path is a read grant: nono has no way to allow running a file but not reading it.
  if (isSection(profile.filesystem) && 'execute' in profile.filesystem) {
    const { execute, ...filesystem } = profile.filesystem;
    profile.filesystem = { ...filesystem, read: appended(filesystem.read, listOf('filesystem.execute', execute)) };
  }

  if (isSection(profile.network) && ('allow_hosts' in profile.network || 'deny_cloud_metadata' in profile.network)) {
    const { allow_hosts, deny_cloud_metadata, ...network } = profile.network;
    if (allow_hosts !== undefined) network.allow_domain = appended(network.allow_domain, listOf('network.allow_hosts', allow_hosts));
    if (deny_cloud_metadata === true) {
      network.deny_domain = appended(network.deny_domain, CLOUD_METADATA_HOSTS);
    } else if (deny_cloud_metadata !== undefined) {
      problems.push({
        key: 'network.deny_cloud_metadata',
        message:
          deny_cloud_metadata === false
            ? "cannot be false: nono's proxy never lets a sandbox reach cloud metadata addresses; remove the key"
            : 'must be true (or left out)',
      });
    }
    profile.network = network;
  }

  if ('credentials' in profile) {
    const requested = credentialRequests(profile.credentials, problems);
    delete profile.credentials;
    const network = isSection(profile.network) ? profile.network : {};
    profile.network = { ...network, credentials: appended(network.credentials, requested) };
  }

  // The audit log is always on and daemon-wide (config.json sets its retention): a profile
  // has nothing to switch, so the section is accepted and has no effect.
  delete profile.audit;

  return { profile, problems };
}

/**
 * `[credentials]` as a table of route → source: `openai = "op://vault/item/field"`, `openai = true`
 * (the route's default source) or `[credentials.openai] source = "..."`; or a list of route names.
 * Each becomes a network.credentials entry, "NAME" or "NAME=SOURCE" as --credential takes it.
 */
function credentialRequests(value: unknown, problems: ShorthandProblem[]): string[] {
  if (isNameList(value)) return value;
  if (!isSection(value)) {
    problems.push({ key: 'credentials', message: 'must be a table of credential name = source (or true), or a list of names' });
    return [];
  }
  const requests: string[] = [];
  for (const [name, entry] of Object.entries(value)) {
    const key = `credentials.${name}`;
    if (!CREDENTIAL_NAME.test(name)) {
      problems.push({ key, message: 'is not a credential name (lower-case letters, digits, _ and -, up to 32)' });
      continue;
    }
    if (entry === true) {
      requests.push(name);
    } else if (typeof entry === 'string' && entry.length > 0) {
      requests.push(`${name}=${entry}`);
    } else if (isSection(entry) && Object.keys(entry).every((k) => k === 'source') && typeof entry.source === 'string' && entry.source.length > 0) {
      requests.push(`${name}=${entry.source}`);
    } else {
      problems.push({ key, message: 'must be a source (vault://, env://, file://, cmd://, op://, bw://), true, or a table with only source' });
    }
  }
  return requests;
}
