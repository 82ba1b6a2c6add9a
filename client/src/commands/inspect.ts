// `nono inspect NAME`: one session in full, with the plan it runs under.
import type { Command } from 'commander';
import { formatPlan } from '../output/format-plan.js';
import { printJson, withDaemon } from './call-daemon.js';

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('Show a session in full: state, resources and the resolved sandbox plan')
    .argument('<session>', 'session name, id or id prefix')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, options: { json?: boolean }) => {
      process.exitCode = await withDaemon(options.json, async (client) => {
        const result = await client.call('session.inspect', { session: ref });
        if (options.json) {
          printJson(result);
          return 0;
        }
        const s = result.session;
        process.stdout.write(
          `${s.name} (${s.id}): ${s.state}${s.exitCode !== null ? ` (${s.exitCode})` : ''}, ${s.clients} client(s), started ${s.startedAt}\nlog: ${result.log}\n`,
        );
        if (result.plan) process.stdout.write(formatPlan(result.plan, s.argv));
        return 0;
      });
    });
}
