// `nono snapshot show ID`: one snapshot's record, rules and (with --entries) contents.
import type { Command } from 'commander';
import { quoteName } from '@nono/shared';
import { displayPath } from '../output/change-list.js';
import { printJson, withDaemon } from './call-daemon.js';

export function registerSnapshotShow(snapshot: Command): void {
  snapshot
    .command('show')
    .description("Show one snapshot: where, when, how much, its exclusions and Merkle root")
    .argument('<id>', 'snapshot id, name, tag (its newest snapshot) or unique id prefix')
    .option('--entries', 'also list every file, symlink and empty directory')
    .option('--json', 'machine-readable output')
    .action(async (id: string, options: { entries?: boolean; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('snapshot.show', { id, entries: options.entries === true });
        if (options.json) printJson(result);
        else {
          const s = result.snapshot;
          const lines = [
            `id       ${s.id}`,
            `tree     ${s.tree}`,
            `created  ${s.created}`,
            `origin   ${s.session ? `${s.role} of session ${s.session}` : 'manual'}`,
            ...(s.label ? [`label    ${s.label}`] : []),
            `files    ${s.files} (${s.bytes} bytes)`,
            `root     ${s.root}`,
            ...(result.exclude.length > 0 ? [`exclude  ${result.exclude.join(' ')}`] : []),
            ...(result.include.length > 0 ? [`include  ${result.include.join(' ')}`] : []),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
          for (const e of result.entries ?? []) {
            const detail = e.type === 'symlink' ? `-> ${e.targetBase64 !== undefined ? e.target : quoteName(e.target ?? '')}` : `${(e.mode ?? 0).toString(8).padStart(4, '0')}${e.size !== undefined ? ` ${e.size}` : ''}`;
            process.stdout.write(`  ${e.type.padEnd(7)} ${displayPath(e)} ${detail}\n`);
          }
        }
        return 0;
      });
    });
}
