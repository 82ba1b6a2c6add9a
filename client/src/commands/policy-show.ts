// `nono policy show PROFILE`: the profile fully resolved, as the plan a run would get, the
// merged profile JSON (--raw), or the Seatbelt profile a Mac would apply (--sbpl), on any system.
import { formatPlan } from '../output/format-plan.js';
import { addPolicyFlags, policyRequest, processPlace, type PolicyFlags } from '@nono/shared/cli/policy-flags';
import { defineCommand, printJson, type CommandInput } from './define-command.js';

type ShowFlags = PolicyFlags & { raw?: boolean; platform?: 'linux' | 'macos'; sbpl?: boolean };

export const registerPolicyShow = defineCommand({
  declare: (policy) =>
    addPolicyFlags(
      policy.command('show').description('Show a profile fully resolved (extends merged, groups expanded)').argument('[profile]', 'name or file (default: default)'),
      false,
    )
      .option('--raw', 'print the merged profile JSON instead of the resolved plan')
      .option('--platform <linux|macos>', "resolve with that platform's groups (default: this machine's)")
      .option('--sbpl', 'print the Seatbelt profile (SBPL) the macOS helper would apply, for review (implies --platform macos)'),
  method: 'policy.show',
  params: ({ args: [profile], options }: CommandInput<[string | undefined], ShowFlags>) => ({
    ...policyRequest({ ...options, ...(profile ? { profile } : {}) }, processPlace()),
    ...(options.platform !== undefined ? { platform: options.platform } : {}),
    ...(options.sbpl ? { sbpl: true } : {}),
  }),
  jsonOf: (result, { options }) => (options.raw ? result.profile : options.sbpl ? { sbpl: result.sbpl } : result.plan),
  render: (result, { options }) => {
    if (options.raw) printJson(result.profile);
    else if (options.sbpl) process.stdout.write(result.sbpl ?? '');
    else process.stdout.write(formatPlan(result.plan, [`profile ${result.plan.profile}`]));
  },
});
