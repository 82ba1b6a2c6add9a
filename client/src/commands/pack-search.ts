// `nono pack search QUERY`: the registry's catalogue, filtered by name and description.
import { bold, dim } from '../output/style.js';
import { defineCommand, type CommandInput } from './define-command.js';

export const registerPackSearch = defineCommand({
  declare: (pack) => pack.command('search').description("Packs in a registry's catalogue matching a word").argument('[query]', 'part of a name or description', '').option('--registry <url>', 'the registry (default: nono auth status)'),
  method: 'pack.search',
  params: ({ args: [query], options }: CommandInput<[string], { registry?: string }>) => ({ query, ...(options.registry ? { registry: options.registry } : {}) }),
  render: (result) => {
    const out = process.stdout;
    for (const p of result.packs) out.write(`${bold(out, `${p.pack}@${p.latest}`)}${p.installed ? dim(out, `  installed ${p.installed}`) : ''}  ${p.description}\n`);
    if (result.packs.length === 0) out.write(`${dim(out, `nothing matches in ${result.registry}`)}\n`);
  },
});
