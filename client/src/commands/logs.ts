// `nono logs NAME [-f] [--tail N]`: a session's recorded output, and with -f what follows;
// --net and --denials show what the proxy and the sandbox refused instead.
import { NonoError } from '@nono/shared/protocol/errors';
import { fileDenials } from '../output/denial-footer.js';
import { defineCommand, type CommandInput } from './define-command.js';

type LogsFlags = { follow?: boolean; tail?: string; net?: boolean; denials?: boolean };

export const registerLogs = defineCommand({
  declare: (program) =>
    program
      .command('logs')
      .description("Print a session's output (kept on disk, bounded)")
      .argument('<session>', 'session name, id or id prefix')
      .option('-f, --follow', 'keep printing output until the session ends')
      .option('-n, --tail <lines>', 'only the last N lines')
      .option('--net', "the network proxy's decisions instead of the output")
      .option('--denials', 'the file accesses the sandbox refused (from the audit log) instead of the output'),
  json: false,
  work: async (client, { args: [ref], options }: CommandInput<[string], LogsFlags>) => {
    if (options.denials) {
      const denials = await fileDenials(client, ref);
      for (const d of denials) process.stdout.write(`${d.op.toUpperCase().padEnd(5)}  ${d.path}  ${d.rule}: ${d.reason}\n`);
      if (denials.length === 0) process.stderr.write(`nono: no file denials recorded for ${ref}\n`);
      return 0;
    }
    const tail = options.tail === undefined ? undefined : Number(options.tail);
    if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
      throw new NonoError('INVALID_PARAMS', `--tail ${options.tail}: give a whole number of lines`);
    }
    if (options.net) {
      const logs = await client.call('session.logs', { session: ref, ...(tail !== undefined ? { tail } : {}), net: true });
      process.stdout.write(formatDecisions(Buffer.from(logs.data, 'base64').toString('utf8')));
      return 0;
    }
    try {
      for await (const chunk of client.logs(ref, { ...(tail !== undefined ? { tail } : {}), follow: options.follow === true })) process.stdout.write(chunk);
    } catch (error) {
      // Following ends quietly when the daemon goes away, as when the session ends.
      if (!(options.follow && error instanceof NonoError && error.kind === 'DAEMON_UNREACHABLE')) throw error;
    }
    return 0;
  },
});

function formatDecisions(ndjson: string): string {
  return ndjson
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const d = JSON.parse(line) as { time: string; method: string; host: string; port: number; decision: string; rule: string; suggest?: string };
      const hint = d.suggest ? ` (allow with --allow-domain ${d.suggest})` : '';
      return `${d.time}  ${d.decision.toUpperCase().padEnd(5)}  ${d.method} ${d.host}:${d.port}  ${d.rule}${hint}\n`;
    })
    .join('');
}
