// What a plan is compiled from: the run request (profile, flags, cwd, environment), the
// daemon's policy services, and what the launch knows before compiling. Its own module so the
// stages under plan/ and compile-plan.ts, which runs them, share these types without importing
// each other.
import type { Grants, NonoPaths } from '@nono/shared';
import type { SecretNames } from '../secret-names.js';
import type { GroupCatalog, Platform } from '../group-catalog.js';
import type { NetworkProfileCatalog } from '../network-profiles.js';
import type { ProfileLoader } from '../profile-loader.js';
import type { TrustGateResult } from '../../trust/run-gate.js';

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
  /** Ask instead of only denying (nono run --ask); security.approvals in the profile does the same. */
  ask?: boolean | undefined;
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
  /** The helper reports seccomp user-notification with ADDFD, which file approvals need. */
  fileApprovals?: boolean;
  /** Where to read the bound unix sockets; tests point it at a fixture. */
  unixSocketTable?: string;
}

/** What the launch knows before compiling; without it (policy show, why, diff) a placeholder id. */
export interface LaunchInputs {
  /** The session's id: it names the private /tmp and the session CA files. */
  sessionId: string;
  /** The trust gate's verdict on the workdir; undefined when no trust policy is in force. */
  trust: TrustGateResult | undefined;
}

/** Stands for the session id in plans no session runs under. */
export const PLACEHOLDER_SESSION_ID = 'SESSION';
