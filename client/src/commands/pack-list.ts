// `nono pack list`: what is installed, which version is active, and whether it is pinned.
import { bold, dim } from '../output/style.js';
import { defineCommand } from './define-command.js';

export const registerPackList = defineCommand({
  declare: (pack) => pack.command('list').alias('ls').description('Installed packs with their active version'),
  method: 'pack.list',
  params: () => ({}),
  render: (result) => {
    const out = process.stdout;
    for (const p of result.packs) {
      const others = p.versions.filter((v) => v.version !== p.active).map((v) => v.version);
      out.write(`${bold(out, `${p.pack}@${p.active}`)}${p.pinned ? '  pinned' : ''}  ${dim(out, p.registry)}${others.length ? dim(out, `  also ${others.join(', ')}`) : ''}\n`);
      if (p.description) out.write(`  ${p.description}\n`);
    }
    if (result.packs.length === 0) out.write(`${dim(out, 'no packs installed; nono pull NAMESPACE/NAME installs one')}\n`);
  },
});
