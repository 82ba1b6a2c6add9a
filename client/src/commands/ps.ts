// `nono ps`: the sessions alive and recently ended, like tmux ls with the resource use of each
// process tree; one line per session whatever its argv.
import type { SessionSummary } from '@nono/shared';
import { bold, dim } from '../output/style.js';
import { printable } from '@nono/shared/printable';
import { defineCommand, type CommandInput } from './define-command.js';

function stateOf(s: SessionSummary): string {
  if (s.state === 'exited' || s.state === 'failed') return `${s.state} (${s.exitCode})`;
  return s.state;
}

function ago(iso: string): string {
  const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86400)}d ago`;
}

function limitsOf(s: SessionSummary): string {
  const parts = [];
  if (s.limits?.memoryBytes) parts.push(`mem ${Math.round(s.limits.memoryBytes / 1048576)}M`);
  if (s.limits?.maxProcesses) parts.push(`procs ${s.limits.maxProcesses}`);
  return parts.join(' ') || '-';
}

function usageOf(s: SessionSummary): string {
  if (!s.usage) return '-';
  return `${(s.usage.cpuMs / 1000).toFixed(1)}s ${(s.usage.rssBytes / 1048576).toFixed(0)}M ${s.usage.processes}p`;
}

const COMMAND_MAX = 80;
/** The command column's least width on a terminal. */
const COMMAND_MIN = 20;
/** Left out, in this order, while a terminal is too narrow for the rest and COMMAND_MIN: a row must fit one line. */
const DROPPED_WHEN_NARROW = ['LIMITS', 'ID', 'PROFILE', 'CLIENTS', 'DENIED', 'STARTED'];

/**
 * The argv as one printable line: control characters escaped (a newline in an argument must not
 * start a row of its own, nor an escape sequence repaint the terminal), arguments with blanks
 * quoted, and the whole cut to `max` characters with an ellipsis.
 */
export function commandLine(argv: string[], max = COMMAND_MAX): string {
  const line = argv.map((arg) => (arg === '' || /\s/.test(arg) ? `'${printable(arg)}'` : printable(arg))).join(' ');
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('')}…`;
}

export const registerPs = defineCommand({
  declare: (program) =>
    program
      .command('ps')
      .description('List sessions: running ones and those that ended in the last hour')
      .option('-a, --all', 'every session the store remembers, older and lost ones included'),
  method: 'session.list',
  params: ({ options }: CommandInput<[], { all?: boolean }>) => ({ all: options.all === true }),
  jsonOf: ({ sessions }) => sessions,
  render: ({ sessions }, { options }) => {
    const out = process.stdout;
    const allRows = sessions.map((s) => [s.name, s.id, stateOf(s), String(s.clients), s.profile ?? '-', String(s.denials), usageOf(s), limitsOf(s), ago(s.startedAt)]);
    const allHeader = ['NAME', 'ID', 'STATE', 'CLIENTS', 'PROFILE', 'DENIED', 'CPU MEM PROCS', 'LIMITS', 'STARTED'];
    const allWidths = allHeader.map((h, i) => Math.max(h.length, ...allRows.map((r) => r[i]!.length)));
    // On a terminal the command takes what the other columns leave of the line, and columns go
    // while that is too little; a pipe gets every column.
    const kept = allHeader.map((_, i) => i);
    const left = (): number => kept.reduce((sum, i) => sum + allWidths[i]! + 2, 0);
    for (const name of out.isTTY === true ? DROPPED_WHEN_NARROW : []) {
      if (left() + COMMAND_MIN <= out.columns) break;
      kept.splice(kept.indexOf(allHeader.indexOf(name)), 1);
    }
    const room = out.isTTY === true ? Math.max(COMMAND_MIN, out.columns - left()) : COMMAND_MAX;
    const widths = kept.map((i) => allWidths[i]!);
    const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
    out.write(`${bold(out, line([...kept.map((i) => allHeader[i]!), 'COMMAND']))}\n`);
    sessions.forEach((s, i) => out.write(`${line([...kept.map((k) => allRows[i]![k]!), commandLine(s.argv, room)])}\n`));
    if (sessions.length === 0) out.write(`${dim(out, `no sessions${options.all ? '' : ' in the last hour (--all lists older ones)'}; nono run --name NAME -- CMD starts one`)}\n`);
  },
});
