// The flags that decide a sandbox, shared by `run` and the commands that explain one
// (`why`, `policy show`, `policy diff`), so an answer always matches what a run would do. Here,
// not in the client, because nonod parses a `nono run` the launcher hands it (cli/run-command.ts).
import type { Command } from 'commander';
import type { ParamsOf } from '../protocol/methods.js';

export interface PolicyFlags {
  profile?: string;
  allow: string[];
  read: string[];
  write: string[];
  allowFile: string[];
  readFile: string[];
  writeFile: string[];
  allowCwd?: boolean;
  workdir?: string;
  netBlock?: boolean;
  allowDomain: string[];
  networkProfile?: string;
  bypassProtection: string[];
  allowUnixSocket: string[];
  allowNoDelete: string[];
  allowCommand: string[];
  blockCommand: string[];
  requireFullIsolation?: boolean;
  /** Commander names the repeatable --credential/--proxy-credential flag after its last long form. */
  proxyCredential: string[];
  allowEnv: string[];
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function addPolicyFlags(command: Command, withProfile = true): Command {
  if (withProfile) command.option('-p, --profile <name|file>', 'profile to apply (default: default)');
  return command
    .option('-a, --allow <path>', 'grant read and write on a directory (repeatable)', collect, [])
    .option('-r, --read <path>', 'grant read on a directory (repeatable)', collect, [])
    .option('-w, --write <path>', 'grant write on a directory (repeatable)', collect, [])
    .option('--allow-file <file>', 'grant read and write on one file (repeatable)', collect, [])
    .option('--read-file <file>', 'grant read on one file (repeatable)', collect, [])
    .option('--write-file <file>', 'grant write on one file (repeatable)', collect, [])
    .option('--allow-cwd', 'grant read and write on the working directory')
    .option('--workdir <dir>', 'the working directory for $WORKDIR and workdir.access (default: cwd)')
    .option('--net-block', 'block all network access (TCP, UDP, every non-unix socket)')
    .option('--allow-domain <host>', 'allow a host through the network filter (repeatable)', collect, [])
    .option('--network-profile <name>', 'use a named host list (see daemon/data/network-profiles.json)')
    .option('--bypass-protection <path>', 'lift a deny on a path you also grant (repeatable)', collect, [])
    .option('--allow-unix-socket <path>', 'let the sandbox connect to this host unix socket (repeatable)', collect, [])
    .option('--allow-no-delete <path>', 'grant write and create but never delete or truncate (repeatable)', collect, [])
    .option('--allow-command <name>', 'let a command a blocking group blocks run, e.g. rm (repeatable)', collect, [])
    .option('--block-command <name>', 'block another command in the sandbox (repeatable)', collect, [])
    .option('--require-full-isolation', 'refuse to run when the private filesystem view is unavailable')
    .option('--credential, --proxy-credential <name[=source]>', 'give the sandbox a phantom key for a credential route (openai, anthropic, gemini, github, gitlab)', collect, [])
    .option('--allow-env <name>', 'pass this variable although it looks like a secret (repeatable)', collect, []);
}

/** Where the command line was typed: the client's own cwd and environment, or a launcher's. */
export interface CommandPlace {
  cwd: string;
  env: Record<string, string>;
}

/** This process's place: what the Node client sends. */
export function processPlace(): CommandPlace {
  return { cwd: process.cwd(), env: process.env as Record<string, string> };
}

export function policyRequest(flags: PolicyFlags, place: CommandPlace): ParamsOf<'policy.show'> {
  return {
    cwd: place.cwd,
    env: place.env,
    ...(flags.profile !== undefined ? { profile: flags.profile } : {}),
    grants: {
      allow: flags.allow,
      read: flags.read,
      write: flags.write,
      allowFile: flags.allowFile,
      readFile: flags.readFile,
      writeFile: flags.writeFile,
      unixSocket: flags.allowUnixSocket,
      allowNoDelete: flags.allowNoDelete,
    },
    allowCwd: flags.allowCwd === true,
    netBlock: flags.netBlock === true,
    ...(flags.workdir !== undefined ? { workdir: flags.workdir } : {}),
    allowDomain: flags.allowDomain,
    ...(flags.networkProfile !== undefined ? { networkProfile: flags.networkProfile } : {}),
    bypassProtection: flags.bypassProtection,
    allowCommand: flags.allowCommand,
    blockCommand: flags.blockCommand,
    requireFullIsolation: flags.requireFullIsolation === true,
    credentials: flags.proxyCredential,
    allowEnv: flags.allowEnv,
  };
}
