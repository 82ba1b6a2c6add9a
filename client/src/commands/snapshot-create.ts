// `nono snapshot create [NAME] [DIR]`: snapshot a directory now, outside any session.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { progressBar } from '../output/progress-bar.js';
import { printJson, withDaemon } from './call-daemon.js';

const collect = (value: string, previous: string[]) => [...previous, value];

interface CreateOptions {
  name?: string;
  tag: string[];
  label?: string;
  exclude: string[];
  include: string[];
  json?: boolean;
}

/**
 * `create pre-refactor`, `create ./src` and `create pre-refactor src` all read as meant: one
 * word is a directory when it looks like a path or names a directory here, else a name.
 */
function nameAndDir(first: string | undefined, second: string | undefined, name: string | undefined): { name?: string; dir: string } {
  if (second !== undefined) return { name: name ?? first!, dir: second };
  if (first === undefined) return { ...(name !== undefined ? { name } : {}), dir: '.' };
  const isDir = (() => {
    try {
      return statSync(first).isDirectory();
    } catch {
      return false;
    }
  })();
  if (name !== undefined || first.includes('/') || first === '.' || first === '..' || isDir) return { ...(name !== undefined ? { name } : {}), dir: first };
  return { name: first, dir: '.' };
}

export function registerSnapshotCreate(snapshot: Command): void {
  snapshot
    .command('create')
    .description('Snapshot a directory (default: the current one) so it can be restored later')
    .argument('[name]', 'a name, unique in that directory, for show, diff and restore (a lone path or existing directory is taken as DIR)')
    .argument('[dir]', 'directory to snapshot (default: the current one)')
    .option('--name <name>', 'the name, when it is spelled like a directory here')
    .option('--tag <tag>', 'a tag (repeatable); a tag stands for the newest snapshot that has it', collect, [])
    .option('--label <text>', 'a note shown by snapshot list')
    .option('--exclude <glob>', 'leave paths matching this tree-relative glob out (repeatable)', collect, [])
    .option('--include <glob>', 'bring paths back in, even inside node_modules and the like (repeatable)', collect, [])
    .option('--json', 'machine-readable output')
    .action(async (first: string | undefined, second: string | undefined, options: CreateOptions) => {
      const { name, dir } = nameAndDir(first, second, options.name);
      process.exitCode = await withDaemon(options.json, async (client) => {
        const progress = progressBar(client, options.json);
        const result = await client
          .call('snapshot.create', {
            path: resolve(dir),
            exclude: options.exclude,
            include: options.include,
            ...(options.label !== undefined ? { label: options.label } : {}),
            ...(name !== undefined ? { name } : {}),
            ...(options.tag.length > 0 ? { tags: options.tag } : {}),
            ...(progress.token ? { progressToken: progress.token } : {}),
          })
          .finally(progress.done);
        if (options.json) printJson(result);
        else {
          const { snapshot } = result;
          const called = [snapshot.name, ...snapshot.tags.map((t) => `tag ${t}`)].filter((n) => n !== null).join(', ');
          process.stdout.write(`snapshot ${snapshot.id}${called ? ` (${called})` : ''} of ${snapshot.tree}: ${snapshot.files} files, ${snapshot.bytes} bytes (${result.filesHashed} read, ${result.filesCached} unchanged)\n`);
        }
        return 0;
      });
    });
}
