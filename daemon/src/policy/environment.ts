// Which of the caller's environment variables reach the sandbox. Variables that make a
// loader, interpreter or shell run code the user did not ask for never pass: inside the
// sandbox they would let a poisoned environment hijack every tool the agent starts.

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

const HIJACK_PREFIXES = ['LD_', 'DYLD_', 'BASH_FUNC_', 'NONO_', 'MALLOC_', 'GLIBC_TUNABLES'];

export function isHijackVariable(name: string): boolean {
  return HIJACK_EXACT.has(name) || HIJACK_PREFIXES.some((prefix) => name.startsWith(prefix));
}

export interface FilteredEnvironment {
  env: Record<string, string>;
  passed: string[];
  dropped: string[];
}

export function filterEnvironment(input: Record<string, string>, extra: Record<string, string>): FilteredEnvironment {
  const env: Record<string, string> = {};
  const passed: string[] = [];
  const dropped: string[] = [];
  for (const [name, value] of Object.entries(input)) {
    if (name.length === 0 || name.includes('=') || name.includes('\0') || value.includes('\0')) {
      dropped.push(name);
    } else if (isHijackVariable(name)) {
      dropped.push(name);
    } else {
      env[name] = value;
      passed.push(name);
    }
  }
  Object.assign(env, extra);
  return { env, passed: passed.sort(), dropped: dropped.sort() };
}
