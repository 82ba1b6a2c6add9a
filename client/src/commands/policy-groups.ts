// `nono policy groups [NAME]`: the security groups and what each grants or keeps out.
import type { Command } from 'commander';
import { bold, dim } from '../output/style.js';
import { printJson, withDaemon } from './call-daemon.js';

export function registerPolicyGroups(policy: Command): void {
  policy
    .command('groups')
    .description('List the security groups, or show one')
    .argument('[name]', 'a group to show in full')
    .option('--json', 'machine-readable output')
    .action(async (name: string | undefined, options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const { groups } = await client.call('policy.groups', name !== undefined ? { name } : {});
        if (options.json) {
          printJson(groups);
          return 0;
        }
        const out = process.stdout;
        for (const g of groups) {
          const tags = [g.platform, g.required ? 'required' : '', g.appliesHere ? '' : 'not on this system'].filter(Boolean).join(', ');
          out.write(`${bold(out, g.name)}  ${dim(out, tags)}\n  ${g.description}\n`);
          if (name !== undefined) {
            for (const [key, paths] of Object.entries(g.paths)) out.write(`  ${key}:\n${paths.map((p) => `    ${p}\n`).join('')}`);
            // Names are short: one wrapped line each, not one per line.
            for (const [key, names] of Object.entries(g.commands)) out.write(`  ${key}:\n    ${names.join(' ')}\n`);
          }
        }
        return 0;
      });
    });
}
