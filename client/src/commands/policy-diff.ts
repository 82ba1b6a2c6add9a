// `nono policy diff A B`: what B grants, keeps out or lets through that A does not.
import { green, red } from '../output/style.js';
import { addPolicyFlags, policyRequest, processPlace, type PolicyFlags } from '@nono/shared/cli/policy-flags';
import { defineCommand, type CommandInput } from './define-command.js';

export const registerPolicyDiff = defineCommand({
  declare: (policy) => addPolicyFlags(policy.command('diff').description('Compare two profiles as resolved here').argument('<a>').argument('<b>'), false),
  method: 'policy.diff',
  params: ({ args: [a, b], options }: CommandInput<[string, string], PolicyFlags>) => ({ ...policyRequest(options, processPlace()), a, b }),
  render: (diff) => {
    const out = process.stdout;
    out.write(`--- ${diff.a}\n+++ ${diff.b}\n`);
    for (const r of diff.rules) {
      if (r.a) out.write(red(out, `- ${r.a.padEnd(9)} ${r.path}`) + '\n');
      if (r.b) out.write(green(out, `+ ${r.b.padEnd(9)} ${r.path}`) + '\n');
    }
    for (const g of diff.groups.onlyA) out.write(red(out, `- group ${g}`) + '\n');
    for (const g of diff.groups.onlyB) out.write(green(out, `+ group ${g}`) + '\n');
    for (const h of diff.hosts.onlyA) out.write(red(out, `- host ${h}`) + '\n');
    for (const h of diff.hosts.onlyB) out.write(green(out, `+ host ${h}`) + '\n');
    if (diff.network.a !== diff.network.b) out.write(`  network: ${diff.network.a} → ${diff.network.b}\n`);
  },
});
