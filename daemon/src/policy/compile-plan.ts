// Turns a run request (a profile, CLI flags, cwd, the caller's environment) into a sandbox
// plan: canonical paths with access and the rule that asked for each, the paths kept out,
// the network mode and host lists, and the environment the child gets.
// Threat: this is where a grant could expose nono's own secret or the user's credentials.
// With the private view (user namespaces available) a protected path inside a grant is
// masked; with Landlock alone, which cannot deny inside a granted tree, a grant the user asked
// for that covers one is refused, and one from a group is dropped with a note.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Access, Grants, PlanRule, SandboxPlan } from '@nono/shared';
import { NonoError, type NonoPaths, type Profile } from '@nono/shared';
import { didYouMean } from '@nono/shared/did-you-mean';
import { canonicalOrLexical, isWithin, kindOf, statIfVisible, toAbsolute } from '@nono/shared/resolve-path';
import { filterEnvironment } from './environment.js';
import { credentialsFromEnvironment } from './credential-environment.js';
import type { SecretNames } from './secret-names.js';
import { expandPath, type PolicyContext } from './policy-variables.js';
import { currentPlatform, type GroupCatalog, type Platform } from './group-catalog.js';
import type { NetworkProfileCatalog } from './network-profiles.js';
import type { ProfileLoader, ResolvedProfile } from './profile-loader.js';
import { hostUnixSockets, socketOfVariable } from './host-sockets.js';
import { pinsFor, planHostExecProtection, planMasks, planSymlinks, rebuildAroundMasks, type ReadonlyEntry } from './view-plan.js';
import { SCAN_DIR_BUDGET, type TreeInventory } from './writable-tree-scan.js';
import { planBlockedCommands, refuseLaunch, type CommandRules } from './command-blocking.js';
import { planLaunch } from './launch-command.js';
import { defaultProfile } from './default-profile.js';
import { gpuPaths } from './gpu-paths.js';
import { parseAllowedEndpoint } from '../network/allowed-endpoints.js';

export interface RunRequest {
  cwd: string;
  env: Record<string, string>;
  grants?: Grants | undefined;
  allowCwd?: boolean | undefined;
  netBlock?: boolean | undefined;
  profile?: string | undefined;
  workdir?: string | undefined;
  allowDomain?: string[] | undefined;
  networkProfile?: string | undefined;
  bypassProtection?: string[] | undefined;
  allowCommand?: string[] | undefined;
  blockCommand?: string[] | undefined;
  requireFullIsolation?: boolean | undefined;
  memoryBytes?: number | undefined;
  maxProcesses?: number | undefined;
  credentials?: string[] | undefined;
  /** Variables to pass although they look like secrets (--allow-env). */
  allowEnv?: string[] | undefined;
  /** The command to launch: judged by the launch blocks, found on env.PATH and granted if outside the grants. */
  argv?: string[] | undefined;
  /** Whose groups apply (default: this machine's); `policy show --platform macos` asks for the Mac's. */
  platform?: Platform | undefined;
}

/** Whether the helper can build the private view here (user namespaces), and if not why. */
export interface Isolation {
  view: boolean;
  reason: string | null;
}

/** What the sandbox lacks on Landlock alone, said once to the user and in `nono doctor`. */
export const LANDLOCK_ONLY_GAPS = [
  'a grant may not contain a protected path (no deny inside allow)',
  'host unix sockets inside grants (Docker, D-Bus, ssh-agent) stay reachable',
  'other processes of the user are visible in /proc',
  'host-exec files (.git/config, .git/hooks, .vscode, ...) inside writable grants are not write-protected (ones created are still moved aside when the session ends)',
];

export interface PolicyServices {
  paths: NonoPaths;
  groups: GroupCatalog;
  networkProfiles: NetworkProfileCatalog;
  secretNames: SecretNames;
  profiles: ProfileLoader;
  daemonHome: string;
  isolation: Isolation;
  /** Where to read the bound unix sockets; tests point it at a fixture. */
  unixSocketTable?: string;
}

export interface ProtectedPath {
  path: string;
  source: string;
  /** nono's own files: no override lifts these. */
  own: boolean;
}

