// Every CLI command, registered from one list (tmux's cmd_table[]). Parent commands
// (`daemon`, `policy`, `profile`) group their subcommands; each subcommand has its own file.
// A command line registers only the command it names (commandsFor).
import type { Command } from 'commander';
import { registerRun } from './run.js';
import { registerRunReport } from './run-report.js';
import { registerShell } from './shell.js';
import { registerDaemon } from './daemon.js';
import { registerDoctor } from './doctor.js';
import { registerAttach } from './attach.js';
import { registerDetach } from './detach.js';
import { registerPs } from './ps.js';
import { registerStop } from './stop.js';
import { registerLogs } from './logs.js';
import { registerInspect } from './inspect.js';
import { registerPrune } from './prune.js';
import { registerCredential } from './credential.js';
import { registerSessionChanges } from './session-changes.js';
import { registerSnapshot } from './snapshot.js';
import { registerTrust } from './trust.js';
import { registerAudit } from './audit.js';
import { registerLearn } from './learn.js';
import { registerWhy } from './why.js';
import { registerPolicyGroups } from './policy-groups.js';
import { registerPolicyShow } from './policy-show.js';
import { registerPolicyDiff } from './policy-diff.js';
import { registerProfileValidate } from './profile-validate.js';
import { registerProfileInit } from './profile-init.js';
import { registerProfileList } from './profile-list.js';
import { registerProfileUse } from './profile-use.js';
import { registerProfileSchema } from './profile-schema.js';
import { registerProfileGuide } from './profile-guide.js';
import { registerApi } from './api.js';
import { registerCompletion } from './completion.js';
import { registerAuth } from './auth.js';
import { registerPull } from './pull.js';
import { registerPack } from './pack.js';
import { registerRegistry } from './registry-serve.js';
import { registerApprovals } from './approvals.js';
import { registerApprove } from './approve.js';

function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('Inspect security groups and resolved profiles');
  for (const register of [registerPolicyGroups, registerPolicyShow, registerPolicyDiff]) register(policy);
  // The Rust nono's spellings of `profile list` and `profile validate`.
  registerProfileList(policy, 'profiles');
  registerProfileValidate(policy);
}

function registerProfile(program: Command): void {
  const profile = program.command('profile').alias('profiles').description('Validate, create, list and choose profiles (alias: profiles)');
  for (const register of [registerProfileValidate, registerProfileInit, registerProfileList, registerProfileUse, registerProfileSchema, registerProfileGuide]) {
    register(profile);
  }
  // The Rust nono's `profile show|diff|groups`, the same commands as `policy show|diff|groups`.
  for (const register of [registerPolicyShow, registerPolicyDiff, registerPolicyGroups]) register(profile);
}

/** One top-level command: the words that name it and what adds it, with its subcommands. */
export interface CommandEntry {
  names: string[];
  register: (program: Command) => void;
  /** It reads the whole command tree (completion scripts), so every command is added with it. */
  readsTree?: true;
}

/** In the order `nono --help` lists them; a test checks each entry's names against what it adds. */
export const COMMANDS: CommandEntry[] = [
  { names: ['run'], register: registerRun },
  { names: ['shell'], register: registerShell },
  { names: ['attach'], register: registerAttach },
  { names: ['detach'], register: registerDetach },
  { names: ['ps'], register: registerPs },
  { names: ['stop'], register: registerStop },
  { names: ['logs'], register: registerLogs },
  { names: ['inspect'], register: registerInspect },
  { names: ['prune'], register: registerPrune },
  { names: ['credential'], register: registerCredential },
  { names: ['session'], register: registerSessionChanges },
  { names: ['snapshot'], register: registerSnapshot },
  { names: ['trust'], register: registerTrust },
  { names: ['pull'], register: registerPull },
  { names: ['pack', 'packs'], register: registerPack },
  { names: ['auth'], register: registerAuth },
  { names: ['registry'], register: registerRegistry },
  { names: ['audit'], register: registerAudit },
  { names: ['approvals'], register: registerApprovals },
  { names: ['approve'], register: registerApprove },
  { names: ['learn'], register: registerLearn },
  { names: ['why'], register: registerWhy },
  { names: ['policy'], register: registerPolicy },
  { names: ['profile', 'profiles'], register: registerProfile },
  { names: ['doctor'], register: registerDoctor },
  { names: ['daemon'], register: registerDaemon },
  { names: ['api'], register: registerApi },
  { names: ['completion', 'completions'], register: registerCompletion, readsTree: true },
  { names: ['run-report'], register: registerRunReport },
];

/**
 * The commands a command line needs: only the one its first word names, since adding all of
 * them (their options, help and checks) took longer than a short sandboxed run; every command
 * for anything else (no word, --help, `help`, a typo that deserves suggestions).
 */
export function commandsFor(word: string | undefined): CommandEntry[] {
  const entry = COMMANDS.find((c) => word !== undefined && c.names.includes(word));
  return entry === undefined || entry.readsTree ? COMMANDS : [entry];
}
