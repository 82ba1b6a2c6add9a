// Turns a run request (grants, flags, cwd, the caller's environment) into a sandbox plan:
// canonical paths with access, the network mode, scopes, and the environment the child gets.
// Threat: this is where a grant could expose nono's own secret or the user's credentials.
// Landlock cannot deny a path inside a granted tree, so any grant that covers a protected
// path is refused here rather than silently widening the sandbox.
import { statSync, type Stats } from 'node:fs';
import type { Grants, PlanRule, SandboxPlan, Access } from '@nono/shared';
import { NonoError, type NonoPaths } from '@nono/shared';
import { DENY_GROUPS, SYSTEM_READ, SYSTEM_WRITE } from './baseline.js';
import { canonicalOrLexical, isWithin, toAbsolute } from './resolve-path.js';
import { filterEnvironment } from './environment.js';

export interface RunRequest {
  cwd: string;
  env: Record<string, string>;
  grants?: Grants | undefined;
  allowCwd?: boolean | undefined;
  netBlock?: boolean | undefined;
}

export interface ProtectedPath {
  path: string;
  source: string;
}

export interface CompiledPlan {
  plan: SandboxPlan;
  env: Record<string, string>;
  /** A private TMPDIR the session must create, when /tmp itself cannot be granted. */
  privateTmp: boolean;
}

const FLAG_FOR: Record<keyof Grants, { flag: string; access: Access; file: boolean }> = {
  allow: { flag: '--allow', access: 'readwrite', file: false },
  read: { flag: '--read', access: 'read', file: false },
  write: { flag: '--write', access: 'write', file: false },
  allowFile: { flag: '--allow-file', access: 'readwrite', file: true },
  readFile: { flag: '--read-file', access: 'read', file: true },
  writeFile: { flag: '--write-file', access: 'write', file: true },
};

export function protectedPaths(paths: NonoPaths, homes: string[]): ProtectedPath[] {
  const own: ProtectedPath[] = [
    { path: paths.runtimeDir, source: "nono's runtime dir (control socket and its secret)" },
    { path: paths.stateDir, source: "nono's state dir (database, logs)" },
    { path: paths.socketPath, source: "nono's control socket" },
  ];
  const denied = homes.flatMap((home) =>
    DENY_GROUPS.flatMap((group) => group.paths.map((rel) => ({ path: `${home}/${rel}`, source: group.name }))),
  );
  const seen = new Set<string>();
  return [...own, ...denied]
    .map((p) => ({ ...p, path: canonicalOrLexical(p.path) }))
    .filter((p) => !seen.has(p.path) && seen.add(p.path));
}

function kindOf(stats: Stats): PlanRule['kind'] {
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'device';
  return stats.isDirectory() ? 'dir' : 'file';
}

function conflict(path: string, protect: ProtectedPath[]): ProtectedPath | undefined {
  return protect.find((p) => isWithin(p.path, path) || isWithin(path, p.path));
}

export function compilePlan(request: RunRequest, paths: NonoPaths, daemonHome: string): CompiledPlan {
  const home = request.env.HOME && request.env.HOME.startsWith('/') ? request.env.HOME : daemonHome;
  const cwd = canonicalOrLexical(request.cwd);
  const protect = protectedPaths(paths, [...new Set([home, daemonHome])]);
  const rules = new Map<string, PlanRule>();
  const notes: string[] = [];

  const addRule = (path: string, access: Access, kind: PlanRule['kind'], source: string): void => {
    const existing = rules.get(path);
    if (existing && existing.access !== access) {
      existing.access = 'readwrite';
      existing.source = `${existing.source}, ${source}`;
    } else if (!existing) {
      rules.set(path, { path, access, kind, source });
    }
  };

  for (const [key, spec] of Object.entries(FLAG_FOR) as [keyof Grants, (typeof FLAG_FOR)[keyof Grants]][]) {
    for (const raw of request.grants?.[key] ?? []) {
      const absolute = toAbsolute(raw, request.cwd, home);
      let stats: Stats;
      let canonical: string;
      try {
        canonical = canonicalOrLexical(absolute);
        stats = statSync(canonical);
      } catch {
        throw new NonoError(
          'PATH_NOT_FOUND',
          `${spec.flag} ${raw}: ${absolute} does not exist; create it first or fix the path`,
          { path: absolute, flag: spec.flag },
        );
      }
      if (spec.file && stats.isDirectory()) {
        throw new NonoError('PATH_INVALID', `${spec.flag} ${raw}: ${canonical} is a directory; use ${spec.flag.replace('-file', '')} for directories`, {
          path: canonical,
          flag: spec.flag,
        });
      }
      refuseProtected(canonical, spec.flag, raw, protect);
      addRule(canonical, spec.access, kindOf(stats), spec.flag);
    }
  }

  if (request.allowCwd) {
    refuseProtected(cwd, '--allow-cwd', cwd, protect);
    addRule(cwd, 'readwrite', 'dir', '--allow-cwd');
  }

  for (const path of SYSTEM_READ.paths) addBaseline(path, 'read', SYSTEM_READ.name);
  let privateTmp = false;
  for (const path of SYSTEM_WRITE.paths) {
    const inTmp = path === '/tmp' ? conflict('/tmp', protect) : undefined;
    if (inTmp) {
      privateTmp = true;
      notes.push(
        `/tmp is not granted: it holds ${inTmp.path} (${inTmp.source}). The sandbox gets a private TMPDIR instead; point XDG_RUNTIME_DIR outside /tmp to give it /tmp.`,
      );
      continue;
    }
    addBaseline(path, 'readwrite', SYSTEM_WRITE.name);
  }

  function addBaseline(path: string, access: Access, group: string): void {
    const stats = statSync(path, { throwIfNoEntry: false });
    if (!stats) return;
    const canonical = canonicalOrLexical(path);
    if (conflict(canonical, protect)) return;
    addRule(canonical, access, kindOf(stats), `baseline: ${group}`);
  }

  const { env, passed, dropped } = filterEnvironment(request.env, {});
  const plan: SandboxPlan = {
    rules: [...rules.values()].sort((a, b) => a.path.localeCompare(b.path)),
    denied: protect.map((p) => ({ path: p.path, source: p.source })),
    network: request.netBlock ? 'block' : 'allow',
    scopes: ['signal', 'abstract-unix'],
    cwd,
    env: { passed, dropped },
    notes,
  };
  return { plan, env, privateTmp };
}

function refuseProtected(path: string, flag: string, raw: string, protect: ProtectedPath[]): void {
  const hit = conflict(path, protect);
  if (!hit) return;
  const relation = isWithin(hit.path, path) && hit.path !== path ? `contains ${hit.path}` : `is protected`;
  throw new NonoError(
    'PATH_DENIED',
    `${flag} ${raw}: ${path} ${relation} (${hit.source}); Landlock cannot deny a path inside a grant, so grant a narrower directory`,
    { path, flag, protected: hit.path, rule: hit.source },
  );
}