export interface CompiledPlan {
  plan: SandboxPlan;
  env: Record<string, string>;
  /**
   * A private temporary directory the session must create: mounted at /tmp in the view, or
   * granted as TMPDIR on Landlock alone when /tmp holds nono's runtime dir.
   */
  privateTmp: boolean;
  /** The profile's `rollback` section: snapshot without --snapshot, and what to leave out. */
  rollback: { enabled: boolean; exclude: string[] };
  /**
   * The writable trees and what they held at start that the host runs later; the session's
   * end compares against it and moves aside what appeared (the view cannot stop a new name).
   */
  hostExec: { roots: string[]; inventory: TreeInventory; gitControl: string[]; lifted: string[] };
}

/**
 * `rollback: true` or `{ enabled: true }` snapshots every run. exclude_patterns are names
 * matched at any depth (upstream nono's meaning); exclude_globs are tree-relative globs.
 */
function rollbackRules(profile: Profile): CompiledPlan['rollback'] {
  const section = profile.rollback;
  if (section === undefined || typeof section === 'boolean') return { enabled: section === true, exclude: [] };
  return {
    enabled: section.enabled === true,
    exclude: [...(section.exclude_patterns ?? []).map((name) => `**/${name}`), ...(section.exclude_globs ?? [])],
  };
}

type GrantKey = keyof Grants;
const GRANT_KEYS: { key: GrantKey; profileKey: keyof NonNullable<Profile['filesystem']>; flag: string; access: Access; file: boolean }[] = [
  { key: 'allow', profileKey: 'allow', flag: '--allow', access: 'readwrite', file: false },
  { key: 'read', profileKey: 'read', flag: '--read', access: 'read', file: false },
  { key: 'write', profileKey: 'write', flag: '--write', access: 'write', file: false },
  { key: 'allowFile', profileKey: 'allow_file', flag: '--allow-file', access: 'readwrite', file: true },
  { key: 'readFile', profileKey: 'read_file', flag: '--read-file', access: 'read', file: true },
  { key: 'writeFile', profileKey: 'write_file', flag: '--write-file', access: 'write', file: true },
];


/**
 * The protected paths a grant of path runs into. In the view a protected path inside a grant
 * is masked, so only a grant of the protected path itself, or of something inside it, counts.
 */
function conflictsOf(path: string, protect: ProtectedPath[], view: boolean): ProtectedPath[] {
  return protect.filter((p) => isWithin(path, p.path) || (!view && isWithin(p.path, path)));
}

/** What is wrong with granting path, if anything, as one clause. */
function describeConflict(path: string, hit: ProtectedPath): string {
  const relation = hit.path === path ? 'is protected' : isWithin(hit.path, path) ? `contains ${hit.path}` : `is inside ${hit.path}`;
  return `${path} ${relation} (${hit.source})`;
}

