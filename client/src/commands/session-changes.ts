// `nono session diff|rollback|verify [NAME]`: what a --snapshot session changed, putting it back
// the way it was before the session started, and checking its snapshots are intact. Without a
// name, the most recent session with snapshots started in this directory (as the Rust nono does).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { printChanges } from '../output/change-list.js';
import { formatQuarantine } from '@nono/shared/cli/run-notices';
import { printVerify } from '../output/verify-report.js';
import { NonoError } from '@nono/shared/protocol/errors';
import type { NonoClient } from '../index.js';
import { detailOption, type DetailFlags } from './diff-detail.js';
import { defineCommand, type CommandInput } from './define-command.js';

const SESSION_ARGUMENT = ['[session]', 'session name, id or id prefix (default: the last one with snapshots started here)'] as const;

/** The session named, or the newest with snapshots whose cwd is this directory. */
async function sessionOrLast(client: NonoClient, ref: string | undefined): Promise<string> {
  if (ref !== undefined) return ref;
  const cwd = process.cwd();
  const [{ sessions }, { snapshots }] = await Promise.all([client.call('session.list', { all: true }), client.call('snapshot.list', {})]);
  const withSnapshots = new Set(snapshots.map((s) => s.session));
  const last = sessions.find((s) => s.cwd === cwd && withSnapshots.has(s.id));
  if (!last) throw new NonoError('SESSION_NOT_FOUND', `no session with snapshots was started in ${cwd}; name one (nono ps --all lists them)`, { session: null });
  process.stderr.write(`nono: session ${last.name} (${last.id}), the last with snapshots started here\n`);
  return last.id;
}

export function registerSessionChanges(program: Command): void {
  const session = program.command('session').description('What a --snapshot session changed, and undoing it');
  for (const register of [registerSessionDiff, registerSessionRollback, registerSessionVerify]) register(session);
}

const registerSessionDiff = defineCommand({
  declare: (session) =>
    session
      .command('diff')
      .description('List what the session changed: + added, ~ modified, - deleted, p mode')
      .argument(...SESSION_ARGUMENT)
      .option('--stat', 'line counts per file')
      .option('--patch', 'unified diffs of text files'),
  method: 'session.diff',
  params: async ({ args: [ref], options }: CommandInput<[string | undefined], DetailFlags>, client) => {
    const detail = detailOption(options);
    return { session: await sessionOrLast(client, ref), ...(detail ? { detail } : {}) };
  },
  // --json keeps its array of trees; the moved-aside list is in `nono audit list --kind sandbox.quarantine`.
  jsonOf: ({ trees }) => trees,
  render: ({ trees, quarantined }) => {
    for (const { tree, changes } of trees) printChanges(tree, changes);
    process.stdout.write(formatQuarantine(quarantined));
  },
});

const registerSessionRollback = defineCommand({
  declare: (session) =>
    session
      .command('rollback')
      .description('Restore the writable directories (or only PATHs) to before the session')
      .argument(...SESSION_ARGUMENT)
      .argument('[paths...]', 'only these paths (inside the snapshot)')
      .option('--dry-run', 'show what would be restored, change nothing'),
  method: 'session.rollback',
  progress: true,
  params: async ({ args: [ref, paths], options }: CommandInput<[string | undefined, string[]], { dryRun?: boolean }>, client) => {
    const absolute = paths.map((p) => resolve(p));
    return { session: await sessionOrLast(client, ref), ...(absolute.length > 0 ? { paths: absolute } : {}), dryRun: options.dryRun === true };
  },
  interrupted: ({ args: [ref], options }) => (options.dryRun ? null : `nono session rollback ${ref}`),
  jsonOf: ({ trees }) => trees,
  render: ({ trees }, { options }) => {
    for (const { tree, changes } of trees) printChanges(tree, changes);
    process.stdout.write(options.dryRun ? 'dry run: nothing was changed\n' : 'restored\n');
  },
});

const registerSessionVerify = defineCommand({
  declare: (session) => session.command('verify').description("Re-hash a session's snapshots and name any damaged object").argument(...SESSION_ARGUMENT),
  method: 'session.verify',
  progress: true,
  params: async ({ args: [ref] }: { args: [string | undefined] }, client) => ({ session: await sessionOrLast(client, ref) }),
  render: printVerify,
  exitCode: (report) => (report.ok ? 0 : 1),
});
