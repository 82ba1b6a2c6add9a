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

  if ('audit' in profile) auditProblems(profile.audit, problems);
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
  const { proxy_mode, keystore, ...routes } = value;
  if (proxy_mode !== undefined && proxy_mode !== true) {
    problems.push({
      key: 'credentials.proxy_mode',
      message: proxy_mode === false ? 'not supported: false; nono never puts a real key in the sandbox (every credential goes through its proxy as a phantom token); remove the key' : 'must be true (or left out)',
    });
  }
  const store = keystoreOf(keystore, problems);
  const requests: string[] = [];
  for (const [name, entry] of Object.entries(routes)) {
    const key = `credentials.${name}`;
    if (!CREDENTIAL_NAME.test(name)) {
      problems.push({ key, message: 'is not a credential name (lower-case letters, digits, _ and -, up to 32)' });
      continue;
    }
    if (entry === true) {
      if (store === 'op') problems.push({ key, message: 'keystore = "1password" needs the item: give the reference, e.g. ' + `${name} = "op://VAULT/ITEM/FIELD"` });
      else requests.push(store === undefined ? name : `${name}=${store}://${name}`);
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

/**
 * `keystore` names where the keys of routes given as `true` live: the OS keychain (entry of the
 * route's name) or Bitwarden (item of the route's name); 1Password references need a vault and
 * a field, so its routes must spell them. "env" is nono's default lookup and changes nothing.
 */
const KEYSTORES: Record<string, 'vault' | 'bw' | 'op' | undefined> = {
  keychain: 'vault',
  system: 'vault',
  bitwarden: 'bw',
  '1password': 'op',
  env: undefined,
};

function keystoreOf(value: unknown, problems: ShorthandProblem[]): 'vault' | 'bw' | 'op' | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && value in KEYSTORES) return KEYSTORES[value];
  problems.push({ key: 'credentials.keystore', message: `not supported: ${JSON.stringify(value)}; use one of ${Object.keys(KEYSTORES).map((k) => `"${k}"`).join(', ')}` });
  return undefined;
}

/** Values of audit.level (or log) that ask for what nono always records: every event. */
const EVERYTHING = new Set(['all', 'full', 'verbose', 'debug', 'trace']);

/**
 * `[audit]`: the log is always on, daemon-wide and hash-chained with SHA-256 (config.json sets
 * its retention). Keys asking for that are accepted; anything asking for less or else is not
 * supported, said at validate time rather than silently ignored.
 */
function auditProblems(value: unknown, problems: ShorthandProblem[]): void {
  if (!isSection(value)) {
    problems.push({ key: 'audit', message: 'must be a table' });
    return;
  }
  for (const [name, entry] of Object.entries(value)) {
    const key = `audit.${name}`;
    const problem = (message: string) => problems.push({ key, message: `not supported: ${message}` });
    if (name === 'enabled') {
      if (entry !== true) problem('the audit log cannot be switched off per profile; it records every session (docs/audit.md); remove the key');
    } else if (name === 'level' || name === 'log') {
      if (typeof entry !== 'string' || !EVERYTHING.has(entry.toLowerCase())) problem(`${JSON.stringify(entry)}; nono's audit log always records every event kind, with no lower level; remove the key or say "all"`);
    } else if (name === 'integrity_hash') {
      if (entry !== true && !(typeof entry === 'string' && /^sha-?256$/i.test(entry))) problem(`${JSON.stringify(entry)}; every audit row is chained with SHA-256 (nono audit verify checks it), and that cannot be changed; remove the key or say "sha256"`);
    } else if (name === 'evidence_fs') {
      if (entry !== false) problem('nono keeps no separate evidence filesystem; file denials are in the audit log, and [rollback] enabled = true (or run --snapshot) keeps before/after snapshots of the writable directories; remove the key');
    } else {
      problem('nono has no such audit setting; the audit log is always on, its retention is in config.json (audit.max_days, audit.max_rows); remove the key');
    }
  }
}