export function compilePlan(request: RunRequest, services: PolicyServices): CompiledPlan {
  const home = request.env.HOME?.startsWith('/') ? request.env.HOME : services.daemonHome;
  const cwd = canonicalOrLexical(request.cwd);
  const workdir = request.workdir ? canonicalOrLexical(toAbsolute(request.workdir, request.cwd, home)) : cwd;
  const resolved = services.profiles.load(request.profile ?? defaultProfile(services.paths.configDir), request.cwd);
  const profile = resolved.profile;
  const where = resolved.chain.at(-1)!.file;
  const ctx: PolicyContext = {
    home,
    workdir,
    tmpdir: request.env.TMPDIR?.startsWith('/') ? request.env.TMPDIR : tmpdir(),
    uid: process.getuid?.() ?? 0,
    env: request.env,
  };
  const expand = (raw: string, key: string): string => {
    const expanded = expandPath(raw, ctx);
    if (typeof expanded !== 'string') {
      throw new NonoError('PROFILE_INVALID', `${where}: ${key}: unknown variable $${expanded.unknown} in ${raw}; use $HOME, $WORKDIR, $TMPDIR, $UID or $XDG_*`, {
        file: where,
        key,
      });
    }
    const lexical = toAbsolute(expanded, workdir, home);
    lexicalGrants.push(lexical);
    return canonicalOrLexical(lexical);
  };
  // Grant paths as written, for the symlinks the view must recreate along them.
  const lexicalGrants: string[] = [];
  const view = services.isolation.view;
  if (!view && (request.requireFullIsolation || profile.require_full_isolation)) {
    throw new NonoError(
      'ISOLATION_UNAVAILABLE',
      `full isolation is required (${request.requireFullIsolation ? '--require-full-isolation' : `profile ${resolved.name}: require_full_isolation`}) but ${services.isolation.reason ?? 'user namespaces are unavailable'}; \`nono doctor\` says what to change`,
      { reason: services.isolation.reason },
    );
  }

  const groups = activeGroups(resolved, services.groups, request.platform);
  const notes: string[] = [];

  // Paths kept out: nono's own, then every active group's denies and the profile's.
  const protect: ProtectedPath[] = [
    { path: services.paths.runtimeDir, source: "nono's runtime dir (control socket and its secret)", own: true },
    { path: services.paths.stateDir, source: "nono's state dir (database, logs)", own: true },
    { path: services.paths.socketPath, source: "nono's control socket", own: true },
    // An agent that could edit its profiles or trust keys would widen its next sandbox.
    { path: services.paths.configDir, source: "nono's config dir (profiles, trust keys)", own: true },
    // Installed packs are profiles too, pinned by digest: editing one would widen the next sandbox.
    { path: services.paths.packagesDir, source: "nono's installed policy packs", own: true },
  ].map((p) => ({ ...p, path: canonicalOrLexical(p.path) }));
  for (const name of groups) {
    for (const raw of services.groups.get(name).deny ?? []) protect.push({ path: expand(raw, `groups.${name}.deny`), source: name, own: false });
  }
  for (const raw of profile.filesystem?.deny ?? []) protect.push({ path: expand(raw, 'filesystem.deny'), source: `profile ${resolved.name}: filesystem.deny`, own: false });
  for (const raw of profile.policy?.add_deny_access ?? []) {
    protect.push({ path: expand(raw, 'policy.add_deny_access'), source: `profile ${resolved.name}: policy.add_deny_access`, own: false });
  }

  // Lifting a deny needs a grant that reaches the lifted path; checked once grants are known.
  const overrides = [
    ...(profile.policy?.override_deny ?? []).map((raw) => ({ path: expand(raw, 'policy.override_deny'), by: 'policy.override_deny' })),
    ...(request.bypassProtection ?? []).map((raw) => ({ path: canonicalOrLexical(toAbsolute(raw, request.cwd, home)), by: '--bypass-protection' })),
  ];
  const lifted = new Set<ProtectedPath>();
  for (const override of overrides) {
    const hits = protect.filter((p) => isWithin(p.path, override.path));
    const own = hits.find((p) => p.own);
    if (own) throw new NonoError('PATH_DENIED', `${override.by} ${override.path}: ${own.source} can never be exposed to a sandbox`, { path: override.path });
    if (hits.length === 0) notes.push(`${override.by} ${override.path}: nothing protected there; it has no effect`);
    for (const hit of hits) lifted.add(hit);
  }
  const effectiveProtect = protect.filter((p) => !lifted.has(p));

  const rules = new Map<string, PlanRule>();
  const addRule = (path: string, access: Access, kind: PlanRule['kind'], source: string): void => {
    const existing = rules.get(path);
    if (!existing) {
      rules.set(path, { path, access, kind, source });
    } else if (existing.access !== access) {
      existing.access = 'readwrite';
      existing.source = `${existing.source}, ${source}`;
    }
  };

  // Groups: optional conveniences, so missing paths are skipped and a grant that would
  // expose a protected path is dropped with a note.
  let privateTmp = false;
  for (const name of groups) {
    const group = services.groups.get(name);
    for (const spec of GRANT_KEYS) {
      for (const raw of group[spec.profileKey as keyof typeof group] as string[] | undefined ?? []) {
        const path = expand(raw, `groups.${name}.${spec.profileKey}`);
        const stats = statIfVisible(path);
        if (!stats) continue;
        // The host's /tmp is shared with every process of the machine (tmux and ssh-agent
        // sockets, other tools' files): in the view the sandbox gets its own, mounted at /tmp.
        if (view && path === '/tmp') {
          privateTmp = true;
          continue;
        }
        const hit = conflictsOf(path, effectiveProtect, view)[0];
        if (hit) {
          const tmpHoldsOurs = path === '/tmp' && hit.own;
          if (tmpHoldsOurs) privateTmp = true;
          notes.push(
            tmpHoldsOurs
              ? `/tmp is not granted: it holds ${hit.path} (${hit.source}). The sandbox gets a private TMPDIR instead; point XDG_RUNTIME_DIR outside /tmp to give it /tmp.`
              : `group ${name}: ${spec.profileKey} ${raw} skipped: ${describeConflict(path, hit)}`,
          );
          continue;
        }
        addRule(path, spec.access, kindOf(stats), `group ${name}`);
      }
    }
  }

  // The profile's own paths: the user wrote them, so a protected one is an error; a missing
  // one is skipped with a note (profiles travel between machines).
  for (const spec of GRANT_KEYS) {
    for (const raw of profile.filesystem?.[spec.profileKey] ?? []) {
      const path = expand(raw, `filesystem.${spec.profileKey}`);
      const stats = statIfVisible(path);
      if (!stats) {
        notes.push(`profile ${resolved.name}: filesystem.${spec.profileKey} ${raw}: ${path} does not exist; skipped`);
        continue;
      }
      refuseProtected(path, `profile ${resolved.name}: filesystem.${spec.profileKey}`, raw, conflictsOf(path, effectiveProtect, view));
      addRule(path, spec.access, kindOf(stats), `profile ${resolved.name}: filesystem.${spec.profileKey}`);
    }
  }

  // The agent's state: on a home that never ran it the paths are missing, and the agent cannot
  // create what is not in its view, so the session creates them first (see createStatePaths).
  for (const [profileKey, kind] of [['state', 'dir'], ['state_file', 'file']] as const) {
    for (const raw of profile.filesystem?.[profileKey] ?? []) {
      const path = expand(raw, `filesystem.${profileKey}`);
      const stats = statIfVisible(path);
      const source = `profile ${resolved.name}: filesystem.${profileKey}`;
      refuseProtected(path, source, raw, conflictsOf(path, effectiveProtect, view));
      // A symlink on the way may have been planted by an earlier sandbox in one of its grants;
      // creating through it would make a directory wherever it points.
      if (!stats && lexicalGrants.at(-1) !== path) {
        notes.push(`${source} ${raw}: ${path} does not exist and is reached through a symlink (${lexicalGrants.at(-1)}); not created, create it yourself`);
        continue;
      }
      addRule(path, 'readwrite', stats ? kindOf(stats) : kind, source);
      if (!stats) rules.get(path)!.create = true;
    }
  }

  // Command-line grants: a missing path is an error, as the user just typed it.
  for (const spec of GRANT_KEYS) {
    for (const raw of request.grants?.[spec.key] ?? []) {
      const absolute = toAbsolute(raw, request.cwd, home);
      lexicalGrants.push(absolute);
      const canonical = canonicalOrLexical(absolute);
      const stats = statIfVisible(canonical);
      if (!stats) {
        throw new NonoError('PATH_NOT_FOUND', `${spec.flag} ${raw}: ${absolute} does not exist; create it first or fix the path`, {
          path: absolute,
          flag: spec.flag,
        });
      }
      if (spec.file && stats.isDirectory()) {
        throw new NonoError('PATH_INVALID', `${spec.flag} ${raw}: ${canonical} is a directory; use ${spec.flag.replace('-file', '')} for directories`, {
          path: canonical,
          flag: spec.flag,
        });
      }
      refuseProtected(canonical, spec.flag, raw, conflictsOf(canonical, effectiveProtect, view));
      addRule(canonical, spec.access, kindOf(stats), spec.flag);
    }
  }

  // Write-without-delete grants; marked on their rules once every grant is in.
  const noDelete = new Map<string, string>();
  const noDeleteGrants = [
    ...(profile.filesystem?.no_delete ?? []).map((raw) => ({ raw, path: expand(raw, 'filesystem.no_delete'), by: `profile ${resolved.name}: filesystem.no_delete`, cli: false })),
    ...(request.grants?.allowNoDelete ?? []).map((raw) => ({ raw, path: canonicalOrLexical(toAbsolute(raw, request.cwd, home)), by: '--allow-no-delete', cli: true })),
  ];
  for (const grant of noDeleteGrants) {
    const stats = statIfVisible(grant.path);
    if (!stats) {
      if (grant.cli) throw new NonoError('PATH_NOT_FOUND', `${grant.by} ${grant.raw}: ${grant.path} does not exist; create it first or fix the path`, { path: grant.path });
      notes.push(`${grant.by} ${grant.raw}: ${grant.path} does not exist; skipped`);
      continue;
    }
    refuseProtected(grant.path, grant.by, grant.raw, conflictsOf(grant.path, effectiveProtect, view));
    addRule(grant.path, 'readwrite', kindOf(stats), grant.by);
    noDelete.set(grant.path, grant.by);
  }

  const workdirAccess = request.allowCwd ? 'readwrite' : (profile.workdir?.access ?? 'none');
  if (workdirAccess !== 'none') {
    const source = request.allowCwd ? '--allow-cwd' : `profile ${resolved.name}: workdir.access`;
    refuseProtected(workdir, source, workdir, conflictsOf(workdir, effectiveProtect, view));
    addRule(workdir, workdirAccess === 'readwrite-nodelete' ? 'readwrite' : workdirAccess, 'dir', source);
    if (workdirAccess === 'readwrite-nodelete') noDelete.set(workdir, source);
  }
  const protectingGroup = groups.find((name) => services.groups.get(name).protect_deletes === true);
  if (protectingGroup) {
    for (const rule of rules.values()) {
      const scratch = ['/tmp', '/var/tmp', ctx.tmpdir].includes(rule.path) || rule.path.startsWith('/dev');
      if (rule.access !== 'read' && rule.kind === 'dir' && !scratch && !noDelete.has(rule.path)) noDelete.set(rule.path, `group ${protectingGroup}`);
    }
  }
  for (const path of noDelete.keys()) rules.get(path)!.noDelete = true;
  // Landlock adds rights down the tree, so a grant above that may delete cannot be narrowed
  // here; Seatbelt's deny of file-write-unlink holds whatever is allowed above it.
  const landlock = (request.platform ?? currentPlatform()) === 'linux';
  for (const [path, by] of landlock ? noDelete : []) {
    const above = [...rules.values()].find((r) => r.path !== path && isWithin(path, r.path) && r.access !== 'read' && !r.noDelete && r.kind === 'dir');
    if (!above) continue;
    // A group's own blanket no-delete skips the temp dirs on purpose; only what the user asked for must hold.
    if (by.startsWith('group ')) notes.push(`${by} ${path}: ${above.path} (${above.source}) grants delete above it, so deletes there are still allowed`);
    else refuseOverriddenNoDelete(path, by, above);
  }

  if (profile.allow_gpu) {
    const granted: string[] = [];
    for (const { path, access } of gpuPaths()) {
      const stats = statIfVisible(path);
      if (!stats) continue;
      addRule(path, access, kindOf(stats), `profile ${resolved.name}: allow_gpu`);
      granted.push(path);
    }
    notes.push(granted.length > 0 ? `allow_gpu granted ${granted.join(', ')}` : 'allow_gpu: no GPU device nodes or driver files on this machine; nothing granted');
  }

  // Host sockets the profile or flags name; every other one stays out of the view.
  const grantedSockets: string[] = [];
  const socketGrants = [
    ...(profile.filesystem?.unix_socket ?? []).map((raw) => ({ raw, path: expand(raw, 'filesystem.unix_socket'), by: `profile ${resolved.name}: filesystem.unix_socket`, cli: false })),
    ...(request.grants?.unixSocket ?? []).map((raw) => {
      const lexical = toAbsolute(raw, request.cwd, home);
      lexicalGrants.push(lexical);
      return { raw, path: canonicalOrLexical(lexical), by: '--allow-unix-socket', cli: true };
    }),
  ];
  for (const grant of socketGrants) {
    if (statIfVisible(grant.path, false)?.isSocket() !== true) {
      if (grant.cli) throw new NonoError('PATH_NOT_FOUND', `${grant.by} ${grant.raw}: ${grant.path} is not a unix socket (is its service running?)`, { path: grant.path });
      notes.push(`${grant.by} ${grant.raw}: ${grant.path} is not a unix socket now; skipped`);
      continue;
    }
    refuseProtected(grant.path, grant.by, grant.raw, conflictsOf(grant.path, effectiveProtect, view));
    grantedSockets.push(grant.path);
    addRule(grant.path, 'readwrite', 'socket', grant.by);
  }

  for (const override of overrides) {
    const granted = [...rules.values()].some((r) => isWithin(override.path, r.path) || isWithin(r.path, override.path));
    if (!granted) {
      throw new NonoError(
        'PATH_DENIED',
        `${override.by} ${override.path}: no grant reaches it; add one too (e.g. --read ${override.path}) so the bypass has something to allow`,
        { path: override.path },
      );
    }
  }

  const commandRules: CommandRules = {
    everywhere: [
      ...groups.flatMap((name) => (services.groups.get(name).block_commands ?? []).map((pattern) => ({ pattern, source: name }))),
      ...(profile.commands?.deny ?? []).map((pattern) => ({ pattern, source: `profile ${resolved.name}: commands.deny` })),
      ...(request.blockCommand ?? []).map((pattern) => ({ pattern, source: '--block-command' })),
    ],
    launch: groups.flatMap((name) => (services.groups.get(name).block_launch ?? []).map((pattern) => ({ pattern, source: name }))),
    allow: [
      ...(profile.commands?.allow ?? []).map((pattern) => ({ pattern, source: `profile ${resolved.name}: commands.allow` })),
      ...(request.allowCommand ?? []).map((pattern) => ({ pattern, source: '--allow-command' })),
    ],
  };

  let launch: SandboxPlan['launch'] = null;
  if (request.argv && request.argv.length > 0) {
    const readable = (path: string): boolean =>
      [...rules.values()].some((r) => r.access !== 'write' && (r.kind === 'dir' ? isWithin(path, r.path) : r.path === path));
    const found = planLaunch(request.argv, { cwd: request.cwd, pathVariable: request.env.PATH, home }, readable, (word, names) => refuseLaunch(commandRules, word, names));
    lexicalGrants.push(...found.chains);
    const granted: string[] = [];
    for (const need of found.needs) {
      const hit = conflictsOf(need.path, effectiveProtect, view)[0];
      if (hit) {
        throw new NonoError(
          'PATH_DENIED',
          `launched command ${need.why}: ${describeConflict(need.path, hit)}; nono never grants a protected path to run a command: install it elsewhere or run it from where it is granted`,
          { path: need.path, protected: hit.path, rule: hit.source },
        );
      }
      addRule(need.path, 'read', kindOf(statIfVisible(need.path)!), `launched command ${need.why}`);
      granted.push(`${need.path} (${need.why})`);
    }
    const note = granted.length > 0 ? `launched command ${request.argv[0]}: outside the grants, so read+execute is granted on ${granted.join(', ')}` : null;
    if (note) notes.push(note);
    launch = { command: request.argv[0]!, file: found.file, granted: found.needs.map((n) => n.path), note };
  }

  const granted = [...rules.values()].sort((a, b) => a.path.localeCompare(b.path));
  const liftedHostExec = profile.filesystem?.allow_host_exec_paths ?? [];
  const hostSockets = hostUnixSockets(services.unixSocketTable)
    .map((path) => canonicalOrLexical(path))
    .filter((path) => !grantedSockets.includes(path))
    .map((path) => ({ path, source: 'a host unix socket (filesystem.unix_socket grants one)' }));
  const masks = view ? planMasks(granted, [...effectiveProtect, ...hostSockets]) : [];
  // Taken without the view too: the end-of-session sweep compares against it.
  const protection = planHostExecProtection(granted, masks, liftedHostExec, ctx.tmpdir);
  const readonly: ReadonlyEntry[] = view ? protection.readonly : [];
  const rebuilt = view ? rebuildAroundMasks(granted, masks, (dir) => isWithin(dir, home)) : { rules: granted, symlinks: [], notes: [] };
  const ruleList = rebuilt.rules;
  notes.push(...rebuilt.notes);
  if (!protection.inventory.complete) {
    notes.push(`the writable grants hold more than ${SCAN_DIR_BUDGET} directories: host-exec files and git directories past those scanned are not write-protected`);
  }
  if (!view) {
    const reachable = hostSockets.filter((s) => granted.some((r) => isWithin(s.path, r.path)));
    if (reachable.length > 0) notes.push(`without the view these host sockets inside grants stay reachable: ${reachable.map((s) => s.path).join(', ')}`);
  }

  const blockedCommands = view ? planBlockedCommands(commandRules, ruleList, request.env.PATH) : [];
  if (!view && commandRules.everywhere.length > 0) notes.push('blocking commands for every process needs the private filesystem view; without user namespaces only the launched command is checked');

  const filtered = filterEnvironment(request.env, profile.environment ?? {}, services.secretNames, request.allowEnv);
  const { env, passed } = filtered;
  const dropped = [...filtered.dropped];
  // A variable naming a host socket is a pointer into the hidden: drop it unless granted.
  for (const name of [...passed]) {
    const socket = socketOfVariable(name, env[name]!);
    if (socket === undefined || grantedSockets.includes(canonicalOrLexical(socket))) continue;
    delete env[name];
    passed.splice(passed.indexOf(name), 1);
    dropped.push(name);
  }
  dropped.sort();
  const blocked = request.netBlock === true || profile.network?.block === true;
  const networkProfile = request.networkProfile ?? profile.network?.network_profile ?? null;
  const selected = networkProfile ? services.networkProfiles.get(networkProfile, request.networkProfile ? '--network-profile' : where) : undefined;
  const customRoutes: SandboxPlan['hosts']['customRoutes'] = Object.fromEntries(
    Object.entries(profile.network?.custom_credentials ?? {}).map(([name, r]) => [
      name,
      { upstream: r.upstream, header: r.header.toLowerCase(), format: r.format ?? '{key}', keyVariable: r.key_env, baseUrlVariable: r.base_url_env ?? null, source: r.source ?? null },
    ]),
  );
  const fromEnvironment = credentialsFromEnvironment(
    [...new Set([...(profile.network?.credentials ?? []), ...(request.credentials ?? [])])],
    blocked ? [] : (selected?.credentials ?? []),
    customRoutes,
    new Set(filtered.withheld),
  );
  // A route's real key never enters the sandbox, even under a name that does not look secret.
  const withheld = new Set(filtered.withheld);
  for (const { variable } of fromEnvironment.sources) {
    if (!(variable in request.env)) continue;
    withheld.add(variable);
    if (!passed.includes(variable)) continue;
    delete env[variable];
    passed.splice(passed.indexOf(variable), 1);
  }
  const endpoints = profile.network?.allow_endpoints ?? [];
  const plan: SandboxPlan = {
    profile: resolved.name,
    profileChain: resolved.chain.map((c) => c.name),
    groups,
    workdir,
    hosts: {
      networkProfile,
      allow: [...new Set([...(selected?.hosts ?? []), ...(profile.network?.allow_domain ?? []), ...(request.allowDomain ?? []), ...endpoints.map(endpointHost)])],
      deny: profile.network?.deny_domain ?? [],
      credentials: fromEnvironment.credentials,
      endpointRules: profile.network?.endpoint_rules ?? {},
      endpoints,
      customRoutes,
      enforced: false,
    },
    interactive: profile.interactive === true,
    rules: ruleList,
    denied: effectiveProtect.map((p) => ({ path: p.path, source: p.source })),
    isolation: { mode: view ? 'view' : 'landlock', reason: view ? null : services.isolation.reason, missing: view ? [] : LANDLOCK_ONLY_GAPS },
    masks,
    blockedCommands,
    commandRules,
    launch,
    readonly,
    pins: view ? pinsFor(readonly, ruleList) : [],
    limits: { memoryBytes: request.memoryBytes ?? null, maxProcesses: request.maxProcesses ?? null },
    privateTmp: null,
    symlinks: view ? [...planSymlinks(lexicalGrants), ...rebuilt.symlinks] : [],
    network: 'allow',
    scopes: ['signal', 'abstract-unix'],
    cwd,
    env: { passed, dropped, withheld: [...withheld].sort(), credentialSources: fromEnvironment.sources.filter((s) => s.variable in request.env) },
    notes,
  };
  // Any host rule at all means proxied: the allowlist is then the only way out.
  const proxied = !blocked && (plan.hosts.allow.length > 0 || plan.hosts.credentials.length > 0);
  plan.network = blocked ? 'block' : proxied ? 'proxied' : 'allow';
  plan.hosts.enforced = proxied || blocked;
  return {
    plan,
    env,
    privateTmp,
    rollback: rollbackRules(profile),
    hostExec: { roots: protection.roots, inventory: protection.inventory, gitControl: protection.gitControl, lifted: liftedHostExec },
  };
}

