// `nono pack outdated`: installed packs whose registry has a newer version; exit 1 if any, as npm does.
import { defineCommand } from './define-command.js';

export const registerPackOutdated = defineCommand({
  declare: (pack) => pack.command('outdated').description("Installed packs whose registry lists a newer version (exit 1 if any)"),
  method: 'pack.outdated',
  params: () => ({}),
  render: (result) => {
    for (const p of result.packs) process.stdout.write(`${p.pack}  ${p.active} → ${p.latest}${p.pinned ? '  (pinned)' : ''}\n`);
    if (result.packs.length === 0) process.stdout.write('every installed pack is at its newest version\n');
  },
  exitCode: (result) => (result.packs.length > 0 ? 1 : 0),
});
