// Which of the caller's environment variables reach the sandbox. With environment.allow_vars
// only those pass (trailing-* patterns allowed); deny_vars beats allow; set_vars is added.
// Variables that make a loader, interpreter or shell run code the user did not ask for never
// pass unless allow_vars or --allow-env names them exactly: a poisoned environment would
// otherwise hijack every tool the agent starts. Nor do variables that look like secrets
// (secret-names.ts): those are withheld, and the run says which.
import type { SecretNames } from './secret-names.js';

const HIJACK_EXACT = new Set([
  'NODE_OPTIONS',
  'NODE_PATH',
  'BASH_ENV',
  'ENV',
  'PROMPT_COMMAND',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'IFS',
  'CDPATH',
  'PYTHONSTARTUP',
  'PYTHONPATH',
  'PYTHONHOME',
  'PYTHONINSPECT',
  'PYTHONUSERBASE',
  'PERL5OPT',
  'PERL5LIB',
  'PERLLIB',
  'PERL5DB',
  'RUBYOPT',
  'RUBYLIB',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'GCONV_PATH',
  'GIT_EXEC_PATH',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
]);

const HIJACK_PREFIXES = ['LD_', 'DYLD_', 'BASH_FUNC_', 'MALLOC_', 'GLIBC_TUNABLES'];
// nono's own variables would point the agent at the daemon; they never pass.
const NEVER = ['NONO_'];

export function isHijackVariable(name: string): boolean {
  return HIJACK_EXACT.has(name) || HIJACK_PREFIXES.some((prefix) => name.startsWith(prefix));
}

export function matchesVariable(name: string, pattern: string): boolean {
  return pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern;
}

export interface EnvironmentPolicy {
  allow_vars?: string[] | undefined;
  deny_vars?: string[] | undefined;
  set_vars?: Record<string, string> | undefined;
}

export interface FilteredEnvironment {
  env: Record<string, string>;
  passed: string[];
  dropped: string[];
  /** Looked like secrets and were not named: kept out, names only ever shown. */
  withheld: string[];
}

export function filterEnvironment(
  input: Record<string, string>,
  policy: EnvironmentPolicy,
  secrets: SecretNames,
  /** --allow-env: names the user passes for this run, as if allow_vars named them exactly. */
  allowEnv: string[] = [],
): FilteredEnvironment {
  const env: Record<string, string> = {};
  const passed: string[] = [];
  const dropped: string[] = [];
  const withheld: string[] = [];
  const allow = policy.allow_vars;
  const deny = policy.deny_vars ?? [];
  const named = new Set([...(allow ?? []), ...allowEnv]);
  for (const [name, value] of Object.entries(input)) {
    const malformed = name.length === 0 || name.includes('=') || name.includes('\0') || value.includes('\0');
    if (malformed || NEVER.some((prefix) => name.startsWith(prefix)) || deny.some((p) => matchesVariable(name, p))) {
      dropped.push(name);
    } else if (named.has(name) || (!isHijackVariable(name) && !secrets.looksSecret(name, value) && (allow === undefined || allow.some((p) => matchesVariable(name, p))))) {
      env[name] = value;
      passed.push(name);
    } else {
      (secrets.looksSecret(name, value) ? withheld : dropped).push(name);
    }
  }
  Object.assign(env, policy.set_vars ?? {});
  return { env, passed: passed.sort(), dropped: dropped.sort(), withheld: withheld.sort() };
}
