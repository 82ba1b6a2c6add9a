// `nono snapshot create [NAME] [DIR]`: snapshot a directory now, outside any session.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineCommand, type CommandInput } from './define-command.js';

const collect = (value: string, previous: string[]) => [...previous, value];

interface CreateOptions {
  name?: string;
  tag: string[];
  label?: string;
  exclude: string[];
  include: string[];
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

export const registerSnapshotCreate = defineCommand({
  declare: (snapshot) =>
    snapshot
      .command('create')
      .description('Snapshot a directory (default: the current one) so it can be restored later')
      .argument('[name]', 'a name, unique in that directory, for show, diff and restore (a lone path or existing directory is taken as DIR)')
      .argument('[dir]', 'directory to snapshot (default: the current one)')
      .option('--name <name>', 'the name, when it is spelled like a directory here')
      .option('--tag <tag>', 'a tag (repeatable); a tag stands for the newest snapshot that has it', collect, [])
      .option('--label <text>', 'a note shown by snapshot list')
      .option('--exclude <glob>', 'leave paths matching this tree-relative glob out (repeatable)', collect, [])
      .option('--include <glob>', 'bring paths back in, even inside node_modules and the like (repeatable)', collect, []),
  method: 'snapshot.create',
  progress: true,
  params: ({ args: [first, second], options }: CommandInput<[string | undefined, string | undefined], CreateOptions>) => {
    const { name, dir } = nameAndDir(first, second, options.name);
    return {
      path: resolve(dir),
      exclude: options.exclude,
      include: options.include,
      ...(options.label !== undefined ? { label: options.label } : {}),
      ...(name !== undefined ? { name } : {}),
      ...(options.tag.length > 0 ? { tags: options.tag } : {}),
    };
  },
  render: (result) => {
    const { snapshot } = result;
    const called = [snapshot.name, ...snapshot.tags.map((t) => `tag ${t}`)].filter((n) => n !== null).join(', ');
    process.stdout.write(`snapshot ${snapshot.id}${called ? ` (${called})` : ''} of ${snapshot.tree}: ${snapshot.files} files, ${snapshot.bytes} bytes (${result.filesHashed} read, ${result.filesCached} unchanged)\n`);
  },
});