/** The host rule an allow_endpoints entry implies: its host, on its port. */
function endpointHost(text: string): string {
  const { host, port } = parseAllowedEndpoint(text);
  return `${host.host.includes(':') ? `[${host.host}]` : host.host}:${port}`;
}

/** Required groups are always active; the rest as the profile includes them, minus excludes. */
function activeGroups(resolved: ResolvedProfile, catalog: GroupCatalog, platform: Platform | undefined): string[] {
  const where = resolved.chain.at(-1)!.file;
  const profile = resolved.profile;
  const include = profile.groups?.include ?? [];
  const exclude = [...(profile.groups?.exclude ?? []), ...(profile.policy?.exclude_groups ?? [])];
  for (const [key, names] of [
    ['groups.include', include],
    ['groups.exclude', exclude],
  ] as const) {
    for (const name of names) {
      if (!catalog.has(name)) {
        throw new NonoError('PROFILE_INVALID', `${where}: ${key}: unknown group ${name}${didYouMean(name, catalog.names())}; \`nono policy groups\` lists the groups`, { file: where, key });
      }
    }
  }
  for (const name of exclude) {
    if (catalog.get(name).required) {
      throw new NonoError(
        'PROFILE_INVALID',
        `${where}: groups.exclude: ${name} is a required deny group and cannot be excluded; grant a narrower path with policy.override_deny instead`,
        { file: where, key: 'groups.exclude' },
      );
    }
  }
  const active = new Set([...catalog.required(), ...include]);
  for (const name of exclude) active.delete(name);
  return [...active].filter((name) => catalog.appliesHere(name, platform)).sort();
}

