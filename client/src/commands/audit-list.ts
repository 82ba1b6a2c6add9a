// `nono audit list` and `nono audit show SEQ`: what the agent did and what nono allowed.
import type { Command } from 'commander';
import type { ResultOf } from '@nono/shared';
import { dim } from '../output/style.js';
import { printJson, withDaemon } from './call-daemon.js';

type AuditEvent = ResultOf<'audit.show'>['event'];

const collect = (value: string, previous: string[]) => [...previous, value];

function oneLine(event: AuditEvent): string {
  const session = event.session ? ` ${event.session.slice(0, 8)}` : '';
  return `${String(event.seq).padStart(6)} ${dim(process.stdout, event.time)}${session} ${event.kind} ${JSON.stringify(event.payload)}`;
}

export function registerAuditList(audit: Command): void {
  audit
    .command('list')
    .description('List audit events, oldest first')
    .option('--session <session>', 'only events of this session (name, id or id prefix)')
    .option('--kind <kind>', 'only events of this kind, e.g. net.deny (repeatable)', collect, [])
    .option('--since <time>', 'events at or after this ISO-8601 time')
    .option('--until <time>', 'events before this ISO-8601 time')
    .option('--limit <n>', 'at most this many events (default 1000)', (v) => Number.parseInt(v, 10))
    .option('--after <seq>', 'events after this sequence number (paging)', (v) => Number.parseInt(v, 10))
    .option('--newest-first', 'newest events first')
    .option('--json', 'machine-readable output')
    .action(async (options: { session?: string; kind: string[]; since?: string; until?: string; limit?: number; after?: number; newestFirst?: boolean; json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const { events } = await client.call('audit.list', {
          ...(options.session !== undefined ? { session: options.session } : {}),
          ...(options.kind.length > 0 ? { kind: options.kind } : {}),
          ...(options.since !== undefined ? { since: options.since } : {}),
          ...(options.until !== undefined ? { until: options.until } : {}),
          ...(options.limit !== undefined ? { limit: options.limit } : {}),
          ...(options.after !== undefined ? { afterSeq: options.after } : {}),
          newestFirst: options.newestFirst === true,
        });
        if (options.json) printJson(events);
        else if (events.length === 0) process.stdout.write('no audit events match\n');
        else for (const event of events) process.stdout.write(`${oneLine(event)}\n`);
        return 0;
      });
    });
  audit
    .command('show')
    .description('One audit event in full, with its hashes')
    .argument('<seq>', 'sequence number', (v) => Number.parseInt(v, 10))
    .option('--json', 'machine-readable output')
    .action(async (seq: number, options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const { event } = await client.call('audit.show', { seq });
        if (options.json) printJson(event);
        else process.stdout.write(`${JSON.stringify(event, null, 2)}\n`);
        return 0;
      });
    });
}
