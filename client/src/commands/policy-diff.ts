// `nono policy diff A B`: what B grants, keeps out or lets through that A does not.
import type { Command } from 'commander';
import { green, red } from '../output/style.js';
import { addPolicyFlags, policyRequest, type PolicyFlags } from './policy-flags.js';
import { printJson, withDaemon } from './call-daemon.js';

export function registerPolicyDiff(policy: Command): void {
  addPolicyFlags(policy.command('diff').description('Compare two profiles as resolved here').argument('<a>').argument('<b>'), false)
    .option('--json', 'machine-readable output')
    .action(async (a: string, b: string, options: PolicyFlags & { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const diff = await client.call('policy.diff', { ...policyRequest(options), a, b });
        if (options.json) {
          printJson(diff);
          return 0;
        }
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
        return 0;
      });
    });
}
