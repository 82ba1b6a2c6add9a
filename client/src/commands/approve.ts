// `nono approve ID [--once|--session|--always|--deny]`: answer a held approval request from any
// shell; the first answer wins, wherever it comes from.
import type { ApprovalAnswer } from '@nono/shared';
import { NonoError } from '@nono/shared/protocol/errors';
import { printable } from '@nono/shared/printable';
import { defineCommand, type CommandInput } from './define-command.js';

interface ApproveFlags {
  once?: boolean;
  session?: boolean;
  always?: boolean;
  deny?: boolean;
  readOnly?: boolean;
}

function answerOf(flags: ApproveFlags): ApprovalAnswer {
  const chosen = (['once', 'session', 'always', 'deny'] as const).filter((f) => flags[f] === true);
  if (chosen.length > 1) throw new NonoError('INVALID_PARAMS', `give one of --once, --session, --always, --deny, not ${chosen.map((c) => `--${c}`).join(' and ')}`);
  return ({ once: 'allow-once', session: 'allow-session', always: 'always', deny: 'deny' } as const)[chosen[0] ?? 'once'];
}

export const registerApprove = defineCommand({
  declare: (program) =>
    program
      .command('approve')
      .description('Answer an approval request (default --once); nono approvals lists them')
      .argument('<id>', 'the request id')
      .option('--once', 'allow this request only')
      .option('--session', 'allow it for the rest of the session')
      .option('--always', 'allow it and add it to the profile draft (<profile>-draft)')
      .option('--deny', 'refuse it')
      .option('--read-only', 'for a file asked for writing: allow reading only'),
  method: 'approval.answer',
  params: ({ args: [id], options }: CommandInput<[string], ApproveFlags>) => ({ id, answer: answerOf(options), ...(options.readOnly ? { readOnly: true } : {}) }),
  render: ({ request, diff }) => {
    process.stdout.write(`${printable(`${request.id}: ${request.answer} (${request.kind} ${request.subject}, session ${request.sessionName})`)}\n`);
    if (diff) process.stdout.write(diff);
  },
});