/**
 * A no-delete grant inside a wider one that may delete would run with deletes allowed: refused
 * rather than run less confined than asked, whoever made the wider grant (a group the profile
 * pulls in by default included: the user asked for no-delete there, and only they can choose
 * which of the two to give up).
 */
function refuseOverriddenNoDelete(path: string, by: string, above: PlanRule): never {
  const groups = above.source.split(', ').filter((source) => source.startsWith('group ')).map((source) => source.slice('group '.length));
  const fromGroupsOnly = groups.length === above.source.split(', ').length;
  const advice = fromGroupsOnly
    ? `exclude ${groups.length > 1 ? 'groups' : 'group'} ${groups.join(', ')} in the profile (groups.exclude) or pick a directory outside ${above.path}`
    : `drop that grant, or make it write-without-delete too (--allow-no-delete ${above.path} or filesystem.no_delete)`;
  throw new NonoError(
    'NO_DELETE_OVERRIDDEN',
    `${by} ${path}: ${above.path} (${above.source}) lets the sandbox delete there, and Landlock cannot take that right back below it; ${advice}`,
    { path, wider: above.path, widerSource: above.source },
  );
}

function refuseProtected(path: string, flag: string, raw: string, hits: ProtectedPath[]): void {
  if (hits.length === 0) return;
  // Name what is really there first: a home holds a few of the ~100 protected paths.
  const ranked = [...hits.filter((h) => existsSync(h.path)), ...hits.filter((h) => !existsSync(h.path))];
  const shown = ranked.slice(0, 3).map((hit, i) => (i === 0 ? describeConflict(path, hit) : `${hit.path} (${hit.source})`));
  const more = ranked.length > 3 ? ` and ${ranked.length - 3} more protected paths` : '';
  const own = ranked.some((h) => h.own);
  const covers = ranked.some((h) => h.path !== path && isWithin(h.path, path));
  const advice = covers
    ? 'Landlock alone cannot deny a path inside a grant, so grant a narrower directory'
    : own
      ? "nono's own files are never granted"
      : 'grant something else';
  throw new NonoError(
    'PATH_DENIED',
    `${flag} ${raw}: ${shown.join(', ')}${more}; ${advice}${own ? '' : ' (or --bypass-protection the protected path)'}`,
    { path, flag, protected: ranked[0]!.path, rule: ranked[0]!.source },
  );
}
