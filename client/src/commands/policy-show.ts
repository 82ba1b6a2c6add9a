// `nono policy show PROFILE`: the profile fully resolved, as the plan a run would get, the
// merged profile JSON (--raw), or the Seatbelt profile a Mac would apply (--sbpl), on any system.
import type { Command } from 'commander';
import { formatPlan } from '../output/format-plan.js';
import { addPolicyFlags, policyRequest, type PolicyFlags } from './policy-flags.js';
import { printJson, withDaemon } from './call-daemon.js';

type ShowFlags = PolicyFlags & { raw?: boolean; json?: boolean; platform?: 'linux' | 'macos'; sbpl?: boolean };

export function registerPolicyShow(policy: Command): void {
  addPolicyFlags(
    policy.command('show').description('Show a profile fully resolved (extends merged, groups expanded)').argument('[profile]', 'name or file (default: default)'),
    false,
  )
    .option('--raw', 'print the merged profile JSON instead of the resolved plan')
    .option('--platform <linux|macos>', "resolve with that platform's groups (default: this machine's)")
    .option('--sbpl', 'print the Seatbelt profile (SBPL) the macOS helper would apply, for review (implies --platform macos)')
    .option('--json', 'machine-readable output')
    .action(async (profile: string | undefined, options: ShowFlags) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('policy.show', {
          ...policyRequest({ ...options, ...(profile ? { profile } : {}) }),
          ...(options.platform !== undefined ? { platform: options.platform } : {}),
          ...(options.sbpl ? { sbpl: true } : {}),
        });
        if (options.raw) printJson(result.profile);
        else if (options.sbpl && options.json) printJson({ sbpl: result.sbpl });
        else if (options.sbpl) process.stdout.write(result.sbpl ?? '');
        else if (options.json) printJson(result.plan);
        else process.stdout.write(formatPlan(result.plan, [`profile ${result.plan.profile}`]));
        return 0;
      });
    });
}
