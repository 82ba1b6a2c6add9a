// `nono logs NAME [-f] [--tail N]`: a session's recorded output, and with -f what follows;
// --net and --denials show what the proxy and the sandbox refused instead.
import type { Command } from 'commander';
import { NonoError } from '@nono/shared/protocol/errors';
import { fileDenials } from '../output/denial-footer.js';
import { withDaemon } from './call-daemon.js';

export function registerLogs(program: Command): void {
  program
    .command('logs')
    .description("Print a session's output (kept on disk, bounded)")
    .argument('<session>', 'session name, id or id prefix')
    .option('-f, --follow', 'keep printing output until the session ends')
    .option('-n, --tail <lines>', 'only the last N lines')
    .option('--net', "the network proxy's decisions instead of the output")
    .option('--denials', 'the file accesses the sandbox refused (from the audit log) instead of the output')
    .action(async (ref: string, options: { follow?: boolean; tail?: string; net?: boolean; denials?: boolean }) => {
      process.exitCode = await withDaemon(false, async (client) => {
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
        const logs = await client.call('session.logs', { session: ref, ...(tail !== undefined ? { tail } : {}), ...(options.net ? { net: true } : {}) });
        if (options.net) {
          process.stdout.write(formatDecisions(Buffer.from(logs.data, 'base64').toString('utf8')));
          return 0;
        }
        if (!options.follow || !logs.live) {
          process.stdout.write(Buffer.from(logs.data, 'base64'));
          return 0;
        }
        // Attach first, then read the log: output notifications carry a seq, and the log reply
        // says which seq it ends before, so nothing is lost or printed twice between the two.
        const held: { seq: number; data: Buffer }[] = [];
        let printing = false;
        const ended = new Promise<number>((resolve) => {
          client.on('session.output', (out) => {
            const data = Buffer.from(out.data, 'base64');
            if (printing) process.stdout.write(data);
            else held.push({ seq: out.seq, data });
          });
          client.on('session.exit', () => resolve(0));
          client.onClose(() => resolve(0));
        });
        const attached = await client.call('session.attach', { session: ref, readOnly: true, replay: false });
        const since = await client.call('session.logs', { session: attached.session.id, ...(tail !== undefined ? { tail } : {}) });
        process.stdout.write(Buffer.from(since.data, 'base64'));
        for (const chunk of held) if (since.nextSeq === null || chunk.seq >= since.nextSeq) process.stdout.write(chunk.data);
        printing = true;
        held.length = 0;
        return ended;
      });
    });
}

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
