// Every CLI command, registered from one list (tmux's cmd_table[]). Parent commands
// (`daemon`, `policy`, `profile`) group their subcommands; each subcommand has its own file.
import type { Command } from 'commander';
import { registerRun } from './run.js';
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

export const COMMANDS: ((program: Command) => void)[] = [
  registerRun,
  registerShell,
  registerAttach,
  registerDetach,
  registerPs,
  registerStop,
  registerLogs,
  registerInspect,
  registerPrune,
  registerCredential,
  registerSessionChanges,
  registerSnapshot,
  registerTrust,
  registerPull,
  registerPack,
  registerAuth,
  registerRegistry,
  registerAudit,
  registerApprovals,
  registerApprove,
  registerLearn,
  registerWhy, registerPolicy, registerProfile, registerDoctor, registerDaemon, registerApi, registerCompletion];
