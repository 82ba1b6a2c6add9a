// `nono inspect NAME`: one session in full, with the plan it runs under.
import { formatPlan } from '../output/format-plan.js';
import { defineCommand } from './define-command.js';

export const registerInspect = defineCommand({
  declare: (program) =>
    program.command('inspect').description('Show a session in full: state, resources and the resolved sandbox plan').argument('<session>', 'session name, id or id prefix'),
  method: 'session.inspect',
  params: ({ args: [ref] }: { args: [string] }) => ({ session: ref }),
  render: (result) => {
    const s = result.session;
    process.stdout.write(
      `${s.name} (${s.id}): ${s.state}${s.exitCode !== null ? ` (${s.exitCode})` : ''}, ${s.clients} client(s), started ${s.startedAt}\nlog: ${result.log}\n`,
    );
    if (result.plan) process.stdout.write(formatPlan(result.plan, s.argv));
    if ((result.approvalGrants ?? []).length > 0) process.stdout.write(`approved for this session: ${result.approvalGrants!.join(', ')}\n`);
  },
});
