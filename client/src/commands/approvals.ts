// `nono approvals`: the approval requests the daemon holds (pending first), from any shell;
// `nono approve ID` answers one.
import type { ApprovalRequestView } from '@nono/shared';
import { bold, dim } from '../output/style.js';
import { printable } from '@nono/shared/printable';
import { defineCommand, type CommandInput } from './define-command.js';

/** One line: what was asked, for which session, and its answer or how long it still waits. */
export function approvalLine(v: ApprovalRequestView): string {
  const what = v.kind === 'network' ? `${v.method ?? 'connect'} ${v.subject}` : `${v.access} ${v.subject}${v.command ? ` (${v.command})` : ''}`;
  const answered = v.outcome === 'withdrawn' ? `withdrawn (${v.by === 'session ended' ? 'session ended' : 'process exited'})` : v.outcome === 'timeout' ? 'timed out, denied' : `${v.answer}${v.readOnly ? ' read-only' : ''} by ${v.by}`;
  const state = v.answer === null ? `pending, ${Math.max(0, Math.round((Date.parse(v.expiresAt) - Date.now()) / 1000))}s left` : answered;
  return printable(`${v.id}  ${v.sessionName}  ${v.kind}  ${what}  ${state}`);
}

export const registerApprovals = defineCommand({
  declare: (program) =>
    program
      .command('approvals')
      .description('List approval requests: pending ones first, then recent answers')
      .option('-s, --session <session>', 'only this session (name, id or id prefix)'),
  method: 'approval.list',
  params: ({ options }: CommandInput<[], { session?: string }>) => (options.session !== undefined ? { session: options.session } : {}),
  jsonOf: ({ requests }) => requests,
  render: ({ requests }) => {
    const out = process.stdout;
    out.write(`${bold(out, 'ID  SESSION  KIND  REQUEST  STATE')}\n`);
    for (const v of requests) out.write(`${approvalLine(v)}\n`);
    if (requests.length === 0) out.write(`${dim(out, 'no approval requests; nono run --ask (or security.approvals) turns them on')}\n`);
  },
});
