// `nono audit list` and `nono audit show SEQ`: what the agent did and what nono allowed.
import type { Command } from 'commander';
import type { ResultOf } from '@nono/shared';
import { dim } from '../output/style.js';
import { defineCommand, printJson, type CommandInput } from './define-command.js';

type AuditEvent = ResultOf<'audit.show'>['event'];

const collect = (value: string, previous: string[]) => [...previous, value];

function oneLine(event: AuditEvent): string {
  const session = event.session ? ` ${event.session.slice(0, 8)}` : '';
  return `${String(event.seq).padStart(6)} ${dim(process.stdout, event.time)}${session} ${event.kind} ${JSON.stringify(event.payload)}`;
}

interface ListFlags {
  session?: string;
  kind: string[];
  since?: string;
  until?: string;
  limit?: number;
  after?: number;
  newestFirst?: boolean;
}

export function registerAuditList(audit: Command): void {
  defineCommand({
    declare: (parent) =>
      parent
        .command('list')
        .description('List audit events, oldest first')
        .option('--session <session>', 'only events of this session (name, id or id prefix)')
        .option('--kind <kind>', 'only events of this kind, e.g. net.deny (repeatable)', collect, [])
        .option('--since <time>', 'events at or after this ISO-8601 time')
        .option('--until <time>', 'events before this ISO-8601 time')
        .option('--limit <n>', 'at most this many events (default 1000)', (v) => Number.parseInt(v, 10))
        .option('--after <seq>', 'events after this sequence number (paging)', (v) => Number.parseInt(v, 10))
        .option('--newest-first', 'newest events first'),
    method: 'audit.list',
    params: ({ options }: CommandInput<[], ListFlags>) => ({
      ...(options.session !== undefined ? { session: options.session } : {}),
      ...(options.kind.length > 0 ? { kind: options.kind } : {}),
      ...(options.since !== undefined ? { since: options.since } : {}),
      ...(options.until !== undefined ? { until: options.until } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.after !== undefined ? { afterSeq: options.after } : {}),
      newestFirst: options.newestFirst === true,
    }),
    jsonOf: ({ events }) => events,
    render: ({ events }) => {
      if (events.length === 0) process.stdout.write('no audit events match\n');
      for (const event of events) process.stdout.write(`${oneLine(event)}\n`);
    },
  })(audit);
  defineCommand({
    declare: (parent) => parent.command('show').description('One audit event in full, with its hashes').argument('<seq>', 'sequence number', (v) => Number.parseInt(v, 10)),
    method: 'audit.show',
    params: ({ args: [seq] }: { args: [number] }) => ({ seq }),
    jsonOf: ({ event }) => event,
    render: ({ event }) => printJson(event),
  })(audit);
}
