// `nono policy show PROFILE`: the profile fully resolved, as the plan a run would get, or
// the merged profile JSON (--raw).
import type { Command } from 'commander';
import { formatPlan } from '../output/format-plan.js';
import { addPolicyFlags, policyRequest, type PolicyFlags } from './policy-flags.js';
import { printJson, withDaemon } from './call-daemon.js';

export function registerPolicyShow(policy: Command): void {
  addPolicyFlags(
    policy.command('show').description('Show a profile fully resolved (extends merged, groups expanded)').argument('[profile]', 'name or file (default: default)'),
    false,
  )
    .option('--raw', 'print the merged profile JSON instead of the resolved plan')
    .option('--json', 'machine-readable output')
    .action(async (profile: string | undefined, options: PolicyFlags & { raw?: boolean; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('policy.show', { ...policyRequest({ ...options, ...(profile ? { profile } : {}) }) });
        if (options.raw) printJson(result.profile);
        else if (options.json) printJson(result.plan);
        else process.stdout.write(formatPlan(result.plan, [`profile ${result.plan.profile}`]));
        return 0;
      });
    });
}
