// `nono policy groups [NAME]`: the security groups and what each grants or keeps out.
import { bold, dim } from '../output/style.js';
import { defineCommand } from './define-command.js';

export const registerPolicyGroups = defineCommand({
  declare: (policy) => policy.command('groups').description('List the security groups, or show one').argument('[name]', 'a group to show in full'),
  method: 'policy.groups',
  params: ({ args: [name] }: { args: [string | undefined] }) => (name !== undefined ? { name } : {}),
  jsonOf: ({ groups }) => groups,
  render: ({ groups }, { args: [name] }) => {
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
  },
});
